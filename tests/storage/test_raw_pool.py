"""The raw path's asyncpg pool (PostgreSQL): a read is one statement and one round trip,
with nothing sent when its connection goes back to the pool; a transaction left open is
still rolled back there."""

from __future__ import annotations

from typing import Any

import pytest

from tribune.storage import raw
from tribune.storage.engine import Database

pytestmark = pytest.mark.anyio


async def test_a_raw_read_sends_only_its_statement(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("the asyncpg pool is PostgreSQL's")
    pool = await db.raw_postgresql_pool()
    sent: list[str] = []

    def log(record: Any) -> None:
        sent.append(record.query)

    # Every connection of the pool logs what it is sent (loggers stay until it closes).
    held = [await pool.acquire() for _ in range(db.raw_pool_size)]
    for connection in held:
        connection._con.add_query_logger(log)
    for connection in held:
        await pool.release(connection)
    sent.clear()
    for _ in range(3):
        assert await raw.thread_meta(db, 12345) is None
    assert len(sent) == 3, sent
    assert not any("RESET" in query or "UNLISTEN" in query for query in sent)

    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
    async with pool.acquire() as connection:
        assert not connection.is_in_transaction()
