"""Writes queued together share one commit; each keeps its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from tribune.storage.engine import Conn, Database
from tribune.storage.tables import tags

pytestmark = pytest.mark.anyio
calls: list[int] = []


async def add_tags(conn: Conn, slugs: list[str]) -> list[Any]:
    """Store the tags in one statement; a slug starting with "bad" fails alone, unwritten."""
    calls.append(len(slugs))
    good = [slug for slug in slugs if not slug.startswith("bad")]
    if good:
        await conn.execute(insert(tags), [{"slug": slug, "name": slug} for slug in good])
    return [ValueError(f"{slug} refused") if slug.startswith("bad") else slug for slug in slugs]


async def break_all(conn: Conn, slugs: list[str]) -> list[Any]:
    await conn.execute(insert(tags), [{"slug": slug, "name": slug} for slug in slugs])
    raise RuntimeError("the handler failed after writing")


async def tag_slugs(db: Database) -> set[str]:
    async with db.read() as conn:
        return {row[0] for row in await conn.execute(select(tags.c.slug))}


async def test_queued_items_share_one_handler_call_and_fail_alone(db: Database) -> None:
    calls.clear()
    outcomes = await asyncio.gather(
        db.batched(add_tags, "a"),
        db.batched(add_tags, "bad-b"),
        db.batched(add_tags, "c"),
        return_exceptions=True,
    )
    assert outcomes[0] == "a" and outcomes[2] == "c"
    assert isinstance(outcomes[1], ValueError)
    assert calls == [3]  # one call, one transaction for all three
    assert await tag_slugs(db) == {"a", "c"}


async def test_many_queued_writes_all_land(db: Database) -> None:
    slugs = [f"t{n}" for n in range(450)]  # more than one group
    assert await asyncio.gather(*(db.batched(add_tags, slug) for slug in slugs)) == slugs
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(tags))).scalar() == 450


async def test_a_failing_handler_fails_the_whole_transaction(db: Database) -> None:
    outcomes = await asyncio.gather(
        db.batched(add_tags, "kept-only-if-committed"),
        db.batched(break_all, "x"),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert await tag_slugs(db) == set()  # nothing of the transaction was committed
