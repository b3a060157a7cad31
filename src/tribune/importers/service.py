"""Importers: each kind turns a file into stories and comments. A page dump is stored in one
transaction; an archive is checked whole, then stored in short transactions and taken back
as one import if storing fails part-way."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy.engine import RowMapping

from tribune import urls
from tribune.comments.service import (
    IMPORT_BATCH,
    ArchivedComment,
    import_archive,
    import_comments,
)
from tribune.embed import service as embed_service
from tribune.importers import disqus, isso, jsonarchives, page, wxr
from tribune.importers.markup import open_archive
from tribune.storage import comments as comment_store
from tribune.storage import editor as editor_store
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


# Archives (wxr, disqus, isso, remark42, commento) --------------------------------------------


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


KINDS = {
    "wxr": "a WordPress export",
    "disqus": "a Disqus export",
    "isso": "an Isso database",
    "remark42": "a Remark42 backup",
    "commento": "a Commento export",
    "page": "a plain-text page dump",
}


def described(summary: ArchiveSummary, kind: str) -> list[str]:
    """What an import found and did, in the words the command and the upload page print."""
    found = f"{summary.stories_found:,} stories with {summary.comments_found:,} comments"
    skipped = ", ".join(f"{n:,} {why}" for why, n in summary.skipped.items() if n) or "nothing"
    if summary.dry_run:
        return [
            f"Recognised {KINDS[kind]}: {found}; would skip {skipped}",
            "Dry run: nothing was stored",
        ]
    lines = [
        f"Imported {found}: {summary.stories_created:,} new stories, "
        f"{summary.stories_attached:,} existing ones, {summary.comments_added:,} new comments "
        f"({summary.comments_found - summary.comments_added:,} already there); skipped {skipped}"
    ]
    if summary.replies_moved_up:
        lines.append(
            f"{summary.replies_moved_up:,} replies whose parent the file lacks are top-level"
        )
    return lines


Progress = Callable[[str, int], None]
"""Hears how an archive import goes: (CHECKING, comments) for each story read while the file
is checked, then (STORING, comments) as they are stored or found there already."""
CHECKING, STORING = "checking", "storing"


class Item(Protocol):
    """A story of an archive, with its comments (wxr.Post, markup.Page)."""

    key: str
    link: str
    title: str
    comments: list[ArchivedComment]


async def _existing(conn: Conn, item: Item) -> int | None:
    """The story an archive's item goes to, if there is one: the one an earlier import
    made, the story whose source link is the item's address, or the embedded page's
    thread at that address."""
    for found in (
        await story_store.story_by_import_key(conn, item.key),
        await story_store.story_by_source_url(conn, item.link) if item.link else None,
    ):
        if found is not None:
            return int(found["id"])
    page_url = urls.page_url(item.link) if item.link else None
    if page_url and (thread := await embeds.page_thread(conn, page_url)) is not None:
        return int(thread["id"])
    return None


async def _new_wxr_story(conn: Conn, post: Any) -> int:
    draft = StoryDraft(
        title=post.title,
        body_md=post.body,
        import_key=post.key,
        published_at=post.published_at,
        tags=post.tags,
    )
    return await create_story(conn, draft)


async def _new_page_thread(conn: Conn, thread: Any) -> int:
    """A thread of a comment system (Disqus, Isso, Remark42, Commento) was the discussion
    under another site's page: it becomes that page's embedded thread (or a titled story
    when its address is not a page address)."""
    page_url = urls.page_url(thread.link)
    if page_url is None:
        return await create_story(
            conn, StoryDraft(title=thread.title[:300], body_md="", import_key=thread.key)
        )
    return await embed_service.store_page_thread(
        conn, page_url, thread.title, import_key=thread.key
    )


def _streamed(
    read: Callable[[IO[bytes], Any], Iterable[Any]],
) -> Callable[[Path, Any], Iterator[Any]]:
    """A reader of an open file as a reader of a path (gzip or not: open_archive)."""

    def reading(path: Path, skipped: Any) -> Iterator[Any]:
        with open_archive(path) as source:
            yield from read(source, skipped)

    return reading


@dataclass(slots=True)
class _Written:
    """What a running import has committed so far: what undoing it would remove."""

    stories: list[int] = field(default_factory=list)
    comments: dict[int, list[int]] = field(default_factory=dict)  # by story it joined


async def _each(items: Iterable[Any], per_hop: int = 16) -> AsyncIterator[Any]:
    """The archive's items, parsed in a worker thread a few at a time: a serving instance
    (the admin upload) keeps answering readers while a large file is read."""
    iterator = iter(items)
    while batch := await asyncio.to_thread(lambda: list(itertools.islice(iterator, per_hop))):
        for item in batch:
            yield item


async def _import(
    db: Database,
    path: Path,
    read: Callable[[Path, Any], Iterable[Any]],
    skipped_kind: Callable[[], Any],
    make: Callable[[Conn, Any], Awaitable[int]],
    *,
    dry_run: bool,
    progress: Progress | None,
) -> ArchiveSummary:
    """Check the whole archive first, then store it in short transactions (a large import
    never holds the write lock for long); if storing fails part-way, what it stored is
    taken back, so a file refused anywhere stores nothing. Importing the same file again
    adds nothing."""
    summary = ArchiveSummary(dry_run=dry_run)
    skipped = skipped_kind()
    try:
        async for item in _each(read(path, skipped)):
            summary.stories_found += 1
            summary.comments_found += len(item.comments)
            if progress:
                progress(CHECKING, len(item.comments))
    except OSError as exc:
        raise ImportRefused(f"{path} cannot be read: {exc.strerror or exc}") from None
    except (ValueError, EOFError) as exc:  # each format's Refused, ArchiveTooLarge, bad gzip
        raise ImportRefused(str(exc)) from None
    summary.skipped = skipped.as_dict()
    if dry_run:
        return summary
    written = _Written()
    try:
        async for item in _each(read(path, skipped_kind())):
            async with db.transaction() as conn:
                story_id = await _existing(conn, item)
                if story_id is None:
                    story_id = await make(conn, item)
                    written.stories.append(story_id)
                    summary.stories_created += 1
                else:
                    summary.stories_attached += 1
            joined = written.comments.setdefault(story_id, [])

            def stored(ids: list[int], joined: list[int] = joined) -> None:
                joined.extend(ids)
                if progress:
                    progress(STORING, len(ids))

            added, moved = await import_archive(
                db.transaction, story_id, item.comments, stored=stored
            )
            summary.comments_added += added
            summary.replies_moved_up += moved
            if progress and len(item.comments) > added:  # those an earlier import stored
                progress(STORING, len(item.comments) - added)
    except BaseException:
        await _undo(db, written)
        raise
    return summary


async def _undo(db: Database, written: _Written) -> None:
    """Take back a failed import: the stories it made (with their comments) and the
    comments it added to stories that were there before, in short transactions."""
    made = set(written.stories)
    for story_id in written.stories:
        async with db.transaction() as conn:
            await editor_store.delete_story(conn, story_id)
    for story_id, ids in written.comments.items():
        if story_id in made:
            continue
        # Newest first: a reply is stored after its parent, and deleting a parent first
        # would take its replies (by cascade) without their counters.
        newest = ids[::-1]
        for start in range(0, len(newest), IMPORT_BATCH):
            async with db.transaction() as conn:
                await comment_store.remove_imported(
                    conn, story_id, newest[start : start + IMPORT_BATCH]
                )


async def import_wxr(
    db: Database, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ArchiveSummary:
    """Import a WordPress export: posts and pages become stories (or bring their comments
    to the story already at their address)."""
    return await _import(
        db,
        path,
        _streamed(wxr.posts),
        wxr.Skipped,
        _new_wxr_story,
        dry_run=dry_run,
        progress=progress,
    )


async def import_disqus(
    db: Database, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ArchiveSummary:
    """Import a Disqus export (gzipped or not): each thread becomes its page's discussion."""
    return await _import(
        db,
        path,
        _streamed(disqus.threads),
        disqus.Skipped,
        _new_page_thread,
        dry_run=dry_run,
        progress=progress,
    )


