"""Markdown rendering and the nh3 allowlist: what survives and what never does."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import html5lib  # type: ignore[import-untyped]
import pytest

from tribune.markdown import render_comment, render_story, sanitize_comment_html

ALLOWED = {"p", "br", "em", "strong", "a", "blockquote", "code", "pre", "ul", "ol", "li"}


def elements(fragment: str) -> list[Element]:
    tree = html5lib.parseFragment(fragment, namespaceHTMLElements=False)
    return list(tree.iter())[1:]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*a* **b**", "<p><em>a</em> <strong>b</strong></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`x < y`", "<p><code>x &lt; y</code></p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("line one\nline two", "<p>line one<br>\nline two</p>"),
        ("# not a heading", "<p># not a heading</p>"),
        (
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="nofollow ugc noopener noreferrer">site</a></p>',
        ),
        (
            "see https://example.org",
            '<p>see <a href="https://example.org" rel="nofollow ugc noopener noreferrer">'
            "https://example.org</a></p>",
        ),
    ],
)
def test_comment_markdown_subset(source: str, expected: str) -> None:
    assert render_comment(source).strip() == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "![x](javascript:alert(1))",
        "<a href='javascript:alert(1)'>x</a>",
        "[x]: javascript:alert(1)\n\n[x]",
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "<style>*{}</style>",
        "<<script>script>alert(1)<</script>/script>",
        '[a](https://x.org "title" onmouseover=alert(1))',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ],
)
def test_hostile_comment_keeps_no_active_content(hostile: str) -> None:
    out = render_comment(hostile)
    for node in elements(out):
        tag = getattr(node, "tag", None)
        if not isinstance(tag, str):
            continue
        assert tag in ALLOWED, out
        for name, value in node.attrib.items():
            assert not name.lower().startswith("on"), out
            assert name in ("href", "rel", "start"), out
            if name == "href":
                assert value.split(":", 1)[0].lower() in ("http", "https", "mailto"), out
            if name == "rel":
                assert set(value.split()) >= {"nofollow", "ugc", "noopener", "noreferrer"}


def test_sanitizer_is_idempotent() -> None:
    samples = [render_comment(s) for s in ("*a* <b>x</b>", "[l](https://x.org)", "> q\n\n- l")]
    for sample in samples:
        assert sanitize_comment_html(sample) == sample


def test_story_hashtags_become_tag_links_outside_links_and_code() -> None:
    html, tags = render_story("Vladimir #Putin said #Turkey’s [#Not](https://x.org) `#Code` #1")
    assert '<a href="/tags/putin" class="hashtag" rel="noopener">#Putin</a>' in html
    assert '<a href="/tags/turkey" class="hashtag" rel="noopener">#Turkey</a>’s' in html
    assert "<code>#Code</code>" in html
    assert "#1" in html
    assert tags == ["Putin", "Turkey"]


def test_story_markdown_keeps_no_raw_html() -> None:
    html, _ = render_story("<script>alert(1)</script> <b onclick=x>hi</b>")
    assert "<script" not in html
    assert "<b" not in html


def test_overlong_hashtags_stay_text() -> None:
    html, tags = render_story("#" + "A" * 51 + " and #Fine")
    assert tags == ["Fine"]
    assert "#" + "A" * 51 in html
