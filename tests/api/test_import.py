"""Importing page dumps into the database: once only, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tribune.cli import demo_bytes
from tribune.importers.service import ImportRefused, import_page
from tribune.storage.tables import comments, stories, tags

pytestmark = pytest.mark.anyio
DATA = Path(__file__).parent.parent / "data"


async def counts(app: Any) -> tuple[int, int, int]:
    found = []
    async with app.state.db.read() as conn:
        for table in (stories, comments, tags):
            found.append(
                int((await conn.execute(select(func.count()).select_from(table))).scalar_one())
            )
    return found[0], found[1], found[2]


async def test_importing_twice_adds_nothing(app: Any) -> None:
    first = await import_page(app.state.db, demo_bytes())
    assert (first.story_created, first.comments_added) == (True, 5)
    second = await import_page(app.state.db, demo_bytes().replace(b"\n", b"\r\n"))
    assert (second.story_created, second.comments_added, second.comments_seen) == (False, 0, 5)
    assert second.story_id == first.story_id
    assert await counts(app) == (1, 5, 3)


async def test_reimport_with_new_comments_adds_only_those(app: Any) -> None:
    await import_page(app.state.db, demo_bytes())
    grown = demo_bytes().replace(
        b"\n\nPlease enter your comment!",
        b"  6. A sixth reader joins in.\n\nPlease enter your comment!",
    )
    result = await import_page(app.state.db, grown)
    assert (result.story_created, result.comments_added) == (False, 1)
    assert await counts(app) == (1, 6, 3)


async def test_refused_file_stores_nothing(app: Any) -> None:
    bad = b"Title\n\nText\n\n  1. fine\n  2. " + b"y" * 10_001 + b"\n"
    with pytest.raises(ImportRefused, match="comment 2 cannot be imported"):
        await import_page(app.state.db, bad)
    assert await counts(app) == (0, 0, 0)


async def test_family_of_dumps_imports(app: Any) -> None:
    expected = {
        "no-comments.txt": 0,
        "no-read-more.txt": 2,
        "twelve-comments.txt": 12,
        "multiline-comments.txt": 2,
    }
    for name, count in expected.items():
        result = await import_page(app.state.db, (DATA / name).read_bytes())
        assert result.comments_added == count, name
    async with app.state.db.read() as conn:
        numbers = (
            (
                await conn.execute(
                    select(comments.c.number)
                    .join(stories, stories.c.id == comments.c.story_id)
                    .where(stories.c.title.like("Election night%"))
                    .order_by(comments.c.number)
                )
            )
            .scalars()
            .all()
        )
    assert numbers == list(range(1, 13))


# What is not a page dump, and the same page imported again by its URL ------------------------

NOT_DUMPS = {
    "two lines": (b"hello world\nthis is not a story\n", "has 5 words"),
    "csv": (b"a,b,c\n1,2,3\n4,5,6\n", "every line has 2 commas, like a CSV file"),
    "tsv": (b"name\tscore\nada\t3\n", "every line has 1 tabs"),
    "html": (
        b"<!doctype html>\n<html><body>\n<p>Some words here that make quite a long line.</p>\n",
        "it starts like an HTML or XML document",
    ),
    "json": (b'{"title": "x",\n "body": "y, a longer sentence of words goes here"}\n', "JSON"),
    "numbers": (b"12345\n\nThe quick brown fox jumps over the lazy dog.\n", "has no letters"),
}


@pytest.mark.parametrize("name", NOT_DUMPS)
async def test_a_file_that_is_no_page_dump_is_refused_with_the_reason(app: Any, name: str) -> None:
    data, reason = NOT_DUMPS[name]
    with pytest.raises(ImportRefused) as refused:
        await import_page(app.state.db, data)
    message = str(refused.value)
    assert message.startswith("this does not look like a page dump: ")
    assert reason in message
    assert "a page dump starts with the story's title on a line of its own" in message
    async with app.state.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(stories))).scalar() == 0


@pytest.mark.parametrize("url", ["https://on.rt.com/a37e", "https://example.org/elsewhere"])
async def test_url_finds_the_story_imported_before(app: Any, url: str) -> None:
    """The audit's case: the demo imported, then again with --url (its own READ MORE link,
    or where the operator says it was published): no second story, no copied comments."""
    first = await import_page(app.state.db, demo_bytes())
    again = await import_page(app.state.db, demo_bytes(), url=url)
    assert (again.story_id, again.story_created, again.comments_added) == (first.story_id, False, 0)
    assert again.comments_seen == 5
    with_new = demo_bytes().replace(
        b"\n\nPlease enter your comment!",
        b"  6. A sixth reader joins in.\n\nPlease enter your comment!",
    )
    third = await import_page(app.state.db, with_new, url=url)
    assert (third.story_id, third.comments_added) == (first.story_id, 1)
    async with app.state.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(stories))).scalar() == 1
        assert (await conn.execute(select(func.count()).select_from(comments))).scalar() == 6


async def test_the_read_more_link_finds_a_story_imported_by_url(app: Any) -> None:
    """Imported with --url first; a dump of the same page, worded differently, carries that
    link as its READ MORE."""
    first = await import_page(
        app.state.db, (DATA / "no-comments.txt").read_bytes(), url="https://example.org/r/cycle"
    )
    reworded = (
        (DATA / "no-comments.txt")
        .read_bytes()
        .replace(b"Council approves new cycle lanes", b"Cycle lanes approved by the council")
    )
    again = await import_page(app.state.db, reworded)
    assert (again.story_id, again.story_created) == (first.story_id, False)


async def test_the_same_title_from_another_source_is_another_story(app: Any) -> None:
    first = await import_page(app.state.db, (DATA / "no-comments.txt").read_bytes())
    other = (
        (DATA / "no-comments.txt")
        .read_bytes()
        .replace(b"https://example.org/r/cycle", b"https://other.example/cycle")
    )
    second = await import_page(app.state.db, other)
    assert second.story_created and second.story_id != first.story_id
