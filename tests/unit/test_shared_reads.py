"""Identical reads in flight share one query, and never an answer that began before them."""

from __future__ import annotations

import asyncio

import pytest

from tribune.storage.shared_reads import SharedReads

pytestmark = pytest.mark.anyio


class Source:
    """A read that takes a moment and counts how often it ran."""

    def __init__(self) -> None:
        self.runs = 0
        self.fail = False

    async def fetch(self) -> int:
        self.runs += 1
        started = self.runs
        await asyncio.sleep(0.02)
        if self.fail:
            raise RuntimeError("the database went away")
        return started


async def test_reads_arriving_together_share_the_next_query() -> None:
    shared, source = SharedReads(), Source()
    first = asyncio.ensure_future(shared.read("k", source.fetch))
    await asyncio.sleep(0.005)  # the first query is running
    late = await asyncio.gather(*(shared.read("k", source.fetch) for _ in range(20)))
    assert await first == 1
    # Twenty reads, one more query: a query that began after all of them had arrived.
    assert late == [2] * 20
    assert source.runs == 2


async def test_different_keys_do_not_wait_for_each_other() -> None:
    shared, source = SharedReads(), Source()
    results = await asyncio.gather(shared.read("a", source.fetch), shared.read("b", source.fetch))
    assert sorted(results) == [1, 2]


async def test_an_error_reaches_every_waiting_read() -> None:
    shared, source = SharedReads(), Source()
    source.fail = True
    first = asyncio.ensure_future(shared.read("k", source.fetch))
    await asyncio.sleep(0.005)
    late = asyncio.ensure_future(shared.read("k", source.fetch))
    for read in (first, late):
        with pytest.raises(RuntimeError):
            await read
    source.fail = False
    assert await shared.read("k", source.fetch) == 3  # and the next read starts afresh
