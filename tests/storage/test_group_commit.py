"""Writes queued together share one commit; each keeps its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tribune.storage.engine import Database
from tribune.storage.tables import tags

pytestmark = pytest.mark.anyio


def add_tag(slug: str, fail: bool = False) -> Any:
    async def work(conn: AsyncConnection) -> str:
        await conn.execute(insert(tags).values(slug=slug, name=slug))
        if fail:
            raise ValueError(f"{slug} changed its mind")
        return slug

    return work


async def tag_slugs(db: Database) -> set[str]:
    async with db.read() as conn:
        return {row[0] for row in await conn.execute(select(tags.c.slug))}


async def test_a_failing_write_rolls_back_alone(db: Database) -> None:
    outcomes = await asyncio.gather(
        db.grouped(add_tag("a")),
        db.grouped(add_tag("b", fail=True)),
        db.grouped(add_tag("c")),
        return_exceptions=True,
    )
    assert outcomes[0] == "a" and outcomes[2] == "c"
    assert isinstance(outcomes[1], ValueError)
    assert await tag_slugs(db) == {"a", "c"}  # b's insert went with its savepoint


async def test_many_queued_writes_all_land(db: Database) -> None:
    slugs = [f"t{n}" for n in range(150)]  # more than one group
    assert await asyncio.gather(*(db.grouped(add_tag(slug)) for slug in slugs)) == slugs
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(tags))).scalar() == 150


async def test_a_constraint_violation_fails_only_its_writer(db: Database) -> None:
    # Two inserts of one slug in one group: the second breaks the unique key inside its own
    # savepoint, so only it fails; the group still commits the first.
    first, second = await asyncio.gather(
        db.grouped(add_tag("same")), db.grouped(add_tag("same")), return_exceptions=True
    )
    assert first == "same"
    assert isinstance(second, Exception)
    assert await tag_slugs(db) == {"same"}
