"""What the sitemaps list: published stories and the tags that carry one. Only published
stories count anywhere here (a tag whose stories are all drafts has no page to list)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import stories, story_tags, tags
from tribune.vocabulary import StoryStatus

# Threads of other sites' pages are those pages' to list, not ours.
PUBLISHED = and_(stories.c.status == StoryStatus.published, stories.c.page_url.is_(None))


async def published_count(conn: Conn) -> int:
    query = select(func.count()).select_from(stories).where(PUBLISHED)
    return int((await conn.execute(query)).scalar_one())


async def published_stories(conn: Conn, offset: int, limit: int) -> Sequence[RowMapping]:
    """Published stories (id, slug, published_at, edited_at) in the order they were made."""
    query = (
        select(stories.c.id, stories.c.slug, stories.c.published_at, stories.c.edited_at)
        .where(PUBLISHED)
        .order_by(stories.c.id)
        .offset(offset)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


# A tag's stories: the tag counts only through a published one.
TAGGED = story_tags.join(stories, stories.c.id == story_tags.c.story_id)


async def tag_count(conn: Conn) -> int:
    """How many tags carry at least one published story."""
    query = (
        select(func.count(func.distinct(story_tags.c.tag_id))).select_from(TAGGED).where(PUBLISHED)
    )
    return int((await conn.execute(query)).scalar_one())


async def tags_in_use(conn: Conn, offset: int, limit: int) -> Sequence[RowMapping]:
    """Tags carrying a published story: slug, and the newest publication (published) and edit
    (edited) times among those stories."""
    query = (
        select(
            tags.c.slug,
            func.max(stories.c.published_at).label("published"),
            func.max(stories.c.edited_at).label("edited"),
        )
        .select_from(TAGGED.join(tags, tags.c.id == story_tags.c.tag_id))
        .where(PUBLISHED)
        .group_by(tags.c.id, tags.c.slug)
        .order_by(tags.c.id)
        .offset(offset)
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def published_since(conn: Conn, since: datetime, limit: int) -> Sequence[RowMapping]:
    """Stories published at or after ``since`` (id, slug, title, published_at), newest first."""
    query = (
        select(stories.c.id, stories.c.slug, stories.c.title, stories.c.published_at)
        .where(PUBLISHED, stories.c.published_at >= since)
        .order_by(stories.c.published_at.desc(), stories.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def last_change(conn: Conn) -> datetime | None:
    """The newest publication or edit among published stories (the home page's last change)."""
    query = select(func.max(stories.c.published_at), func.max(stories.c.edited_at)).where(PUBLISHED)
    row = (await conn.execute(query)).one()
    return max((moment for moment in row if moment is not None), default=None)
