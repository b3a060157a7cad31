"""Threads of other sites' pages (embed/): stories whose page_url is that page's address."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.stories import WITH_THREAD
from tribune.storage.tables import stories, threads
from tribune.vocabulary import StoryStatus

PAGE_COLUMNS = [
    stories.c.id,
    stories.c.slug,
    stories.c.title,
    stories.c.page_url,
    stories.c.comment_mode,
    threads.c.comment_count,
    threads.c.version,
]


async def page_thread(conn: Conn, page_url: str) -> RowMapping | None:
    """The published thread of the page at this (normalised) address."""
    query = (
        select(*PAGE_COLUMNS)
        .select_from(WITH_THREAD)
        .where(stories.c.page_url == page_url, stories.c.status == StoryStatus.published)
    )
    return (await conn.execute(query)).mappings().first()


async def counts_by_url(conn: Conn, page_urls: Sequence[str]) -> dict[str, int]:
    """Visible comment counts of the published threads of these pages, by address."""
    query = (
        select(stories.c.page_url, threads.c.comment_count)
        .select_from(WITH_THREAD)
        .where(stories.c.page_url.in_(list(page_urls)), stories.c.status == StoryStatus.published)
    )
    return {str(row[0]): int(row[1]) for row in await conn.execute(query)}
