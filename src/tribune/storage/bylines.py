"""Bylines and author pages: who a story is by, and a staff member's published stories.

A staff member has a public page only with a slug and at least one published story; staff
without a slug are named in bylines but not linked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.stories import (
    LIST_COLUMNS,
    WITH_THREAD,
    StoryCursor,
    cursor_before,
    newest_first,
)
from tribune.storage.tables import staff, stories, story_authors
from tribune.vocabulary import StoryStatus


async def authors_of(conn: Conn, story_ids: Iterable[int]) -> dict[int, list[RowMapping]]:
    """Each story's authors (story_id, staff_id, name, slug) in byline order."""
    ids = list(story_ids)
    found: dict[int, list[RowMapping]] = {story_id: [] for story_id in ids}
    if not ids:
        return found
    query = (
        select(
            story_authors.c.story_id,
            story_authors.c.staff_id,
            staff.c.name,
            staff.c.slug,
        )
        .join(staff, staff.c.id == story_authors.c.staff_id)
        .where(story_authors.c.story_id.in_(ids))
        .order_by(story_authors.c.story_id, story_authors.c.position, staff.c.id)
    )
    for row in (await conn.execute(query)).mappings():
        found[row["story_id"]].append(row)
    return found


def _has_published_story(staff_id: Any) -> Any:
    return exists(
        select(story_authors.c.story_id)
        .join(stories, stories.c.id == story_authors.c.story_id)
        .where(
            story_authors.c.staff_id == staff_id,
            stories.c.status == StoryStatus.published,
        )
    )


async def author_by_slug(conn: Conn, slug: str) -> RowMapping | None:
    """The staff member (id, name, slug, bio) at /authors/{slug}, when they have a published
    story. Slugs are stored lower-case; the one typed matches in any case."""
    query = select(staff.c.id, staff.c.name, staff.c.slug, staff.c.bio).where(
        staff.c.slug.in_({slug, slug.lower()}), _has_published_story(staff.c.id)
    )
    return (await conn.execute(query.limit(1))).mappings().first()


def author_listing(staff_id: Any) -> Any:
    return (
        select(*LIST_COLUMNS)
        .select_from(WITH_THREAD.join(story_authors, story_authors.c.story_id == stories.c.id))
        .where(story_authors.c.staff_id == staff_id, stories.c.status == StoryStatus.published)
    )


async def stories_by_author(
    conn: Conn, staff_id: int, after: StoryCursor | None, limit: int
) -> Sequence[RowMapping]:
    """A staff member's published stories, newest first, after the keyset cursor."""
    query = newest_first(author_listing(staff_id), after, limit)
    return (await conn.execute(query)).mappings().all()


async def authored_before(
    conn: Conn, staff_id: int, before: StoryCursor, limit: int
) -> StoryCursor | None:
    """The cursor of the page of an author's stories before the one starting at ``before``."""
    return await cursor_before(conn, author_listing(staff_id), before, limit)


async def authors_with_pages(conn: Conn) -> Sequence[RowMapping]:
    """Every staff member with an author page: slug, and the newest publication (published)
    and edit (edited) times of their published stories, for the sitemap."""
    query = (
        select(
            staff.c.slug,
            func.max(stories.c.published_at).label("published"),
            func.max(stories.c.edited_at).label("edited"),
        )
        .join(story_authors, story_authors.c.staff_id == staff.c.id)
        .join(stories, stories.c.id == story_authors.c.story_id)
        .where(staff.c.slug.is_not(None), stories.c.status == StoryStatus.published)
        .group_by(staff.c.slug)
        .order_by(staff.c.slug)
    )
    return (await conn.execute(query)).mappings().all()
