"""The oracle itself: it finds what it must in hand-made hostile HTML, feeds, events and
SVG, reads URL schemes as a browser does, and passes the app's own pages untouched (so a
finding elsewhere in tests/security is about user input, never about the templates)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from defusedxml import DTDForbidden, EntitiesForbidden  # type: ignore[import-untyped]

from tests.helpers import BASE_URL
from tests.security import oracle
from tests.security.oracle import (
    MARKER,
    feed_findings,
    fragment_findings,
    page_findings,
    sse_events,
    svg_findings,
    url_scheme,
)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>t</title><script src="/static/0123456789ab/tribune.js" defer></script>
<link rel="stylesheet" href="/static/0123456789ab/tribune.css"></head><body>
<form method="post" action="/comments/1/vote"><input type="hidden" name="csrf_token" value="x">
</form><div class="comment-body">{}</div>{}</body></html>"""


@pytest.mark.parametrize(
    ("value", "scheme"),
    [
        ("https://example.org/", "https"),
        ("/relative/path", None),
        ("//example.org/x", None),
        ("#top", None),
        ("  JaVaScRiPt:alert(1)", "javascript"),
        ("java\tscript:alert(1)", "javascript"),
        ("java\nscr\ript:alert(1)", "javascript"),
        ("\x01\x00 javascript:alert(1)", "javascript"),
        ("data:text/html,x", "data"),
        ("vbscript:x", "vbscript"),
        ("mailto:someone@example.org", "mailto"),
        ("&#106;avascript:x", None),  # double-encoded: a relative path to the browser
    ],
)
def test_url_schemes_are_read_as_a_browser_reads_them(value: str, scheme: str | None) -> None:
    assert url_scheme(value) == scheme


HOSTILE = [
    ("<script>alert(1)</script>", "script that is not the app's own"),
    ('<img src="x" onerror="alert(1)">', "event handler attribute onerror"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "href with scheme javascript"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "href with scheme javascript"),
    ('<a href=" data:text/html,x">x</a>', "href with scheme data"),
    ("<iframe srcdoc='&lt;script&gt;'></iframe>", "srcdoc attribute"),
    ('<p style="color:red">x</p>', "style attribute"),
    ("<svg><a xlink:href='javascript:alert(1)'>x</a></svg>", "xlink:href with scheme javascript"),
    ("<math><mtext>x</mtext></math>", "in namespace http://www.w3.org/1998/Math/MathML"),
    ("<base href='https://evil.example/'>", "forbidden element <base>"),
    ("<meta http-equiv='refresh' content='0;url=https://evil.example/'>", "meta that is not"),
    ("<form action='https://evil.example/'><button>x</button></form>", "form posting elsewhere"),
    ("<button formaction='javascript:alert(1)'>x</button>", "formaction with scheme javascript"),
    ("<object data='javascript:alert(1)'></object>", "forbidden element <object>"),
    ("<embed src='data:image/svg+xml,x'>", "forbidden element <embed>"),
    ("<style>*{}</style>", "forbidden element <style>"),
    ("<template><img src=x></template>", "forbidden element <template>"),
    ("<noscript><p>x</p></noscript>", "forbidden element <noscript>"),
    ("<!-- x -->", "HTML comment"),
    (f"<{MARKER}>x</{MARKER}>", "payload marker as an element"),
    (f"<b {MARKER}=1>x</b>", "payload marker as an attribute name"),
    (f"<b class='{MARKER}'>x</b>", "payload marker in attribute class"),
    ("<b>bold</b>", "<b> inside user content"),
    ("<a href='https://example.org/'>no rel</a>", "user link without rel"),
    ("<video poster='javascript:alert(1)'></video>", "poster with scheme javascript"),
    ("<img srcset='https://a.example/1x.png 1x, javascript:alert(1) 2x'>", "srcset with scheme"),
    ("<p title='a`b'>x</p>", "unescaped backtick inside a tag"),
    ("<link rel='stylesheet' href='https://evil.example/x.css'>", "link that is not"),
]

CONTAINER_ONLY = {"<b> inside user content", "user link without rel"}
# In user content no element is the template's own: these are found as "inside user content".
TEMPLATE_RULES = {
    "script that is not the app's own",
    "meta that is not",
    "form posting elsewhere",
    "link that is not",
}


@pytest.mark.parametrize(("html", "expected"), [h for h in HOSTILE if h[1] not in CONTAINER_ONLY])
def test_the_oracle_finds_hostile_markup(html: str, expected: str) -> None:
    """Outside user content: the page's template around it."""
    found = page_findings(PAGE.format("", html), base_url=BASE_URL)
    assert any(expected in str(f) for f in found), oracle.report(found)


@pytest.mark.parametrize(("html", "expected"), HOSTILE)
def test_the_oracle_finds_hostile_markup_in_fragments(html: str, expected: str) -> None:
    """In user content: the page's comment body, and the same HTML as an API field."""
    found = page_findings(PAGE.format(html, ""), base_url=BASE_URL)
    expected_inside = "inside user content" if expected in TEMPLATE_RULES else expected
    assert any(expected_inside in str(f) for f in found), oracle.report(found)
    found = fragment_findings(html)
    assert any(expected_inside in str(f) for f in found), oracle.report(found)


