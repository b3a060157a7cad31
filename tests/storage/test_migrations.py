"""Migrations take an empty database to the schema of tables.py, on both databases."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from tests.conftest import POSTGRESQL_URL
from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import include_object, metadata

pytestmark = pytest.mark.anyio

VERSIONS = migrate.MIGRATIONS / "versions"
# Migrations are append-only: a database already past a migration never runs it again, so an
# edit to a landed one would leave such databases on a different schema. A new migration is
# added here with its SHA-256 once it lands.
LANDED = {
    "20261125_1609_060ac49d8ff0_stories_tags_comments.py": (
        "34232e5f0bb3dc7b86b72846ee5415077008b9c36e26902610a40f4602f0cb93"
    ),
    "20261125_1650_da867e3d6f07_replies_votes_avatars.py": (
        "064d91317f10d8a84a091d6efae701ec1e0f4a61d2b7308f36bc2e19b6e5105e"
    ),
    "20261125_1828_5b1f0c2e7a91_thread_counters.py": (
        "4e770cbbd00b7d2bcf6730bab2405928c63ef30bc0bbcc7dbb9c924955c4dee4"
    ),
    "20261125_1859_7c3d9e4f2a10_moderation_and_staff.py": (
        "917e70f33eff55a97c07c9994f1425cf926ff7fcdb3069fb021bbe5fb9154426"
    ),
    "20261202_0110_b4e8c1d2f3a5_edits_and_retries.py": (
        "a5362cf8bf3f6adb8fc3f790e36762c448cb3b4261a1f60c15d0f00d44118bd2"
    ),
    "20261202_0520_c7a2e9d4b8f1_readers_by_cookie.py": (
        "c0b7148b1a620f070df202e3ef546239c37c7cea095af5cc8ed638994c2b4778"
    ),
    "20261202_1400_c7d2a9e41b36_site_logo.py": (
        "73b7dd3eaa0356f33377004e055323c1f0074d89f4e01979613665c6b5dfe6d0"
    ),
    "20261202_1600_e5b7c3a1d9f2_publishing.py": (
        "5bdd4400dc265547d1e8aba0824310e8811b685e06597b7e05c00dd1d2bf048c"
    ),
    "20261203_0900_f3a9d2c7e1b4_search_lookups.py": (
        "1189a49b05c10f33512496aa053133cb689e2806541176f65e59500bc24e4bbb"
    ),
    "20261203_1000_a8c4e2f6b1d9_embedded_pages.py": (
        "f255d741ec7f55a1a9d1707cd3cd94f43db0d9d9f03425b7619d3951ea52f6d4"
    ),
    "20261204_0200_d1f4b7a2c9e3_imports.py": (
        "dbdf28daaf5dacd651d21102bd36b6fd151c1971b2cda06b9dcd4a98f8fc28c4"
    ),
    "20261204_2000_b7e2d4f8a1c6_voter_marks.py": (
        "cf84fecef139b77b89f7318044dd1002ff80b4f47241c15d0d9c3aefa556b913"
    ),
}


def test_landed_migrations_are_never_edited() -> None:
    found = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in VERSIONS.glob("*.py")
    }
    assert {name: found.get(name) for name in LANDED} == LANDED
    assert set(found) == set(LANDED), "a new migration: add its file and digest to LANDED"


def test_migration_files_sort_in_chain_order() -> None:
    script = ScriptDirectory(str(migrate.MIGRATIONS))
    chain = [revision.revision for revision in reversed(list(script.walk_revisions()))]
    by_name = [path.name.split("_")[2] for path in sorted(VERSIONS.glob("*.py"))]
    assert by_name == chain


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
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
        async with db.transaction() as conn:
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
    assert await empty_db.run_sync(_tables) >= {"stories", "tags", "story_tags", "comments"}
    assert await empty_db.run_sync(_differences) == []


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
    async with empty_db.transaction() as conn:
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
    async with empty_db.read() as conn:
        row = (await conn.execute(text("SELECT * FROM threads"))).mappings().one()
        assert dict(row) == {"story_id": 7, "comment_count": 4, "comment_seq": 6, "version": 9}
        assert (await conn.execute(text("SELECT count(*) FROM comments"))).scalar() == 1
    assert await empty_db.run_sync(_differences) == []
    await migrate.downgrade(empty_db, "da867e3d6f07")
    async with empty_db.read() as conn:
        found = (
            await conn.execute(text("SELECT comment_count, comment_seq, version FROM stories"))
        ).one()
        assert tuple(found) == (4, 6, 9)
        assert (await conn.execute(text("SELECT count(*) FROM comments"))).scalar() == 1
    assert "threads" not in await empty_db.run_sync(_tables)


async def test_votes_and_reports_go_by_reader_and_back_by_address(empty_db: Database) -> None:
    """c7a2e9d4b8f1: readers of one address each vote and report; the downgrade keeps the
    first of each address and takes the others off the score and the report count."""
    await migrate.upgrade(empty_db)
    async with empty_db.transaction() as conn:
        await conn.execute(
            text(
                "INSERT INTO stories (id, slug, title, published_at, updated_at)"
                " VALUES (7, 's', 'T', :now, :now)"
            ),
            {"now": NOW},
        )
        await conn.execute(
            text(
                "INSERT INTO comments (id, story_id, number, name, body_md, body_html, status,"
                " created_at, depth, score, report_count)"
                " VALUES (3, 7, 1, 'N', 'b', '<p>b</p>', 'approved', :now, 0, 5, 3)"
            ),
            {"now": NOW},
        )
        for n, (client, value) in enumerate([("office", 1), ("office", 1), ("home", -1)]):
            await conn.execute(
                text(
                    "INSERT INTO votes (comment_id, voter_id, client_hash, value, created_at)"
                    " VALUES (3, :voter, :client, :value, :now)"
                ),
                {"voter": f"v{n}", "client": client, "value": value, "now": NOW},
            )
            await conn.execute(
                text(
                    "INSERT INTO reports (comment_id, reason, voter_id, client_hash, created_at)"
                    " VALUES (3, 'spam', :voter, :client, :now)"
                ),
                {"voter": f"v{n}", "client": client, "now": NOW},
            )
    await migrate.downgrade(empty_db, "b4e8c1d2f3a5")
    async with empty_db.read() as conn:
        score, reports = (
            await conn.execute(text("SELECT score, report_count FROM comments"))
        ).one()
        voters = (await conn.execute(text("SELECT voter_id FROM votes ORDER BY id"))).scalars()
        reporters = (await conn.execute(text("SELECT voter_id FROM reports ORDER BY id"))).scalars()
        assert (score, reports, list(voters), list(reporters)) == (
            4,
            2,
            ["v0", "v2"],
            ["v0", "v2"],
        )
    await migrate.upgrade(empty_db)
    assert await empty_db.run_sync(_differences) == []
