"""Properties of the comment sanitizer (SECURITY.md A5): over HTML and Markdown built from
mutation-XSS, SVG and MathML atoms,

- S(S(x)) == S(x) for the sanitizer S (markdown.py's nh3 allowlist), and a rendered comment
  is a fixed point of S;
- the sanitized HTML is stable when a browser parses and serializes it (html5lib, twice):
  what the sanitizer let through is what the browser builds, so no mutation comes alive;
- the oracle finds nothing in it, before or after those round trips.

Hypothesis runs derandomized (the same examples on every run, so CI never flakes); the
corpus's mutation-xss and svg-mathml classes seed it.
"""

from __future__ import annotations

from collections.abc import Callable

import html5lib  # type: ignore[import-untyped]
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.security import corpus
from tests.security.oracle import MARKER, fragment_findings, report
from tribune.markdown import render_comment, render_story, sanitize_comment_html

OPEN = [
    "<svg>",
    "<math>",
    "<mtext>",
    "<mglyph>",
    "<malignmark>",
    "<annotation-xml encoding='text/html'>",
    "<foreignObject>",
    "<desc>",
    "<title>",
    "<style>",
    "<noscript>",
    "<template>",
    "<textarea>",
    "<xmp>",
    "<iframe>",
    "<noembed>",
    "<select>",
    "<table>",
    "<form>",
    "<p>",
    "<a href='https://example.org/'>",
    "<a href='javascript:alert(1)'>",
    "<blockquote>",
    "<pre>",
    "<code>",
    "<ol start='3'>",
    "<li>",
    "<![CDATA[",
    "<!--",
    "<?",
]
CLOSE = [f"</{tag[1:].split()[0].rstrip('>')}>" for tag in OPEN if tag[1].isalpha()]
PAYLOADS = [
    f"<img src=x onerror=alert('{MARKER}')>",
    f"<script>alert('{MARKER}')</script>",
    f'<a id="</style><img src=1 onerror=alert(1)>" {MARKER}=1>',
    f"<svg onload=alert('{MARKER}')>",
    f"<math href=javascript:alert('{MARKER}')>x</math>",
    "-->",
    "]]>",
    "'\"`",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&#x3C;script&#x3E;",
    f"{MARKER}",
    "\n\n",
    "> ",
    "[x](javascript:alert(1))",
    "<https://example.org/`x>",
    "`",
    "*",
]
ATOMS = st.sampled_from(OPEN + CLOSE + PAYLOADS)
HTML = st.lists(ATOMS, min_size=1, max_size=14).map("".join)
SEEDS = [*corpus.MUTATION, *corpus.SVG_MATHML]
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def roundtrip(html: str) -> str:
    """The HTML as a browser parses it into a fragment and serializes it back."""
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    walker = html5lib.getTreeWalker("etree")
    serializer = html5lib.serializer.HTMLSerializer(
        quote_attr_values="always", omit_optional_tags=False, minimize_boolean_attributes=False
    )
    return str(serializer.render(walker(fragment)))


def check(sanitized: str) -> None:
    assert sanitize_comment_html(sanitized) == sanitized
    once = roundtrip(sanitized)
    assert roundtrip(once) == once
    for html in (sanitized, once):
        found = fragment_findings(html)
        assert not found, report(found)


def seeded(test: Callable[[str], None]) -> Callable[[str], None]:
    """The corpus's mutation and SVG/MathML payloads as explicit examples."""
    for seed in SEEDS:
        test = example(seed)(test)
    return test


@SETTINGS
@given(HTML)
@seeded
def test_the_sanitizer_is_idempotent_and_stable_on_html(html: str) -> None:
    check(sanitize_comment_html(html))


@SETTINGS
@given(HTML)
@seeded
def test_a_rendered_comment_is_a_fixed_point_and_stable(text: str) -> None:
    check(render_comment(text))


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(HTML)
@seeded
def test_a_rendered_story_is_stable_and_clean(text: str) -> None:
    html, _ = render_story(text)
    once = roundtrip(html)
    assert roundtrip(once) == once
    for html_form in (html, once):
        found = fragment_findings(html_form, kind="story")
        assert not found, report(found)