def test_a_script_or_form_like_the_templates_own_but_not_theirs_is_found() -> None:
    for html, expected in [
        ("<script src='/static/0123456789ab/evil.js'>x</script>", "script that is not"),
        ("<script src='https://evil.example/0123456789ab/a.js'></script>", "script that is not"),
        ("<form action='/elsewhere'></form>", "form posting elsewhere"),
        ("<form action='//evil.example/comments/1/vote'></form>", "form posting elsewhere"),
        ("<link rel='stylesheet' href='//evil.example/a.css'>", "link that is not"),
        # A JSON-LD block a title broke out of, or one that is not JSON.
        (
            '<script type="application/ld+json">{"headline": "</script><script>alert(1)</script>',
            "script that is not",
        ),
        ('<script type="application/ld+json">{"a": 1} <b>x</b></script>', "not JSON"),
        ('<script type="application/ld+json" src="/x.js"></script>', "script that is not"),
        ("<meta property='refresh' content='x'>", "meta that is not"),
        ("<meta name='og:x' property='description' content='x'>", "meta that is not"),
    ]:
        found = page_findings(PAGE.format("", html), base_url=BASE_URL)
        assert any(expected in str(f) for f in found), html


def test_a_json_ld_block_and_link_preview_tags_pass() -> None:
    head = (
        '<script type="application/ld+json">{"headline": "\\u003c/script\\u003e"}</script>'
        '<meta property="og:title" content="x"><meta name="twitter:card" content="summary">'
        '<link rel="next" href="/?cursor=x">'
    )
    assert page_findings(PAGE.format("", head), base_url=BASE_URL) == []


def test_sanitized_user_html_and_the_template_pass() -> None:
    safe = (
        '<p>Hi <em>there</em> <a href="https://example.org/?a=1&amp;b=2" '
        'rel="nofollow ugc noopener noreferrer">link</a> '
        f'{MARKER} &lt;script&gt;</p><ol start="3"><li><code>x</code></li></ol>'
    )
    assert page_findings(PAGE.format(safe, ""), base_url=BASE_URL) == []
    assert fragment_findings(safe) == []


@pytest.mark.anyio
async def test_the_apps_own_pages_pass(
    client: httpx.AsyncClient, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for who, path in [
        (client, "/"),
        (client, f"/stories/{story['slug']}"),
        (client, "/tags/putin"),
        (client, f"/stories/{story['slug']}?reply_to=1"),
        (client, "/admin/login"),
        (admin, "/admin/moderation?tab=all"),
        (admin, "/admin/bans"),
        (admin, "/admin/rules"),
        (admin, "/admin/staff"),
        (admin, "/admin/stories"),
        (admin, "/admin/audit"),
    ]:
        page = await who.get(path)
        assert page.status_code == 200, path
        assert page_findings(page.text, base_url=BASE_URL) == [], path
    feed = await client.get(f"/feeds/stories/{story['slug']}/comments.atom")
    entries, found = feed_findings(feed.content, base_url=BASE_URL)
    assert len(entries) == 5 and found == []


FEED = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    "<title>t</title><entry><title>x<b>y</b></title>"
    '<link rel="alternate" href="https://evil.example/"/>'
    '<content type="html">&lt;img src=x onerror=alert(1)&gt;</content></entry></feed>'
)


def test_the_feed_helper_finds_injected_elements_links_and_html() -> None:
    entries, found = feed_findings(FEED.encode(), base_url=BASE_URL)
    assert len(entries) == 1
    text = oracle.report(found)
    assert "<b> inside <title>" in text
    assert "link off the base URL" in text
    assert "event handler attribute onerror" in text


@pytest.mark.parametrize(
    ("doctype", "error"),
    [
        ('<!DOCTYPE feed [<!ENTITY a "aaaa">]>', DTDForbidden),
        ('<!DOCTYPE feed SYSTEM "file:///etc/hostname">', DTDForbidden),
    ],
)
def test_the_feed_helper_refuses_dtds_and_entities(doctype: str, error: type) -> None:
    body = f'<?xml version="1.0"?>{doctype}<feed xmlns="http://www.w3.org/2005/Atom"/>'
    with pytest.raises((error, EntitiesForbidden)):
        feed_findings(body.encode(), base_url=BASE_URL)


def test_the_event_helper_finds_smuggled_lines_and_hostile_html() -> None:
    raw = (
        b"retry: 3000\n\n"
        b'id: 1-0\nevent: comment\ndata: {"id":1,"body_html":"<img src=x onerror=a()>",'
        b'"website":"javascript:alert(1)","avatar_url":"/avatars/x.svg"}\n\n'
        b'id: 2-0\nevent: edit\ndata: {"id":1}\nSet-Cookie: x=y\n\n'
    )
    events, found = sse_events(raw)
    assert [kind for kind, _ in events] == ["comment", "edit"]
    text = oracle.report(found + oracle.event_findings(events))
    assert "a line that is no SSE field" in text
    assert "event handler attribute onerror" in text
    assert "website 'javascript:alert(1)'" in text
    assert "avatar_url" in text


def test_the_svg_helper_accepts_only_the_identicon_drawing() -> None:
    good = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 6 6" width="40" height="40">'
        b'<g fill="hsl(1 55% 45%)"><rect x="0" y="0" width="1" height="1"/></g></svg>'
    )
    assert svg_findings(good) == []
    bad = good.replace(b"</g>", b"</g><script>alert(1)</script>").replace(
        b"<rect ", b'<rect onload="x" '
    )
    text = oracle.report(svg_findings(bad))
    assert "script" in text and "attribute onload" in text
