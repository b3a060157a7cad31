"""Threads under other sites' pages: which page a thread is, and who may open one.

A thread embedded with embed.js belongs to the page it is on, found by that page's address
normalised (tribune.urls.page_url), so every spelling of one page shares one discussion.
A page's thread is a story of its own kind (stories.page_url set): published, with the
page's title and no text, so moderation, bans, rules, counts, feeds and search take it
like any other, and Tribune's own page for it (/stories/{slug}) is where readers without
JavaScript can take part.

A thread is opened (made) on first use, and only for a page of a site that
TRIBUNE_ALLOWED_ORIGINS lists, asked from a page of that same site: a browser names the
page asking in Origin, which scripts cannot change, so a page of one site cannot open
threads for another's addresses. Reading a page's thread makes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from tribune import urls
from tribune.exceptions import Invalid, NotAllowed
from tribune.fields import visible_text
from tribune.public import story_path
from tribune.storage import embeds as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.stories.service import unique_slug
from tribune.vocabulary import CommentMode, StoryStatus

TITLE_MAX = 200  # characters of a page's title kept, as an editor's story title
COUNTS_MAX = 100  # pages per counts request
BAD_URL = "The page address must be an http or https address of at most 2,000 characters"
NOT_LISTED = "This site's pages may not open discussions here (TRIBUNE_ALLOWED_ORIGINS)"
OTHER_SITE = "A page may open a discussion only for an address of its own site"


def title_of(text: str | None, page_url: str) -> str:
    """The title a page sent, as one line of plain text of at most TITLE_MAX characters;
    the address without its scheme when it sent none."""
    line = re.sub(r"\s+", " ", visible_text((text or "")[: TITLE_MAX * 4])).strip()
    if len(line) > TITLE_MAX:
        line = line[: TITLE_MAX - 1].rstrip() + "…"
    return line or page_url.split("://", 1)[1]


def _thread(row: Any) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "title": row["title"],
        "page_url": row["page_url"],
        "path": story_path(row["slug"]),
        "comment_count": int(row["comment_count"]),
        "comment_mode": row["comment_mode"],
        "version": int(row["version"]),
    }


def address(url: Any) -> str:
    """The normalised address of a page; Invalid naming ``url`` when it is not one."""
    found = urls.page_url(url) if isinstance(url, str) else None
    if found is None:
        raise Invalid("The page address is not valid", {"url": BAD_URL})
    return found


async def thread_of(db: Database, url: str) -> dict[str, Any] | None:
    """The page's thread (id, title, page_url, path, comment_count, comment_mode,
    version), or None when it has none yet. Invalid for an address that is not one."""
    page_url = address(url)
    async with db.read() as conn:
        row = await store.page_thread(conn, page_url)
    return None if row is None else _thread(row)


def check_origin(page_url: str, asking: str | None, allowed: Collection[str]) -> None:
    """NotAllowed unless the page's site may embed threads and, when a browser named the
    page asking (``asking``, its Origin), that page is of the same site."""
    site = urls.origin(page_url)
    if site not in allowed:
        raise NotAllowed(NOT_LISTED)
    if asking is not None and asking != site:
        raise NotAllowed(OTHER_SITE)


async def open_thread(
    db: Database, url: Any, title: Any, *, asking: str | None, allowed: Collection[str]
) -> tuple[dict[str, Any], bool]:
    """The page's thread, made now if it has none (see the module's rules): (thread,
    whether it was made). Invalid for a bad address, NotAllowed for a site not allowed."""
    page_url = address(url)
    check_origin(page_url, asking, allowed)
    name = title_of(title if isinstance(title, str) else None, page_url)
    for _attempt in range(2):
        try:
            async with db.transaction() as conn:
                row = await store.page_thread(conn, page_url)
                if row is not None:
                    return _thread(row), False
                values = await _page_values(conn, page_url, name)
                story_id = await story_store.insert_story(conn, values)
            made = values | {"id": story_id, "comment_count": 0, "version": 0}
            return _thread(made), True
        except IntegrityError:
            continue  # another request opened it (or took the slug) first: read it again
    found = await thread_of(db, page_url)
    if found is None:
        raise NotAllowed("The discussion could not be opened just now; please try again")
    return found, False


async def _page_values(
    conn: Conn, page_url: str, title: str, import_key: str | None = None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "slug": await unique_slug(conn, title),
        "title": title,
        "source_url": page_url,
        "page_url": page_url,
        "status": StoryStatus.published,
        "comment_mode": CommentMode.open,
        "published_at": now,
        "updated_at": now,
        "revision": 1,
        "import_key": import_key,
    }


async def store_page_thread(
    conn: Conn, page_url: str, title: str, *, import_key: str | None = None
) -> int:
    """Make the thread of the page at this (normalised) address inside the caller's
    transaction (an importer's: no origin check, the operator runs it); its story id."""
    values = await _page_values(conn, page_url, title_of(title, page_url), import_key)
    return await story_store.insert_story(conn, values)


async def counts_by_url(db: Database, page_urls: Sequence[str]) -> dict[str, int]:
    """Comment counts of the pages' threads, keyed by each address as given (pages
    without a thread, or with an address that is not one, are left out)."""
    wanted = {url: urls.page_url(url) for url in page_urls[:COUNTS_MAX]}
    keys = sorted({key for key in wanted.values() if key is not None})
    if not keys:
        return {}
    async with db.read() as conn:
        found = await store.counts_by_url(conn, keys)
    return {url: found[key] for url, key in wanted.items() if key is not None and key in found}
