"""Story and tag queries. Functions take a connection and plain values, return rows or None."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from tribune.storage.engine import Database
from tribune.storage.tables import StoryStatus, stories, story_tags, tags

LIST_COLUMNS = [
    stories.c.id,
    stories.c.slug,
    stories.c.title,
    stories.c.lead,
    stories.c.source_url,
    stories.c.published_at,
    stories.c.comment_count,
]

StoryCursor = tuple[datetime, int]


async def story_by_id(conn: AsyncConnection, story_id: int) -> RowMapping | None:
    """The published story with this id."""
    query = select(stories).where(
        stories.c.id == story_id, stories.c.status == StoryStatus.published
    )
    return (await conn.execute(query)).mappings().first()


async def story_by_slug(conn: AsyncConnection, slug: str) -> RowMapping | None:
    """The published story at /stories/{slug}."""
    query = select(stories).where(stories.c.slug == slug, stories.c.status == StoryStatus.published)
    return (await conn.execute(query)).mappings().first()


async def story_by_import_key(conn: AsyncConnection, key: str) -> RowMapping | None:
    """The story an earlier import of the same source created, whatever its status."""
    query = select(stories).where(stories.c.import_key == key)
    return (await conn.execute(query)).mappings().first()


async def slug_taken(conn: AsyncConnection, slug: str) -> bool:
    query = select(stories.c.id).where(stories.c.slug == slug)
    return (await conn.execute(query)).first() is not None


async def story_exists(conn: AsyncConnection) -> bool:
    """Whether the database holds any story at all (drafts included)."""
    return (await conn.execute(select(stories.c.id).limit(1))).first() is not None


def _newest_first(query: Any, after: StoryCursor | None, limit: int) -> Any:
    if after is not None:
        published_at, story_id = after
        query = query.where(
            or_(
                stories.c.published_at < published_at,
                and_(stories.c.published_at == published_at, stories.c.id < story_id),
            )
        )
    return query.order_by(stories.c.published_at.desc(), stories.c.id.desc()).limit(limit)


async def recent_stories(
    conn: AsyncConnection, after: StoryCursor | None, limit: int
) -> Sequence[RowMapping]:
    """Published stories, newest first, after the keyset cursor (published_at, id)."""
    query = select(*LIST_COLUMNS).where(stories.c.status == StoryStatus.published)
    return (await conn.execute(_newest_first(query, after, limit))).mappings().all()


async def stories_with_tag(
    conn: AsyncConnection, tag_id: int, after: StoryCursor | None, limit: int
) -> Sequence[RowMapping]:
    """Published stories carrying a tag, newest first."""
    query = (
        select(*LIST_COLUMNS)
        .join(story_tags, story_tags.c.story_id == stories.c.id)
        .where(story_tags.c.tag_id == tag_id, stories.c.status == StoryStatus.published)
    )
    return (await conn.execute(_newest_first(query, after, limit))).mappings().all()


async def insert_story(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(stories).values(**values).returning(stories.c.id))
    return int(result.scalar_one())


async def tag_by_slug(conn: AsyncConnection, slug: str) -> RowMapping | None:
    query = select(tags).where(tags.c.slug == slug)
    return (await conn.execute(query)).mappings().first()


async def tags_of(conn: AsyncConnection, story_ids: Iterable[int]) -> dict[int, list[RowMapping]]:
    """Each story's tags in the order the story names them."""
    ids = list(story_ids)
    found: dict[int, list[RowMapping]] = {story_id: [] for story_id in ids}
    if not ids:
        return found
    query = (
        select(story_tags.c.story_id, tags.c.slug, tags.c.name)
        .join(tags, tags.c.id == story_tags.c.tag_id)
        .where(story_tags.c.story_id.in_(ids))
        .order_by(story_tags.c.story_id, story_tags.c.position)
    )
    for row in (await conn.execute(query)).mappings():
        found[row["story_id"]].append(row)
    return found


async def tag_story(conn: AsyncConnection, story_id: int, named: Sequence[tuple[str, str]]) -> None:
    """Attach tags (slug, display name) to a story, creating the tags that do not exist."""
    for position, (slug, name) in enumerate(named):
        tag = await tag_by_slug(conn, slug)
        if tag is None:
            result = await conn.execute(
                insert(tags).values(slug=slug, name=name).returning(tags.c.id)
            )
            tag_id = int(result.scalar_one())
        else:
            tag_id = int(tag["id"])
        await conn.execute(
            insert(story_tags).values(story_id=story_id, tag_id=tag_id, position=position)
        )