async def import_isso(
    db: Database,
    path: Path,
    *,
    site: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ArchiveSummary:
    """Import an Isso database file: with ``site`` (the origin Isso served), each thread
    becomes that page's embedded discussion."""
    return await _import(
        db,
        path,
        lambda where, skipped: isso.threads(where, skipped, site),
        isso.Skipped,
        _new_page_thread,
        dry_run=dry_run,
        progress=progress,
    )


async def import_remark42(
    db: Database, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ArchiveSummary:
    """Import a Remark42 backup: each page's comments become its embedded discussion."""
    return await _import(
        db,
        path,
        jsonarchives.remark42,
        jsonarchives.Skipped,
        _new_page_thread,
        dry_run=dry_run,
        progress=progress,
    )


async def import_commento(
    db: Database, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ArchiveSummary:
    """Import a Commento export (version 1): each page's comments become its embedded
    discussion."""
    return await _import(
        db,
        path,
        jsonarchives.commento,
        jsonarchives.Skipped,
        _new_page_thread,
        dry_run=dry_run,
        progress=progress,
    )


# The import each archive kind runs (``tribune import KIND``, the upload page).
ARCHIVE_IMPORTS: dict[str, Callable[..., Awaitable[ArchiveSummary]]] = {
    "wxr": import_wxr,
    "disqus": import_disqus,
    "isso": import_isso,
    "remark42": import_remark42,
    "commento": import_commento,
}
