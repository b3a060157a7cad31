"""Thread reads use indexes on both databases, so their cost does not grow with the thread:
no full scan of comments, and no sort of a story's comments at read time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from tribune.storage import comments as store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import Sort

pytestmark = pytest.mark.anyio

CURSORS = {"oldest": [10], "newest": [10], "top": [3, 10], "replies": [2, 10]}


def sql(conn: Conn, query: Any) -> str:
    return str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))


async def plan(db: Database, query: Any) -> tuple[str, list[str]]:
    """The plan as text, and the index names it uses."""
    async with db.read() as conn:
        if db.is_sqlite:
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql(conn, query))
            details = [row[-1] for row in rows]
            return "\n".join(details), [
                d.split("INDEX ")[1].split()[0] for d in details if "INDEX " in d
            ]
        # On an almost empty table the planner rightly prefers a sequential scan; forbidding
        # it asks whether a fitting index exists at all.
        await conn.execute(text("SET enable_seqscan = off"))
        raw = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql(conn, query))).scalar_one()
        nodes = []
        stack = [(raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]]
        while stack:
            node = stack.pop()
            nodes.append(node)
            stack.extend(node.get("Plans", []))
        described = "\n".join(node["Node Type"] for node in nodes)
        return described, [node["Index Name"] for node in nodes if "Index Name" in node]


@pytest.mark.parametrize("sort", list(store.SORT_KEYS))
@pytest.mark.parametrize("with_cursor", [False, True])
async def test_thread_pages_read_an_index_in_order(
    db: Database, sort: Sort, with_cursor: bool
) -> None:
    query = store.top_level_query(1, sort, CURSORS[sort] if with_cursor else None, 51)
    described, indexes = await plan(db, query)
    # Any index led by story_id serves: (story_id, depth, ...) or (story_id, number).
    story_indexes = ("ix_comments_story_id_depth", "uq_comments_story_id_number")
    assert indexes, described
    assert all(name.startswith(story_indexes) for name in indexes), described
    assert "TEMP B-TREE" not in described  # SQLite: no sort at read time
    assert "Sort" not in described.split("\n")  # PostgreSQL: no Sort node
    assert "SCAN comments\n" not in described + "\n"


async def test_replies_of_a_page_come_from_the_root_index(db: Database) -> None:
    described, indexes = await plan(db, store.replies_query([1, 2, 3]))
    assert set(indexes) == {"ix_comments_root_id_number"}, described


async def test_outlines_of_crowded_comments_come_from_the_root_index(db: Database) -> None:
    described, indexes = await plan(db, store.outline_query([1, 2, 3]))
    assert set(indexes) == {"ix_comments_root_id_number"}, described


async def test_screening_a_post_reads_only_indexes(db: Database) -> None:
    # Runs before every post: its cost must not grow with the site's comments, however
    # prolific the author (SQLite once walked every approved comment through the OR).
    from datetime import UTC, datetime

    from tribune.storage import moderation

    values = {
        "story": 1,
        "fingerprint": "f" * 32,
        "since": datetime(2026, 1, 1, tzinfo=UTC),
        "email": "e" * 32,
        "client": "c" * 32,
        "now": datetime(2026, 1, 2, tzinfo=UTC),
        "approved": "approved",
        "published": "published",
    }
    query = moderation.SCREENING.params(**values)
    described, indexes = await plan(db, query)
    assert "ix_comments_status_created_at" not in indexes, described
    for wanted in (
        "ix_comments_fingerprint_created_at",
        "ix_comments_client_hash_status",
        "ix_bans_kind_value",
    ):
        assert wanted in indexes, described
    assert "SCAN comments" not in described


@pytest.mark.parametrize("table", ["votes", "reports"])
async def test_the_per_address_caps_read_one_index(db: Database, table: str) -> None:
    """The new voters (reporters) one address added to a comment in the last hour, counted
    before each new vote (report): from the (comment_id, client_hash, created_at) index."""
    from datetime import UTC, datetime

    from tribune.storage.tables import reports, votes

    query = store.since_query(
        votes if table == "votes" else reports, 1, "c" * 32, datetime(2026, 1, 1, tzinfo=UTC)
    )
    described, indexes = await plan(db, query)
    assert indexes == [f"ix_{table}_comment_id_client_hash_created_at"], described


async def test_a_readers_marks_are_found_by_voter(db: Database) -> None:
    # Every page load of a reader who voted once: a seek to their rows, not a probe of each
    # comment the page shows.
    described, indexes = await plan(db, store.marks_query("voter", 1, 5000))
    assert set(indexes) == {"ix_votes_voter_id_comment_id", "ix_reports_voter_id_comment_id"}, (
        described
    )
