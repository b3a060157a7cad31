"""Importers: each kind turns a file into stories and comments, stored in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from tribune.comments.service import import_comments
from tribune.importers import page
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.stories.service import create_story


class ImportRefused(ValueError):
    """The file cannot be imported; nothing was stored. The message says why."""


@dataclass(slots=True)
class ImportResult:
    story_id: int
    slug: str
    title: str
    story_created: bool
    comments_added: int
    comments_seen: int


async def import_page(db: Database, data: bytes, *, url: str | None = None) -> ImportResult:
    """Import a plain-text page dump. Re-importing the same source adds only what is new."""
    try:
        parsed = page.parse(data, url=url)
    except page.PageDumpError as exc:
        raise ImportRefused(str(exc)) from None
    key = parsed.story.import_key
    assert key is not None
    async with db.transaction() as conn:
        existing = await story_store.story_by_import_key(conn, key)
        if existing is None:
            story_id = await create_story(conn, parsed.story)
        else:
            story_id = existing["id"]
        added = await import_comments(conn, story_id, parsed.comments)
        story = await story_store.story_by_import_key(conn, key)
    assert story is not None
    return ImportResult(
        story_id=story_id,
        slug=story["slug"],
        title=story["title"],
        story_created=existing is None,
        comments_added=added,
        comments_seen=len(parsed.comments),
    )
