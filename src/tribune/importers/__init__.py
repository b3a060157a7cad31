"""Importers: each kind turns a file into stories and comments, stored in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import RowMapping

from tribune import urls
from tribune.comments.service import import_archive, import_comments
from tribune.importers import page, wxr
from tribune.storage import embeds
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.stories.service import StoryDraft, create_story


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


# WordPress --------------------------------------------------------------------------------


@dataclass(slots=True)
class ArchiveSummary:
    """What an archive import found, and (unless it was a dry run) did."""

    stories_found: int = 0
    comments_found: int = 0
    stories_created: int = 0
    stories_attached: int = 0
    comments_added: int = 0
    replies_moved_up: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False


Progress = Callable[[int], None]


async def _story_for(conn: Conn, post: wxr.Post) -> tuple[int, bool]:
    """The story a post's comments go to: the one an earlier import made, the story whose
    source link or embedded page is the post's address, or a new one. (id, made now)."""
    for found in (
        await story_store.story_by_import_key(conn, post.key),
        await story_store.story_by_source_url(conn, post.link) if post.link else None,
    ):
        if found is not None:
            return int(found["id"]), False
    page_url = urls.page_url(post.link) if post.link else None
    if page_url and (thread := await embeds.page_thread(conn, page_url)) is not None:
        return int(thread["id"]), False
    draft = StoryDraft(
        title=post.title, body_md=post.body, import_key=post.key, published_at=post.published_at
    )
    return await create_story(conn, draft), True


async def import_wxr(
    db: Database, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ArchiveSummary:
    """Import a WordPress export: checked whole first, then stored in one transaction (a
    file refused anywhere stores nothing). Importing the same file again adds nothing."""
    summary = ArchiveSummary(dry_run=dry_run)
    skipped = wxr.Skipped()
    try:
        with path.open("rb") as source:
            for post in wxr.posts(source, skipped):
                summary.stories_found += 1
                summary.comments_found += len(post.comments)
    except OSError as exc:
        raise ImportRefused(f"{path} cannot be read: {exc.strerror}") from None
    except wxr.WxrRefused as exc:
        raise ImportRefused(str(exc)) from None
    summary.skipped = skipped.as_dict()
    if dry_run:
        return summary
    async with db.transaction() as conn:
        with path.open("rb") as source:
            for post in wxr.posts(source, wxr.Skipped()):
                story_id, made = await _story_for(conn, post)
                summary.stories_created += made
                summary.stories_attached += not made
                added, moved = await import_archive(conn, story_id, post.comments)
                summary.comments_added += added
                summary.replies_moved_up += moved
                if progress:
                    progress(1 + len(post.comments))
    return summary