async def next_comment_number(conn: AsyncConnection, story_id: int, visible: bool) -> int | None:
    """Hand out the published story's next comment number and bump its thread version;
    None when there is no such story.

    The row update takes the story's row lock, so concurrent posts to one story number their
    comments one after another on PostgreSQL as on SQLite.
    """
    values: dict[str, Any] = {
        "comment_seq": stories.c.comment_seq + 1,
        "version": stories.c.version + 1,
    }
    if visible:
        values["comment_count"] = stories.c.comment_count + 1
    result = await conn.execute(
        update(stories)
        .where(stories.c.id == story_id, stories.c.status == StoryStatus.published)
        .values(**values)
        .returning(stories.c.comment_seq)
    )
    number = result.scalar_one_or_none()
    return None if number is None else int(number)


async def change_comment_count(conn: AsyncConnection, story_id: int, delta: int) -> None:
    """Move the story's visible comment count and bump its thread version."""
    await conn.execute(
        update(stories)
        .where(stories.c.id == story_id)
        .values(comment_count=stories.c.comment_count + delta, version=stories.c.version + 1)
    )


async def bump_version(conn: AsyncConnection, story_id: int) -> None:
    """Mark the story's thread as changed (cached pages of it are stale)."""
    await conn.execute(
        update(stories).where(stories.c.id == story_id).values(version=stories.c.version + 1)
    )


async def comment_counts(conn: AsyncConnection, story_ids: Sequence[int]) -> dict[int, int]:
    """Visible comment counts of the published stories among the ids."""
    query = select(stories.c.id, stories.c.comment_count).where(
        stories.c.id.in_(list(story_ids)), stories.c.status == StoryStatus.published
    )
    return {row.id: row.comment_count for row in await conn.execute(query)}


async def recent_for_feed(conn: AsyncConnection, limit: int) -> Sequence[RowMapping]:
    """The newest published stories with their text, for the site feed."""
    query = (
        select(stories)
        .where(stories.c.status == StoryStatus.published)
        .order_by(stories.c.published_at.desc(), stories.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def count_published(conn: AsyncConnection) -> int:
    query = (
        select(func.count()).select_from(stories).where(stories.c.status == StoryStatus.published)
    )
    return int((await conn.execute(query)).scalar_one())


def _thread_meta_query(story_id: Any) -> Any:
    return select(stories.c.version, stories.c.comment_count).where(
        stories.c.id == story_id, stories.c.status == StoryStatus.published
    )


_THREAD_META_SQLITE = str(
    _thread_meta_query(bindparam("story_id")).compile(
        dialect=sqlite.dialect(), compile_kwargs={"render_postcompile": True}
    )
)
_THREAD_META_POSTGRESQL = str(
    _thread_meta_query(bindparam("story_id")).compile(
        dialect=postgresql.asyncpg.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"render_postcompile": True},
    )
)


async def thread_meta(conn: AsyncConnection, story_id: int) -> tuple[int, int] | None:
    """What a thread read needs of its published story: (version, comment count)."""
    row = (await conn.execute(_thread_meta_query(story_id))).first()
    return None if row is None else (int(row[0]), int(row[1]))


async def thread_meta_now(db: Database, story_id: int) -> tuple[int, int] | None:
    """thread_meta outside any transaction, as fast as the database allows: on SQLite a
    synchronous indexed read on the event loop, falling back when the file is busy."""
    if not db.is_sqlite:
        pool = await db.quick_pool()
        record = await pool.fetchrow(_THREAD_META_POSTGRESQL, story_id, StoryStatus.published.value)
        return None if record is None else (int(record[0]), int(record[1]))
    reader = db.loop_reader()
    if reader is not None:
        try:
            row = reader.execute(
                _THREAD_META_SQLITE, (story_id, StoryStatus.published.value)
            ).fetchone()
        except sqlite3.OperationalError:
            row = None  # busy or locked: ask through the async path below
        else:
            return None if row is None else (int(row[0]), int(row[1]))
    async with db.read() as conn:
        return await thread_meta(conn, story_id)
