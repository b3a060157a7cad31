"""The embed (SECURITY.md A8, A1's widget surface, part 1 R8 and U3).

- The hostile corpus posted to an embedded thread, then the oracle on the fragment that
  embed.js adopts and server-side includes place in other sites' pages (every page of it).
- embed.js itself: what it reads from the host page (data-* attributes, the address and its
  fragment, the title, the canonical link) only ever becomes text or request data. It has no
  sink for it: no eval, Function, document.write or string timers; innerHTML takes only
  HTML that Tribune rendered and sanitized (a comment's body_html); it reads no window.name
  and listens to no postMessage; and it names no host but Tribune's own.
- CORS for the allowed origins only, never ``*``, never with credentials, Vary: Origin on
  every answer: tests/api/test_embed.py::test_nothing_but_the_allowed_sites_gets_a_cors_answer.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import client_at
from tests.security import corpus
from tests.security.oracle import markup_fragment_findings, report
from tribune.app import create_app
from tribune.settings import Settings
from tribune.web.templating import STATIC

pytestmark = pytest.mark.anyio

SITE = "https://news.example"


async def test_the_corpus_through_an_embedded_thread(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"allowed_origins": SITE}))
    try:
        async with client_at(app) as http:
            await _corpus_through_the_fragment(http)
    finally:
        await app.state.db.dispose()


async def _corpus_through_the_fragment(http: httpx.AsyncClient) -> None:
    page = f"{SITE}/hostile"
    opened = await http.post("/api/v1/threads", json={"url": page, "title": corpus.sample(1)[0]})
    assert opened.status_code == 201
    story_id = opened.json()["id"]
    payloads = corpus.sample(3)
    for payload in payloads:
        for fields in ({"body": payload, "name": "Ana"}, {"body": "x", "name": payload}):
            answer = await http.post(f"/api/v1/stories/{story_id}/comments", json=fields)
            assert answer.status_code in (201, 422), answer.text
    findings = []
    params: dict[str, Any] = {"url": page}
    pages = 0
    while True:
        fragment = await http.get("/embed/thread", params=params)
        assert fragment.status_code == 200
        findings += markup_fragment_findings(fragment.text, base_url="http://testserver")
        pages += 1
        cursor = re.search(r'data-cursor="([^"]+)"', fragment.text)
        if cursor is None:
            break
        params = {"url": page, "after": cursor.group(1)}
    assert pages >= 1
    assert not findings, report(findings)


SCRIPT = STATIC["embed.js"].body.decode()


def test_embed_js_has_no_sink_for_what_the_host_page_gives() -> None:
    for forbidden in (
        "eval(",
        "new Function",
        "document.write",
        "window.name",
        "postMessage",
        "outerHTML",
        "insertAdjacentHTML",
        'setTimeout("',
        "setTimeout('",
    ):
        assert forbidden not in SCRIPT, forbidden
    # innerHTML only ever takes a body Tribune rendered (markdown.py, nh3).
    sinks = re.findall(r"\.innerHTML = ([^;]+);", SCRIPT)
    assert sinks and all(re.fullmatch(r"\w+\.body_html", sink) for sink in sinks), sinks
    # Every request goes to Tribune (BASE, the script's own origin), with no credentials.
    assert re.findall(r"https?://", SCRIPT.replace("https://…", "")) == []
    assert SCRIPT.count("fetch(") == 2 and SCRIPT.count('credentials: "omit"') == 2


def test_the_scripts_survive_being_served_without_indentation() -> None:
    """embed/routes.py serves each line trimmed and drops comment lines: exact only while no
    string or template literal spans two lines (a backtick count that is even on every line,
    no line continued with a backslash)."""
    for name in ("embed.js", "count.js"):
        for number, line in enumerate(STATIC[name].body.decode().splitlines(), 1):
            assert line.count("`") % 2 == 0, f"{name}:{number}"
            assert not line.rstrip().endswith("\\"), f"{name}:{number}"
