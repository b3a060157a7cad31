"""The full-text index follows every write in the writing transaction, kept by the database
itself (migration e5b7c3a1d9f2): SQLite's triggers on insert, edit and delete, the delete of
a story's comments by ON DELETE CASCADE included; PostgreSQL's generated columns."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from tests.factories import make_comment, make_story
from tribune.storage import search as store
from tribune.storage.engine import Database
from tribune.storage.search import Terms
from tribune.storage.tables import comments, stories

pytestmark = pytest.mark.anyio


def word(text: str) -> Terms:
    return Terms(((tuple(text.split()),),))


async def found_in(conn: Any, text: str) -> list[tuple[int, int | None]]:
    rows, _ = await store.page(conn, word(text), store.BOTH, 0, 50)
    return [(row["story_id"], row["comment_id"]) for row in rows]


async def hits(db: Database, text: str) -> list[tuple[int, int | None]]:
    async with db.read() as conn:
        return await found_in(conn, text)


async def indexed(db: Database, table: str, text: str) -> list[int]:
    """Rowids the FTS5 table itself holds for a word, whatever the content rows say now."""
    async with db.read() as conn:
        found = await conn.exec_driver_sql(
            f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", (f'"{text}"',)
        )
        return [row[0] for row in found]


async def integrity_check(db: Database) -> None:
    """FTS5 compares each external-content index with its table; raises if they differ."""
    async with db.transaction() as conn:
        for table in ("stories_fts", "comments_fts"):
            await conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")


async def test_the_index_follows_inserts_edits_and_deletes(db: Database) -> None:
    story_id = await make_story(db, title="Orchard", lead="Fruit trees.", body="Plums ripen.")
    comment = await make_comment(db, story_id, "The damsons are better.")
    assert await hits(db, "plums") == [(story_id, None)]
    assert await hits(db, "damsons") == [(story_id, comment["id"])]
    async with db.transaction() as conn:
        await conn.execute(
            sa.update(stories).where(stories.c.id == story_id).values(body_md="Pears ripen.")
        )
        await conn.execute(
            sa.update(comments)
            .where(comments.c.id == comment["id"])
            .values(body_md="The greengages are better.")
        )
        # Inside the same transaction the index already says so.
        assert await found_in(conn, "pears") == [(story_id, None)]
    assert await hits(db, "plums") == [] and await hits(db, "damsons") == []
    assert await hits(db, "pears") == [(story_id, None)]
    assert await hits(db, "greengages") == [(story_id, comment["id"])]
    async with db.transaction() as conn:  # an edit of other columns leaves the index be
        await conn.execute(
            sa.update(stories).where(stories.c.id == story_id).values(source_url="https://x.org")
        )
    assert await hits(db, "fruit") == [(story_id, None)]
    if db.is_sqlite:
        await integrity_check(db)


async def test_deleting_a_story_takes_its_comments_out_of_the_index(db: Database) -> None:
    story_id = await make_story(db, title="Glasshouse", body="Tomatoes.")
    other = await make_story(db, title="Allotment", body="Beans.")
    gone = [await make_comment(db, story_id, f"Cucumbers number {n}.") for n in range(3)]
    gone.append(await make_comment(db, story_id, "A reply: cucumbers.", parent_id=gone[0]["id"]))
    kept = await make_comment(db, other, "Cucumbers here too.")
    if db.is_sqlite:
        assert len(await indexed(db, "comments_fts", "cucumbers")) == 5
    async with db.transaction() as conn:
        await conn.execute(sa.delete(stories).where(stories.c.id == story_id))
    assert await hits(db, "cucumbers") == [(other, kept["id"])]
    assert await hits(db, "tomatoes") == []
    if db.is_sqlite:
        # The cascade's deletes ran the comments' delete trigger: the index holds no trace.
        assert await indexed(db, "comments_fts", "cucumbers") == [kept["id"]]
        assert await indexed(db, "stories_fts", "tomatoes") == []
        await integrity_check(db)


# Query plans -----------------------------------------------------------------------------------


async def explain(db: Database, statement: Any, params: dict[str, Any]) -> str:
    """SQLite's plan of a search statement with these parameters, node by node."""
    sql = statement.element.text  # the statement's own SQL, with its named parameters
    async with db.read() as conn:
        explained = sa.text("EXPLAIN QUERY PLAN " + sql)
        if ":ids" in sql:
            explained = explained.bindparams(sa.bindparam("ids", expanding=True))
        found = await conn.execute(explained, params)
        return "\n".join(row[-1] for row in found)


async def test_ranking_reads_the_index_first_and_statuses_from_narrow_indexes(
    db: Database,
) -> None:
    """SQLite's planner needs telling (CROSS JOIN, INDEXED BY); PostgreSQL's picks the GIN
    indexes once the tables hold enough rows for them to pay (bench/search.py)."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL plans by the data; an empty table tells nothing")
    params = {"match": '"word"', "offset": 0, "limit": 21, **store.STATUSES}
    params |= {"start": "[", "end": "]", "ellipsis": "…"}
    stories_plan = await explain(db, store.SQLITE_STORIES_RANKED, params)
    comments_plan = await explain(db, store.SQLITE_COMMENTS_RANKED, params)
    # The match drives the loop (never once per row of a status), FTS5 sorts by rank itself
    # (no temporary sort: rows stream, so a page reads only its own rows' statuses).
    for found, table in ((stories_plan, "stories_fts"), (comments_plan, "comments_fts")):
        assert found.splitlines()[0].startswith(f"SCAN {table} VIRTUAL TABLE"), found
        assert "TEMP B-TREE" not in found, found
    assert "COVERING INDEX ix_stories_for_search" in stories_plan
    assert "COVERING INDEX ix_comments_for_search" in comments_plan
    assert "COVERING INDEX ix_stories_for_search" in comments_plan


async def test_rechecking_a_remembered_page_reads_by_primary_key(db: Database) -> None:
    """With the statuses bound, SQLite's planner once chose to read every published story's
    comments to check twenty (9 ms a page on the bench's 100,000 comments)."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL plans by the data; an empty table tells nothing")
    params = {"ids": list(range(1, 22)), **store.STATUSES}  # a page of 20, and one more
    stories_plan = await explain(db, store.SHOWN_STORIES["sqlite"], params)
    comments_plan = await explain(db, store.SHOWN_COMMENTS["sqlite"], params)
    assert stories_plan.startswith(
        "SEARCH stories USING COVERING INDEX ix_stories_for_search (id=? AND status=?"
    ), stories_plan
    first, second = comments_plan.splitlines()
    assert first == "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)", comments_plan
    assert second.startswith("SEARCH s USING COVERING INDEX ix_stories_for_search"), comments_plan
