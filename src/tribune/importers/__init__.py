"""Importers: each kind turns a file into stories and comments, stored in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import RowMapping

from tribune.comments.service import import_comments
from tribune.importers import page
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
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
    async with db.transaction() as conn:
        existing = await _imported_before(conn, parsed, url)
        if existing is None:
            story_id = await create_story(conn, parsed.story)
            drafts = parsed.comments
        else:
            story_id = existing["id"]
            # Keyed as the first import keyed them (by its own source), or by the story's
            # source link for a story that no import made.
            drafts = page.rekeyed(parsed, existing["import_key"] or existing["source_url"])
        added = await import_comments(conn, story_id, drafts)
        story = existing or await story_store.story_by_import_key(
            conn, parsed.story.import_key or ""
        )
    assert story is not None
    return ImportResult(
        story_id=story_id,
        slug=story["slug"],
        title=story["title"],
        story_created=existing is None,
        comments_added=added,
        comments_seen=len(parsed.comments),
    )


async def _imported_before(
    conn: Conn, parsed: page.PageImport, url: str | None
) -> RowMapping | None:
    """The story an earlier import of the same page made: found by the --url, or by the
    dump's own READ MORE link (as a --url before, or as the story's source link), or by
    the title when the source links do not say it is another page."""
    sources = {source for source in (url, parsed.story.source_url) if source}
    for key in page.identities(parsed, url):
        found = await story_store.story_by_import_key(conn, key)
        if found is not None and (
            key in sources or not sources or found["source_url"] in (None, *sources)
        ):
            return found
    for source in sorted(sources):
        if (found := await story_store.story_by_source_url(conn, source)) is not None:
            return found
    return None
