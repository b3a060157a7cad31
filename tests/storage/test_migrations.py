"""Migrations take an empty database to the schema of tables.py, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tests.conftest import POSTGRESQL_URL
from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import metadata

pytestmark = pytest.mark.anyio


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db(
    request: pytest.FixtureRequest, tmp_path: Path, postgresql_ready: str | None
) -> Any:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'empty.db'}", pool_size=1)
    else:
        if postgresql_ready:
            pytest.skip("PostgreSQL unavailable")
        db = Database(POSTGRESQL_URL, pool_size=1)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    yield db
    if request.param == "postgresql":
        # Leave the shared test database migrated for the tests that follow.
        await migrate.upgrade(db)
    await db.dispose()


async def test_empty_to_head_matches_tables(empty_db: Database) -> None:
    assert not await migrate.is_current(empty_db)
    await migrate.upgrade(empty_db)
    assert await migrate.is_current(empty_db)
    async with empty_db.engine.connect() as conn:
        assert await conn.run_sync(_tables) >= {"stories", "tags", "story_tags", "comments"}
        assert await conn.run_sync(_differences) == []


async def test_upgrade_twice_is_a_no_op(empty_db: Database) -> None:
    await migrate.upgrade(empty_db)
    await migrate.upgrade(empty_db)
    assert await migrate.is_current(empty_db)


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}", pool_size=1)
    try:
        async with db.read() as conn:
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            keys = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
        assert (mode, keys) == ("wal", 1)
    finally:
        await db.dispose()


NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


async def test_thread_counters_move_to_their_own_table_and_back(empty_db: Database) -> None:
    await migrate.upgrade(empty_db, "da867e3d6f07")
    async with empty_db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO stories (id, slug, title, published_at, updated_at, comment_count,"
                " comment_seq, version) VALUES (7, 's', 'T', :now, :now, 4, 6, 9)"
            ),
            {"now": NOW},
        )
        await conn.execute(
            text(
                "INSERT INTO comments (story_id, number, name, body_md, body_html, status,"
                " created_at, depth, score, reply_count, descendant_count)"
                " VALUES (7, 1, 'N', 'b', '<p>b</p>', 'approved', :now, 0, 0, 0, 0)"
            ),
            {"now": NOW},
        )
    # Rebuilding the stories table on SQLite must not cascade into its comments.
    await migrate.upgrade(empty_db)
    async with empty_db.engine.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM threads"))).mappings().one()
        assert dict(row) == {"story_id": 7, "comment_count": 4, "comment_seq": 6, "version": 9}
        assert (await conn.execute(text("SELECT count(*) FROM comments"))).scalar() == 1
        assert await conn.run_sync(_differences) == []
    await migrate.downgrade(empty_db, "da867e3d6f07")
    async with empty_db.engine.connect() as conn:
        found = (
            await conn.execute(text("SELECT comment_count, comment_seq, version FROM stories"))
        ).one()
        assert tuple(found) == (4, 6, 9)
        assert (await conn.execute(text("SELECT count(*) FROM comments"))).scalar() == 1
        assert "threads" not in await conn.run_sync(_tables)
