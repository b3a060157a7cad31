"""Importing page dumps into the database: once only, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tribune.cli import demo_bytes
from tribune.importers import ImportRefused, import_page
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
