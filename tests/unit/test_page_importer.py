"""Reading plain-text page dumps: the demo and its family, and the files that are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tribune.cli import demo_bytes
from tribune.importers.page import PageDumpError, parse
from tribune.markdown import render_story

DATA = Path(__file__).parent.parent / "data"
SHARED_DEMO = Path(__file__).parents[3] / "shared" / "demo" / "putin-syria-story.txt"


def test_packaged_demo_is_the_shared_demo() -> None:
    if not SHARED_DEMO.exists():
        pytest.skip("../shared is not beside this checkout")
    assert demo_bytes() == SHARED_DEMO.read_bytes()


def test_demo_story_parts() -> None:
    page = parse(demo_bytes())
    story = page.story
    assert story.title == "Turkey’s Syria op could see ISIS terrorists scattering – Putin"
    assert story.lead.startswith("Islamic State militants may flee")
    assert story.source_url == "https://on.rt.com/a37e"
    assert [p.text for p in story.promo_links] == [
        "Subscribe to RT!",
        "Check out",
        "Like us on Facebook",
        "Follow us on VK",
        "Follow us on Twitter",
        "Follow us on Instagram",
        "Follow us on Soundcloud",
    ]
    assert story.promo_links[0].url.endswith("?sub_confirmation=1")  # the " />" debris is gone
    assert story.about.startswith("#RT (Russia Today) is a global #news network")
    # The title is not repeated in the text; publisher material is not in it either.
    assert story.title not in story.body_md
    for word in ("READ MORE", "Subscribe", "Follow us", "Russia Today", "Please enter"):
        assert word not in story.body_md
    html, tags = render_story(story.body_md)
    assert tags == ["Putin", "Turkey", "Syria"]
    assert html.count("<p>") == 5  # lead, two body paragraphs, and the quote's two lines
    assert (
        "<blockquote>\n<p>They could simply run away. I’m not sure whether the Turkish army "
        "could get it under control fast</p>\n<p>— Putin</p>\n</blockquote>" in html
    )


def test_demo_comments_in_order_without_names() -> None:
    comments = parse(demo_bytes()).comments
    assert len(comments) == 5
    assert comments[0].body.startswith("Once Putin kept eyes closed")
    assert comments[4].body.startswith("Putin has a real head on his shoulders")
    assert all(c.name is None for c in comments)
    assert len({c.import_key for c in comments}) == 5
    # Plain text stays plain text: markup characters are escaped, not interpreted.
    assert 'what"s going to happen' in comments[2].body


def test_crlf_and_bom_read_like_the_original() -> None:
    original = parse(demo_bytes())
    for variant in (
        demo_bytes().replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + demo_bytes(),
        b"\xef\xbb\xbf" + demo_bytes().replace(b"\n", b"\r"),
    ):
        page = parse(variant)
        assert page.story == original.story
        assert [c.body for c in page.comments] == [c.body for c in original.comments]


def test_dump_without_comments() -> None:
    page = parse((DATA / "no-comments.txt").read_bytes())
    assert page.comments == []
    assert page.story.title == "Council approves new cycle lanes"
    assert page.story.source_url == "https://example.org/r/cycle"
    assert [p.url for p in page.story.promo_links] == ["https://social.example/@news"]
    assert render_story(page.story.body_md)[1] == ["Riverside", "OldTown"]


def test_dump_without_read_more() -> None:
    page = parse((DATA / "no-read-more.txt").read_bytes())
    assert page.story.source_url is None
    assert page.story.promo_links == []
    assert [c.body for c in page.comments] == ["Stay hydrated everyone!", "My tomatoes love it."]
    html, _ = render_story(page.story.body_md)
    assert "<blockquote>" in html and "— chief forecaster" in html


def test_comments_numbered_past_nine() -> None:
    page = parse((DATA / "twelve-comments.txt").read_bytes())
    assert len(page.comments) == 12
    assert page.comments[9].body.startswith("Comment number 10 says")
    assert r"\*different\*" in page.comments[11].body  # a dump is text, not Markdown


def test_multiline_comments_keep_their_paragraphs() -> None:
    page = parse((DATA / "multiline-comments.txt").read_bytes())
    assert [c.body for c in page.comments] == [
        "Finally.\nIt took long enough.\n\nAnd the new lights are nice.",
        "Two lines\nhere as well.",
    ]


def test_url_identifies_the_story() -> None:
    assert (
        parse(demo_bytes(), url="https://example.org/a").story.import_key == "https://example.org/a"
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty"),
        (b" \n\n \r\n", "the file is empty"),
        (b"Title\x00\x01\x02", "NUL bytes"),
        (b"Caf\xe9 story\n\nText", "not UTF-8 text (byte 0xe9 at offset 3)"),
        (b"Only a title\n", "no story text after the title"),
        (b"Only a title\n\nOnly a title\n", "no story text after the title"),
        (b"  1. just a comment\n  2. another\n", "no story found"),
        (b"x" * 400 + b"\n\nText", "a title is at most 300"),
        (
            b"Title\n\nText\n\n  1. " + b"y" * 10_001 + b"\n",
            "comment 1 cannot be imported: it has 10,001 characters, over 10,000",
        ),
        (b"Title\n\nText\n\n  1. bad \x07 bell\n", "comment 1 cannot be imported"),
    ],
)
def test_unreadable_files_are_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(PageDumpError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        parse(data)


def test_oversized_file_is_refused() -> None:
    with pytest.raises(PageDumpError, match="a page dump is at most"):
        parse(b"Title\n\n" + b"a" * (5 * 1024 * 1024))


@pytest.mark.parametrize(
    "url", ["on.rt.com/a37e", "javascript:alert(1)", "https://x.org/" + "a" * 2000]
)
def test_unusable_url_is_refused(url: str) -> None:
    with pytest.raises(PageDumpError, match="the --url must be"):
        parse(demo_bytes(), url=url)


def test_comment_import_keys_stay_short_for_long_urls() -> None:
    page = parse(demo_bytes(), url="https://example.org/" + "a" * 1900)
    assert all(len(c.import_key) <= 60 for c in page.comments)
