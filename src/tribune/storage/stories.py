"""Story and tag queries. Functions take a connection and plain values, return rows or None."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import stories, story_tags, tags, threads
from tribune.vocabulary import CommentMode, StoryStatus

LIST_COLUMNS = [
    stories.c.id,
    stories.c.slug,
    stories.c.title,
    stories.c.lead,
    stories.c.source_url,
    stories.c.published_at,
    stories.c.edited_at,
    stories.c.lead_image_id,
    stories.c.lead_image_alt,
    threads.c.comment_count,
]
# A story with its thread's counters: what the story routes read.
WITH_THREAD = stories.join(threads, threads.c.story_id == stories.c.id)
STORY_COLUMNS = [*stories.c, threads.c.comment_count]

StoryCursor = tuple[datetime, int]


async def _published_story(conn: Conn, condition: Any) -> RowMapping | None:
    query = (
        select(*STORY_COLUMNS)
        .select_from(WITH_THREAD)
        .where(condition, stories.c.status == StoryStatus.published)
    )
    return (await conn.execute(query)).mappings().first()


async def story_by_id(conn: Conn, story_id: int) -> RowMapping | None:
    """The published story with this id."""
    return await _published_story(conn, stories.c.id == story_id)


async def story_by_slug(conn: Conn, slug: str) -> RowMapping | None:
    """The published story at /stories/{slug}."""
    return await _published_story(conn, stories.c.slug == slug)


async def story_by_import_key(conn: Conn, key: str) -> RowMapping | None:
    """The story an earlier import of the same source created, whatever its status."""
    query = select(stories).where(stories.c.import_key == key)
    return (await conn.execute(query)).mappings().first()


async def story_by_source_url(conn: Conn, url: str) -> RowMapping | None:
    """The earliest story whose source link (READ MORE) is url, whatever its status."""
    query = select(stories).where(stories.c.source_url == url).order_by(stories.c.id)
    return (await conn.execute(query.limit(1))).mappings().first()


async def slug_taken(conn: Conn, slug: str) -> bool:
    query = select(stories.c.id).where(stories.c.slug == slug)
    return (await conn.execute(query)).first() is not None


async def story_exists(conn: Conn) -> bool:
    """Whether the database holds any story at all (drafts included)."""
    return (await conn.execute(select(stories.c.id).limit(1))).first() is not None


def newest_first(query: Any, after: StoryCursor | None, limit: int) -> Any:
    """A listing of stories, newest first, after the keyset cursor (published_at, id)."""
    if after is not None:
        published_at, story_id = after
        query = query.where(
            or_(
                stories.c.published_at < published_at,
                and_(stories.c.published_at == published_at, stories.c.id < story_id),
            )
        )
    return query.order_by(stories.c.published_at.desc(), stories.c.id.desc()).limit(limit)


async def cursor_before(
    conn: Conn, query: Any, before: StoryCursor, limit: int
) -> StoryCursor | None:
    """The cursor of the page of ``limit`` stories just newer than ``before`` in a listing
    (the previous page's): the story ``limit + 1`` places newer, or None when that page is
    the listing's first."""
    published_at, story_id = before
    newer = (
        query.with_only_columns(stories.c.published_at, stories.c.id)
        .where(
            or_(
                stories.c.published_at > published_at,
                and_(stories.c.published_at == published_at, stories.c.id > story_id),
            )
        )
        .order_by(stories.c.published_at, stories.c.id)
        .offset(limit)
        .limit(1)
    )
    row = (await conn.execute(newer)).first()
    return None if row is None else (row[0], int(row[1]))


# The newsroom's own stories: threads of other sites' pages (page_url set) are not listed.
NEWSROOM = stories.c.page_url.is_(None)


def published_listing() -> Any:
    return (
        select(*LIST_COLUMNS)
        .select_from(WITH_THREAD)
        .where(stories.c.status == StoryStatus.published, NEWSROOM)
    )


def tag_listing(tag_id: Any) -> Any:
    return (
        published_listing()
        .join(story_tags, story_tags.c.story_id == stories.c.id)
        .where(story_tags.c.tag_id == tag_id)
    )


def listing_versions(listing: Any, limit: int) -> Any:
    """What a listing's first page shows of its stories changes only with these: which
    stories it lists (id), each one's thread version (moved by every save of the story and
    every change to its comments) and updated_at (on SQLite a new story may take a deleted
    one's id)."""
    columns = (stories.c.id, stories.c.updated_at, threads.c.version)
    return newest_first(listing.with_only_columns(*columns), None, limit)


async def recent_stories(conn: Conn, after: StoryCursor | None, limit: int) -> Sequence[RowMapping]:
    """Published stories, newest first, after the keyset cursor (published_at, id)."""
    query = newest_first(published_listing(), after, limit)
    return (await conn.execute(query)).mappings().all()


async def recent_before(conn: Conn, before: StoryCursor, limit: int) -> StoryCursor | None:
    """The cursor of the page of published stories before the one starting at ``before``."""
    return await cursor_before(conn, published_listing(), before, limit)


async def stories_with_tag(
    conn: Conn, tag_id: int, after: StoryCursor | None, limit: int
) -> Sequence[RowMapping]:
    """Published stories carrying a tag, newest first."""
    query = newest_first(tag_listing(tag_id), after, limit)
    return (await conn.execute(query)).mappings().all()


async def tagged_before(
    conn: Conn, tag_id: int, before: StoryCursor, limit: int
) -> StoryCursor | None:
    """The cursor of the page of a tag's stories before the one starting at ``before``."""
    return await cursor_before(conn, tag_listing(tag_id), before, limit)


async def stories_for_staff(conn: Conn, limit: int) -> Sequence[RowMapping]:
    """Published stories, newest first, with their comment settings."""
    query = (
        select(*LIST_COLUMNS, stories.c.comment_mode, stories.c.first_comment_hold)
        .select_from(WITH_THREAD)
        .where(stories.c.status == StoryStatus.published)
        .order_by(stories.c.published_at.desc(), stories.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def set_comment_mode(
    conn: Conn, story_id: int, mode: CommentMode, first_comment_hold: bool
) -> bool:
    """Change who may comment on a story; the thread's version moves (pages show the form)."""
    result = await conn.execute(
        update(stories)
        .where(stories.c.id == story_id)
        .values(comment_mode=mode, first_comment_hold=first_comment_hold)
    )
    if result.rowcount:
        await bump_version(conn, story_id)
    return bool(result.rowcount)


def _open_between(since: datetime | None, cutoff: datetime) -> Any:
    condition = and_(
        stories.c.status == StoryStatus.published,
        stories.c.comment_mode != CommentMode.closed,
        stories.c.published_at < cutoff,
    )
    return condition if since is None else and_(condition, stories.c.published_at >= since)


async def open_between(
    conn: Conn, since: datetime | None, cutoff: datetime, limit: int
) -> list[int]:
    """Published stories with open comments, published in [since, cutoff)."""
    query = select(stories.c.id).where(_open_between(since, cutoff)).limit(limit)
    return [int(i) for i in (await conn.execute(query)).scalars()]


async def close_between(conn: Conn, since: datetime | None, cutoff: datetime) -> list[int]:
    """Close comments on the published stories published in [since, cutoff); their ids."""
    closed = await conn.execute(
        update(stories)
        .where(_open_between(since, cutoff))
        .values(comment_mode=CommentMode.closed)
        .returning(stories.c.id)
    )
    ids = [int(i) for i in closed.scalars()]
    for story_id in ids:
        await bump_version(conn, story_id)
    return ids


async def insert_story(conn: Conn, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(stories).values(**values).returning(stories.c.id))
    story_id = int(result.scalar_one())
    await conn.execute(insert(threads).values(story_id=story_id))
    return story_id


async def tag_by_slug(conn: Conn, slug: str) -> RowMapping | None:
    query = select(tags).where(tags.c.slug == slug)
    return (await conn.execute(query)).mappings().first()


async def tag_in_use(conn: Conn, slug: str) -> RowMapping | None:
    """The tag at /tags/{slug} when a published story carries it: a tag only drafts name is
    nothing readers may learn of."""
    carried = (
        select(story_tags.c.story_id)
        .join(stories, stories.c.id == story_tags.c.story_id)
        .where(story_tags.c.tag_id == tags.c.id, stories.c.status == StoryStatus.published)
    )
    query = select(tags).where(tags.c.slug == slug, carried.exists())
    return (await conn.execute(query)).mappings().first()


async def tags_of(conn: Conn, story_ids: Iterable[int]) -> dict[int, list[RowMapping]]:
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


async def tag_story(conn: Conn, story_id: int, named: Sequence[tuple[str, str]]) -> None:
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


def _published(story_id: Any) -> Any:
    return threads.c.story_id.in_(
        select(stories.c.id).where(
            stories.c.id == story_id, stories.c.status == StoryStatus.published
        )
    )


def _take_numbers_statement() -> Any:
    story: Any = bindparam("story")
    return (
        update(threads)
        .where(threads.c.story_id == story, _published(story))
        .values(
            comment_seq=threads.c.comment_seq + bindparam("count"),
            comment_count=threads.c.comment_count + bindparam("visible"),
            version=threads.c.version + 1,
        )
        .returning(threads.c.comment_seq)
    )


# Built once: constructing a statement costs more than SQLite takes to run it.
_TAKE_NUMBERS = _take_numbers_statement()


async def take_comment_numbers(conn: Conn, story_id: int, count: int, visible: int) -> int | None:
    """Hand out the published story's next ``count`` comment numbers (returns the last),
    count ``visible`` of them as seen by readers, and bump the thread version; None when
    there is no such story.

    The row update takes the thread's row lock, so concurrent posts to one story number their
    comments one after another on PostgreSQL as on SQLite.
    """
    params = {"story": story_id, "count": count, "visible": visible}
    number = (await conn.execute(_TAKE_NUMBERS, params)).scalar_one_or_none()
    return None if number is None else int(number)


async def change_comment_count(conn: Conn, story_id: int, delta: int) -> None:
    """Move the story's visible comment count and bump its thread version."""
    await conn.execute(
        update(threads)
        .where(threads.c.story_id == story_id)
        .values(comment_count=threads.c.comment_count + delta, version=threads.c.version + 1)
    )


async def bump_version(conn: Conn, story_id: int) -> None:
    """Mark the story's thread as changed (cached pages of it are stale)."""
    await conn.execute(
        update(threads).where(threads.c.story_id == story_id).values(version=threads.c.version + 1)
    )


def counts_query(ids: Any) -> Any:
    return (
        select(stories.c.id, threads.c.comment_count)
        .select_from(WITH_THREAD)
        .where(stories.c.id.in_(ids), stories.c.status == bindparam("status"))
    )


async def comment_counts(conn: Conn, story_ids: Sequence[int]) -> dict[int, int]:
    """Visible comment counts of the published stories among the ids."""
    query = counts_query(list(story_ids))
    found = await conn.execute(query, {"status": StoryStatus.published.value})
    return {row.id: row.comment_count for row in found}


async def recent_for_feed(conn: Conn, limit: int) -> Sequence[RowMapping]:
    """The newest published stories with their text, for the site feed."""
    query = (
        select(stories)
        .where(stories.c.status == StoryStatus.published, NEWSROOM)
        .order_by(stories.c.published_at.desc(), stories.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


def thread_meta_query(story_id: Any, status: Any) -> Any:
    return (
        select(threads.c.version, threads.c.comment_count)
        .select_from(WITH_THREAD)
        .where(stories.c.id == story_id, stories.c.status == status)
    )


async def thread_meta(conn: Conn, story_id: int) -> tuple[int, int] | None:
    """What a thread read needs of its published story: (version, comment count)."""
    row = (await conn.execute(thread_meta_query(story_id, StoryStatus.published))).first()
    return None if row is None else (int(row[0]), int(row[1]))


async def story_title(conn: Conn, story_id: int) -> dict[str, Any] | None:
    """A story's id, title and slug, whatever its status (what a reader's own data names)."""
    query = select(stories.c.id, stories.c.title, stories.c.slug).where(stories.c.id == story_id)
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else dict(row)
