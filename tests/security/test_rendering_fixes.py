"""The two rendering findings of the attack pass fixed here, and the guards that keep them
fixed:

- A4b: autoescaping leaves ` raw, and old browsers read it as an attribute quote. Every
  rendered page writes it as &#96; (web/templating.py HtmlTemplate), which reads the same
  wherever Tribune's HTML can hold it, since the templates have no inline script or style.
- X15: ``/avatars/<key>%0A.svg`` was served because ``$`` also matches before a final
  newline. Validation uses fullmatch; no pattern in src/ is anchored with ``$``.
- Found by this suite: nh3 kept its default ``lang``/``title`` on every tag, so a Markdown
  link title reached the page as an attribute outside the sanitizer's allowlist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import BASE_URL, csrf_of, post_comment
from tests.security.oracle import page_findings, parse_page, report
from tribune.markdown import render_comment, render_story
from tribune.web.templating import ENV, TEMPLATE_DIRS

pytestmark = pytest.mark.anyio

SRC = Path(__file__).resolve().parents[2] / "src" / "tribune"
BACKTICK_SITE = "https://example.org/`onmouseover=alert(1)`x"


async def test_a_backtick_in_a_website_is_escaped_in_the_author_link(
    app: Any, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db, title="Backticks")
    posted = await post_comment(client, story_id, "Hi `there`", website=BACKTICK_SITE)
    assert posted.status_code == 201
    assert posted.json()["website"] == BACKTICK_SITE  # stored and sent as typed
    page = await client.get("/stories/backticks")
    author = re.search(r'<a class="author" href="([^"]*)"', page.text)
    assert author is not None
    assert author.group(1) == "https://example.org/&#96;onmouseover=alert(1)&#96;x"
    assert page_findings(page.text, base_url=BASE_URL) == []
    # What the browser reads is unchanged: the same address, and the text as typed.
    document = parse_page(page.text)
    links = [a for a in document.iter("a") if a.get("class") == "author"]
    assert [a.get("href") for a in links] == [BACKTICK_SITE]
    bodies = [e for e in document.iter("code")]
    assert [b.text for b in bodies] == ["there"]


async def test_a_backtick_is_escaped_in_every_rendered_value(
    app: Any, client: httpx.AsyncClient
) -> None:
    """In a re-displayed form every typed field keeps its backticks, written as &#96;."""
    story_id = await make_story(app.state.db, title="Form backticks")
    token = await csrf_of(client, "/stories/form-backticks")
    refused = await client.post(
        "/stories/form-backticks/comments",
        data={"name": "`x`", "website": "`y`", "email": "`z`", "body": "", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert 'value="&#96;x&#96;"' in refused.text and 'value="&#96;y&#96;"' in refused.text
    assert "`" not in refused.text
    assert story_id


def test_no_template_has_inline_script_or_style() -> None:
    """&#96; reads as ` everywhere except inside script and style elements: the
    templates must keep having none with content (and the CSP forbids them anyway). The one
    exception is the JSON-LD data block, never run, filled only through ``|tojson``, whose
    JSON writes the backtick (with < > & ') as a \\u escape."""
    data_block = re.compile(
        r'<script type="application/ld\+json">\{\{ [\w.]+\|tojson \}\}</script>'
    )
    for directory in TEMPLATE_DIRS:
        for template in directory.glob("*.html"):
            text = data_block.sub("", template.read_text())
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
            assert not re.search(r"<style\b", text), template
    assert ENV.template_class.__name__ == "HtmlTemplate"
    rendered = ENV.from_string("{{ value|tojson }}").render(value="`</script><!--&'")
    assert rendered == '"\\u0060\\u003c/script\\u003e\\u003c!--\\u0026\\u0027"'


@pytest.mark.parametrize(
    "path",
    [
        "/avatars/0123456789abcdef0123%0A.svg",
        "/avatars/0123456789abcdef0123%0a.svg",
        "/avatars/0123456789ABCDEF0123.svg",
        "/avatars/0123456789abcdef012.svg",
        "/avatars/%0A0123456789abcdef0123.svg",
    ],
)
async def test_only_exact_avatar_keys_are_served(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404
    assert (await client.get("/avatars/0123456789abcdef0123.svg")).status_code == 200


DOLLAR_ANCHORED = re.compile(r"""r?(["'])(?:(?!\1).)*(?<!\\)\$\1""")


def test_no_pattern_in_src_is_anchored_with_a_dollar() -> None:
    """Patterns are matched whole with fullmatch (or anchored with \\Z): a "...$" literal
    would accept a value with a trailing newline."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            code = "" if line.lstrip().startswith("#") else line.split("  #", 1)[0]
            if DOLLAR_ANCHORED.search(code):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_sanitizers_keep_no_generic_attributes() -> None:
    """A Markdown link title (and a lang) would survive through nh3's default generic
    attributes; only the allowlist's attributes may."""
    html = render_comment('[x](https://example.org/ "a title")')
    assert "title" not in html and "href" in html
    story, _ = render_story('[x](https://example.org/ "a title")')
    assert "title" not in story
    found = page_findings(f'<div class="comment-body">{html}</div>')
    assert found == [], report(found)
