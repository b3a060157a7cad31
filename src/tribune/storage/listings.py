"""What a listing's first page (the home, tag and author pages, the feeds) is made from, read
the quickest way: a page kept for these rows is served until they change.

Each read is a short index walk of the rows the page shows (20 stories, or a feed's 50
entries), on the raw driver (raw.py, with its invariants) and through ``db.read()`` when
that is unavailable, giving equal rows either way: a kept page must not look stale because
its rows were read the other way.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, select

from tribune.storage import bylines, raw
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories, threads
from tribune.vocabulary import CommentStatus, StoryStatus

Rows = tuple[tuple[Any, ...], ...]
SUBJECT: Any = bindparam("subject")  # the tag's or the author's id


def _listing(kind: str) -> Any:
    if kind == "tag":
        return story_store.tag_listing(SUBJECT)
    if kind == "author":
        return bylines.author_listing(SUBJECT)
    return story_store.published_listing()


@functools.lru_cache(maxsize=16)
def _stories(kind: str, limit: int) -> tuple[raw.RawSQL, Any]:
    query = story_store.listing_versions(_listing(kind), limit)
    return raw.compile_raw(query), query


@functools.lru_cache(maxsize=4)
def _comments(limit: int) -> tuple[raw.RawSQL, Any]:
    # As the comments feed lists them (storage/comments.recent_comments), each with its
    # story's thread version: every edit, hiding or deletion of a comment and every save of
    # its story (the entry's title) moves it.
    query = (
        select(comments.c.id, threads.c.version)
        .join(stories, stories.c.id == comments.c.story_id)
        .join(threads, threads.c.story_id == comments.c.story_id)
        .where(
            comments.c.status == CommentStatus.approved,
            stories.c.status == StoryStatus.published,
        )
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
        .limit(limit)
    )
    return raw.compile_raw(query), query


async def _rows(db: Database, sql: raw.RawSQL, query: Any, params: dict[str, Any]) -> Rows:
    found = await raw.rows(db, sql, params)
    if found is not None:
        return tuple(tuple(row) for row in found)
    async with db.read() as conn:
        # As the raw reader gives them: SQLite's stored text for times.
        return tuple(
            tuple(map(raw._sqlite_value, row)) for row in await conn.execute(query, params)
        )


async def story_versions(db: Database, limit: int, kind: str = "all", subject: int = 0) -> Rows:
    """The first ``limit`` stories of a listing (``all``, a ``tag``'s or an ``author``'s,
    ``subject`` naming which), as (id, updated_at, thread version)."""
    sql, query = _stories(kind, limit)
    return await _rows(db, sql, query, {"subject": subject} if kind != "all" else {})


async def comment_versions(db: Database, limit: int) -> Rows:
    """The newest ``limit`` comments the comments feed lists, as (id, thread version)."""
    sql, query = _comments(limit)
    return await _rows(db, sql, query, {})
