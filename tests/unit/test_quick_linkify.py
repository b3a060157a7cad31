"""markdown.QuickLinkify answers every linkify-it question as linkify-it does: it only skips
the expressions that cannot match."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from linkify_it import LinkifyIt  # type: ignore[import-untyped]

from tribune import markdown
from tribune.markdown import QuickLinkify, render_comment

ORIGINAL = LinkifyIt()
QUICK = QuickLinkify()

TEXTS = [
    "",
    "Nothing to link here, just words.",
    "About the harvest: the council said so. Nobody knows.",
    "see https://example.org/p/1 and http://a.b",
    "HTTPS://EXAMPLE.ORG and Ftp://files.example.com/x",
    "mailto:someone@example.org or someone@example.org",
    "an @ alone, and user@host without a dot",
    "//example.org/path and // alone",
    "www.example.org, example.com, example.c, example.museum",
    "an address 192.168.0.1 and .1.2. dots",
    "localhost:8000 and LOCALHOST and localhoſt (long s) and local\u212ahost",
    "httpſ://example.org (long s in the schema)",
    "ｅｘａｍｐｌｅ。ｏｒｇ full-width, пример.рф, xn--e1afmkfd.xn--p1ai",
    "end of sentence.Next sentence without a space",
    "(https://example.org) [x](y) <https://example.org>",
    "a:b c:d e: f",
    "_http://example.org and x_https://example.org",
]


@pytest.mark.parametrize("text", TEXTS)
def test_every_answer_is_linkify_its(text: str) -> None:
    assert QUICK.pretest(text) == ORIGINAL.pretest(text)
    assert QUICK.test(text) == ORIGINAL.test(text)


# Text made of what links are made of, so that links, near-links and their hints all occur.
PIECES = [
    *"abcdefghijklmnopqrstuvwxyzAEHKLOPSTW0123456789.:/@-_ ()<>|,;!?\n",
    *("http", "https://", "ftp:", "mailto:", "www.", ".com", ".org", ".рф", "localhost"),
    *("\u017f", "\u212a", "\uff5c", "\u3002", "é", "\u00a0"),  # ſ, Kelvin, ｜, 。
]
LINKISH = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(LINKISH)
@example("x.com")
@example("a@b.co")
def test_linkish_text_gets_linkify_its_answers(text: str) -> None:
    assert QUICK.pretest(text) == ORIGINAL.pretest(text)
    assert QUICK.test(text) == ORIGINAL.test(text)


def test_comments_and_stories_use_it() -> None:
    assert isinstance(markdown._COMMENT_MD.linkify, QuickLinkify)
    assert isinstance(markdown._STORY_MD.linkify, QuickLinkify)
    assert 'href="http://example.org"' in render_comment("see example.org today")


def test_a_schema_added_later_is_looked_for_too() -> None:
    original, quick = LinkifyIt().add("git:", "http:"), QuickLinkify().add("git:", "http:")
    for text in ("git://example.org/repo", "GIT://example.org", "no git here", "git: alone"):
        assert quick.pretest(text) == original.pretest(text)
        assert quick.test(text) == original.test(text)
    assert quick.test("git://example.org/repo")
