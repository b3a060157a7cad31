"""The rule settings and the staff's names every post reads: posts that find the worker's
copy old at the same moment share one read of it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tribune.moderation import config, names
from tribune.moderation.config import WorkerCopy
from tribune.moderation.rules import RuleConfig
from tribune.storage import accounts as account_store
from tribune.storage import moderation as moderation_store
from tribune.storage.engine import Database

pytestmark = pytest.mark.anyio


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Count the calls of module.name, each taking a moment, as a query does."""
    calls: list[int] = []
    original = getattr(module, name)

    async def counted(*args: Any) -> Any:
        calls.append(1)
        await asyncio.sleep(0.01)
        return await original(*args)

    monkeypatch.setattr(module, name, counted)
    return calls


async def test_posts_at_the_same_moment_read_the_rule_settings_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting(monkeypatch, moderation_store, "setting")
    found = await asyncio.gather(*(config.rule_config(db) for _ in range(30)))
    assert reads == [1]
    assert all(item == RuleConfig() for item in found)
    await config.rule_config(db)  # still fresh: no read
    assert reads == [1]


async def test_posts_at_the_same_moment_read_the_staff_names_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = counting(monkeypatch, account_store, "all_staff")
    found = await asyncio.gather(*(names.reserved(db, f"Reader {n}") for n in range(30)))
    assert reads == [1]
    assert not any(found)
    assert await names.reserved(db, "Moderator")


async def test_a_copy_is_read_again_once_old_and_a_failed_read_fails_its_waiters(
    tmp_path: Any,
) -> None:
    reads: list[int] = []
    failing = False

    async def read(_db: Database) -> int:
        await asyncio.sleep(0.01)
        if failing:
            raise ConnectionError("database gone")
        reads.append(1)
        return len(reads)

    handle = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    copy = WorkerCopy(read, seconds=0.05)
    assert list(await asyncio.gather(copy.get(handle), copy.get(handle))) == [1, 1]
    assert await copy.get(handle) == 1
    await asyncio.sleep(0.06)
    failing = True
    outcomes = await asyncio.gather(copy.get(handle), copy.get(handle), return_exceptions=True)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes)
    failing = False
    assert await copy.get(handle) == 2  # the failure is not kept: the next post reads
    copy.forget(handle)
    assert await copy.get(handle) == 3
    await handle.dispose()
