"""A hostile page dump through ``tribune import page`` and importers/page.py (SECURITY.md
A2d, D27): markup, URL schemes, quote-breaking source and promo links, template syntax,
bidi and hashtags in the title, lead, body, pull quote and about text, and corpus payloads
as the reader comments. The oracle then reads the story page, the home and tag pages, the
stories API, the stories feed and the comments' surfaces; the title is shown as text.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import BASE_URL
from tests.security import corpus, harness
from tests.security.oracle import (
    MARKER,
    Finding,
    fragment_findings,
    page_findings,
    report,
    text_of,
    url_scheme,
)
from tests.server import TRIBUNE, tribune_env
from tribune.importers.service import import_page

pytestmark = pytest.mark.anyio

M = MARKER
ALERT = f"alert('{M}')"
TITLE = f"<script>{ALERT}</script> {{{{7*7}}}} \u202eTitle ${{7*7}} `x`"
# One line each: a comment starts at "N. " and runs to the next; control characters other
# than tab would refuse the whole file, as the importer promises.
COMMENTS = [
    " ".join(p.split())
    for p in corpus.sample(4)
    if not corpus.refused("body", p) and 0 < len(" ".join(p.split())) < 2_000
]


def hostile_dump(variant: str) -> str:
    comments = "\n\n".join(f"  {n}. {text}" for n, text in enumerate(COMMENTS, start=1))
    return f"""{TITLE} {variant}
{TITLE} {variant}

<img src=x onerror={ALERT}> lead with #Tag{M} and <svg onload={ALERT}> and [x](javascript:{ALERT}).

Body with <math><mtext><img src=x onerror={ALERT}></mtext></math>, {{% raw %}}, #<b>{M}</b> and \
[link](https://example.org/"onmouseover="{ALERT}) and <https://example.org/`onmouseover=1>.

"<iframe srcdoc='<script>{ALERT}</script>'>" – <b onclick={ALERT}>Speaker</b>

READ MORE: https://example.org/"onclick="{ALERT}`x`'y'<{M}>

Subscribe to us 'onclick='{ALERT}' https://example.org/sub`x`?a=<{M}>
Follow us on javascript:{ALERT} https://example.org/follow"onmouseover="x
About the publisher: <script>{ALERT}</script> {{{{config}}}} \u202e{M}

{comments}

Please enter your comment!
Please enter your name here
"""


async def check_story(client: httpx.AsyncClient, story_id: int, slug: str) -> list[Finding]:
    findings: list[Finding] = []
    story = await client.get(f"/stories/{slug}")
    assert story.status_code == 200
    findings += page_findings(story.text, base_url=BASE_URL)
    assert text_of(story.text, "story-header")[0].strip().startswith(TITLE)
    api = (await client.get(f"/api/v1/stories/{story_id}")).json()
    findings += [
        Finding("API story", f.what) for f in fragment_findings(api["body_html"], kind="story")
    ]
    for url in (api["source_url"], api["video_url"], *(p["url"] for p in api["promo_links"])):
        if url is not None and url_scheme(url) not in ("http", "https"):
            findings.append(Finding("API story", f"link {url!r}"))
    findings += await harness.page(client, "/")
    for tag in api["tags"]:
        findings += await harness.page(client, tag["url"].removeprefix(BASE_URL))
    count, in_feed = await harness.feed(client, "/feeds/stories.atom", kind="story")
    assert count >= 1
    findings += in_feed
    findings += await harness.public_surfaces(client, {"id": story_id, "slug": slug})
    return findings


async def test_a_hostile_dump_through_the_importer(app: Any, client: httpx.AsyncClient) -> None:
    result = await import_page(app.state.db, hostile_dump("service").encode())
    assert result.comments_added == len(COMMENTS)
    findings = await check_story(client, result.story_id, result.slug)
    assert not findings, report(findings)


async def test_a_hostile_dump_through_tribune_import_page(
    app: Any, client: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    dump = tmp_path / "hostile.txt"
    dump.write_text(hostile_dump("cli").replace("\n", "\r\n"), encoding="utf-8-sig")
    result = await asyncio.to_thread(
        subprocess.run,
        [TRIBUNE, "import", "page", str(dump)],
        env=tribune_env(database_url) | {"COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(COMMENTS)} new comments" in result.stdout
    stories = (await client.get("/api/v1/stories")).json()["stories"]
    (story,) = [s for s in stories if s["title"].endswith("cli")]
    findings = await check_story(client, story["id"], story["slug"])
    assert not findings, report(findings)
