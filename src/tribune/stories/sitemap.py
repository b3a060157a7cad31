"""What search engines are given to crawl: every published story, the tag and author pages
that list one, and the stories of the last two days for Google News. Nothing unpublished
appears: a draft, a scheduled or an unpublished story, or a tag or author with only those."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import RowMapping

from tribune import public
from tribune.storage import bylines
from tribune.storage import sitemap as store
from tribune.storage.engine import Database

NEWS_WINDOW = timedelta(days=2)  # Google News reads the stories of the last two days
NEWS_MAX = 1000  # and at most this many in one news sitemap


@dataclass(frozen=True, slots=True)
class Entry:
    path: str  # the page, from the site's root
    lastmod: datetime | None


def _changed(row: RowMapping, published: str, edited: str) -> datetime:
    moments: list[datetime | None] = [row[published], row[edited]]
    return max(moment for moment in moments if moment is not None)


async def counts(db: Database) -> tuple[int, int]:
    """How many published stories, and how many tags carrying one, there are."""
    async with db.read() as conn:
        return await store.published_count(conn), await store.tag_count(conn)


async def pages(db: Database) -> list[Entry]:
    """The home page and every author page, each with its last change."""
    async with db.read() as conn:
        home = Entry("/", await store.last_change(conn))
        authors = await bylines.authors_with_pages(conn)
    return [home] + [
        Entry(public.author_path(row["slug"]), _changed(row, "published", "edited"))
        for row in authors
    ]


async def tags(db: Database, offset: int, limit: int) -> list[Entry]:
    """Tag pages that list a published story, in the order the tags were made."""
    async with db.read() as conn:
        rows = await store.tags_in_use(conn, offset, limit)
    return [
        Entry(public.tag_path(row["slug"]), _changed(row, "published", "edited")) for row in rows
    ]


async def stories(db: Database, offset: int, limit: int) -> list[Entry]:
    """Published stories in the order they were made, each with its last change (its
    publication or a later edit)."""
    async with db.read() as conn:
        rows = await store.published_stories(conn, offset, limit)
    return [
        Entry(public.story_path(row["slug"]), _changed(row, "published_at", "edited_at"))
        for row in rows
    ]


async def news(db: Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """Stories published in the last two days (id, slug, title, published_at), newest first."""
    since = (now or datetime.now(UTC)) - NEWS_WINDOW
    async with db.read() as conn:
        return [dict(row) for row in await store.published_since(conn, since, NEWS_MAX)]
