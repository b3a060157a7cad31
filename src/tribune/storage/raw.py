"""The raw driver path: the few hottest reads, run outside any transaction.

Every thread read checks its story's version, every front page and embed asks for comment
counts, and every post is screened: those reads run here, as SQL compiled once per dialect
and executed on the raw driver (a read-only sqlite3 connection, or an asyncpg pool) without
SQLAlchemy's per-statement work: 11 µs against ~200 µs on SQLite. Everything else goes
through ``Database.read()`` and ``transaction()``.

The invariants a change here must keep:

- Outside any transaction: each read sees what was committed when it ran, nothing more.
  Code that needs a consistent snapshot (a page and its version) reads through
  ``db.read()`` instead; the version checked here only decides whether a cached page of
  that version may be served.
- Never slower than the way around: on SQLite the raw reader's busy timeout is 20 ms, and a
  busy or in-memory database returns None, so the caller reads through ``db.read()``.
- On PostgreSQL identical reads in flight share one query (``shared_reads.py``), each
  waiting for a query that began after it arrived: no answer is older than its request.
- No awaits on real I/O while a SQLite transaction is open (``engine.py``): SQLite's
  statements run on the event loop, and a suspended transaction would hold the write lock
  for every other request of the process. (Waiting for another process's write lock is
  different: the writer waits before its transaction begins, in asyncio sleeps; engine.py.)
- The web layer's fast lane (``web/fastlane.py``) answers only with bytes the route would
  send; it reads through the services, which come here.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

from tribune.storage import comments as comment_store
from tribune.storage import moderation as moderation_store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import CommentStatus, StoryStatus

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's storage format for SQLite DATETIME


@dataclass(frozen=True, slots=True)
class RawSQL:
    sqlite: str
    sqlite_names: tuple[str, ...]
    postgresql: str
    postgresql_names: tuple[str, ...]
    fixed: dict[str, Any]  # values written into the statement (literals, LIMIT)


def compile_raw(query: Any) -> RawSQL:
    """Compile a statement for both databases; its named bindparams are given to rows(),
    its literals are kept with it."""
    options = {"render_postcompile": True}
    lite = query.compile(dialect=sqlite.dialect(), compile_kwargs=options)
    pg = query.compile(
        dialect=postgresql.asyncpg.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs=options,
    )
    fixed = {name: value for name, value in lite.params.items() if value is not None}
    fixed |= {name: value for name, value in pg.params.items() if value is not None}
    return RawSQL(str(lite), tuple(lite.positiontup), str(pg), tuple(pg.positiontup), fixed)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime(SQLITE_TIME)
    return value


async def rows(db: Database, sql: RawSQL, params: dict[str, Any]) -> list[Any] | None:
    """The rows, or None when the raw path is unavailable (in-memory SQLite) or busy: the
    caller then reads through db.read()."""
    params = sql.fixed | params
    if not db.is_sqlite:
        values = tuple(params[n] for n in sql.postgresql_names)

        async def fetch() -> list[Any]:
            pool = await db.raw_postgresql_pool()
            return list(await pool.fetch(sql.postgresql, *values))

        # A round trip and server time each: identical reads in flight share one.
        found: list[Any] = await db.shared_reads.read((sql.postgresql, values), fetch)
        return found
    reader = db.raw_sqlite_reader()
    if reader is None:
        return None
    values = tuple(_sqlite_value(params[n]) for n in sql.sqlite_names)
    try:
        return reader.execute(sql.sqlite, values).fetchall()
    except sqlite3.OperationalError:
        return None  # busy or locked


_PUBLISHED = {"status": StoryStatus.published.value}
_THREAD_META = compile_raw(story_store.thread_meta_query(bindparam("story"), bindparam("status")))


async def thread_meta(db: Database, story_id: int) -> tuple[int, int] | None:
    """The published story's (thread version, visible comment count); None if unknown."""
    found = await rows(db, _THREAD_META, {"story": story_id} | _PUBLISHED)
    if found is not None:
        return (int(found[0][0]), int(found[0][1])) if found else None
    async with db.read() as conn:
        return await story_store.thread_meta(conn, story_id)


@functools.lru_cache(maxsize=128)
def _counts_sql(size: int) -> RawSQL:
    return compile_raw(story_store.counts_query([bindparam(f"id{n}") for n in range(size)]))


async def comment_counts(db: Database, story_ids: Sequence[int]) -> dict[int, int]:
    """Visible comment counts of the published stories among the ids."""
    if not story_ids:
        return {}
    params = {f"id{n}": story_id for n, story_id in enumerate(story_ids)} | _PUBLISHED
    found = await rows(db, _counts_sql(len(story_ids)), params)
    if found is None:
        async with db.read() as conn:
            return await story_store.comment_counts(conn, story_ids)
    return {int(row[0]): int(row[1]) for row in found}


_MARKS = compile_raw(
    comment_store.marks_query(bindparam("voter"), bindparam("low"), bindparam("high"))
)


async def reader_marks(
    db: Database, comment_ids: Sequence[int], voter_id: str
) -> tuple[dict[int, int], set[int]]:
    """A reader's votes ({comment id: 1 or -1}) and reports among these comments."""
    votes: dict[int, int] = {}
    reported: set[int] = set()
    if not comment_ids:
        return votes, reported
    params = {"voter": voter_id, "low": min(comment_ids), "high": max(comment_ids)}
    found = await rows(db, _MARKS, params)
    if found is None:
        async with db.read() as conn:
            query = comment_store.marks_query(voter_id, params["low"], params["high"])
            found = list(await conn.execute(query))
    shown = set(comment_ids)  # the range holds other comments too (other pages, other stories)
    for comment_id, value in found:
        if comment_id not in shown:
            continue
        if value == comment_store.REPORTED:
            reported.add(int(comment_id))
        else:
            votes[int(comment_id)] = int(value)
    return votes, reported


_SCREENING = compile_raw(moderation_store.SCREENING)


async def screening_facts(
    db: Database,
    story_id: int,
    *,
    fingerprint: str,
    since: datetime,
    email_hash: str | None,
    client_hash: str | None,
    now: datetime,
) -> dict[str, Any] | None:
    """What the rules need to know about a new comment, in one query (see
    moderation_store.SCREENING): the published story's comment settings, whether the same
    text was posted since ``since``, whether the author has an approved comment, and the id
    of a ban in force on them. None when there is no such story."""
    params = {
        "story": story_id,
        "fingerprint": fingerprint,
        "since": since,
        "email": email_hash,
        "client": client_hash,
        "now": now,
        "approved": CommentStatus.approved.value,
        "published": StoryStatus.published.value,
    }
    found = await rows(db, _SCREENING, params)
    if found is None:
        async with db.read() as conn:
            found = list(await conn.execute(moderation_store.SCREENING, params))
    return dict(zip(moderation_store.SCREENING_FACTS, found[0], strict=True)) if found else None
