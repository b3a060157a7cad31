"""What a story is: publishing rules, slugs, #hashtags to tags, and the reads pages need."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from tribune import cursor as cursors
from tribune.exceptions import Invalid
from tribune.markdown import render_story, tag_slug
from tribune.storage import bylines, listings, raw
from tribune.storage import editor as editor_store
from tribune.storage import moderation as settings_store
from tribune.storage import stories as store
from tribune.storage.engine import Conn, Database
from tribune.stories import images
from tribune.vocabulary import StoryStatus

SLUG_MAX = 80
TITLE_MAX = 300
SITE_ID = "site_id"  # the site_settings key of the site's own identity
StoryCursor = store.StoryCursor  # a listing's keyset: (published_at, id) of a page's last story


@dataclass(slots=True)
class PromoLink:
    text: str
    url: str


@dataclass(slots=True)
class StoryDraft:
    """A story as an editor or an importer hands it over, before it is stored."""

    title: str
    body_md: str
    lead: str = ""
    source_url: str | None = None
    video_url: str | None = None
    promo_links: list[PromoLink] = field(default_factory=list)
    about: str = ""
    import_key: str | None = None
    published_at: datetime | None = None
    tags: list[str] = field(default_factory=list)  # besides the body's #hashtags


def slugify(title: str) -> str:
    """A readable URL slug: 'Turkey’s Syria op – Putin' → 'turkeys-syria-op-putin'."""
    text = unicodedata.normalize("NFKD", title.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’‘`]", "", text)
    text = re.sub(r"[^\w]+|_", "-", text).strip("-")
    if len(text) > SLUG_MAX:
        text = text[:SLUG_MAX].rsplit("-", 1)[0]
    return text or "story"


async def unique_slug(conn: Conn, title: str) -> str:
    """A slug made from the title that no story has yet."""
    base = slugify(title)
    slug, n = base, 1
    while await store.slug_taken(conn, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def tags_from(hashtags: list[str]) -> list[tuple[str, str]]:
    """Distinct (slug, display name) pairs in order of first mention."""
    seen: dict[str, str] = {}
    for name in hashtags:
        seen.setdefault(tag_slug(name), name)
    return list(seen.items())


async def create_story(conn: Conn, draft: StoryDraft) -> int:
    """Store a new published story inside the caller's transaction; returns its id."""
    body_html, hashtags = render_story(draft.body_md)
    now = datetime.now(UTC)
    slug = await unique_slug(conn, draft.title)
    story_id = await store.insert_story(
        conn,
        {
            "slug": slug,
            "title": draft.title,
            "lead": draft.lead,
            "body_md": draft.body_md,
            "body_html": body_html,
            "source_url": draft.source_url,
            "video_url": draft.video_url,
            "promo_links": [{"text": p.text, "url": p.url} for p in draft.promo_links],
            "about": draft.about,
            "status": StoryStatus.published,
            "published_at": draft.published_at or now,
            "updated_at": now,
            "import_key": draft.import_key,
            "revision": 1,
        },
    )
    await store.tag_story(conn, story_id, tags_from([*draft.tags, *hashtags]))
    # Its first revision, as the editor keeps every save (editor.Content's fields).
    content = {
        "title": draft.title,
        "slug": slug,
        "lead": draft.lead,
        "body": draft.body_md,
        "source_url": draft.source_url or "",
        "video_url": draft.video_url or "",
    }
    await editor_store.add_revision(
        conn,
        {
            "story_id": story_id,
            "number": 1,
            "saved_at": now,
            "actor": "Import",
            "note": "Imported",
            "content": content,
        },
    )
    return story_id


async def publish(db: Database, draft: StoryDraft) -> int:
    async with db.transaction() as conn:
        return await create_story(conn, draft)


# Reads -------------------------------------------------------------------------------------


async def listed(conn: Conn, rows: Sequence[RowMapping]) -> list[dict[str, Any]]:
    """Stories as pages and the API show them: each with its tags and its byline."""
    ids = [row["id"] for row in rows]
    tags = await store.tags_of(conn, ids)
    authors = await bylines.authors_of(conn, ids)
    views = await images.views_in(conn, {row["lead_image_id"] for row in rows} - {None})
    return [
        {
            **row,
            "tags": [{"slug": t["slug"], "name": t["name"]} for t in tags[row["id"]]],
            "authors": [{"name": a["name"], "slug": a["slug"]} for a in authors[row["id"]]],
            "image": _image(views, row),
        }
        for row in rows
    ]


def _image(views: dict[int, images.ImageView], row: Any) -> dict[str, Any] | None:
    view = views.get(row["lead_image_id"])
    return None if view is None else images.image_context(view, row["lead_image_alt"])


async def _one(
    db: Database, find: Callable[[Conn], Awaitable[RowMapping | None]]
) -> dict[str, Any] | None:
    async with db.read() as conn:
        row = await find(conn)
        if row is None:
            return None
        return (await listed(conn, [row]))[0]


def _possible_slug(slug: str) -> bool:
    # PostgreSQL refuses NUL in text parameters; no slug or tag holds a control character.
    return 0 < len(slug) <= SLUG_MAX * 2 and not any(ord(c) < 32 or c == "\x7f" for c in slug)


async def story_by_slug(db: Database, slug: str) -> dict[str, Any] | None:
    """The published story at /stories/{slug}, with its tags and byline."""
    if not _possible_slug(slug):
        return None
    return await _one(db, lambda conn: store.story_by_slug(conn, slug))


async def moved_to(db: Database, slug: str) -> str | None:
    """The current slug of the published story that used to live at ``slug``."""
    if not _possible_slug(slug):
        return None
    async with db.read() as conn:
        return await editor_store.redirect_target(conn, slug)


async def story_by_id(db: Database, story_id: int) -> dict[str, Any] | None:
    """The published story with this id, with its tags and byline."""
    return await _one(db, lambda conn: store.story_by_id(conn, story_id))


async def recent(
    db: Database, after: store.StoryCursor | None, limit: int
) -> tuple[list[dict[str, Any]], store.StoryCursor | None]:
    """A page of published stories, newest first, and the cursor of the next page."""
    async with db.read() as conn:
        rows = list(await store.recent_stories(conn, after, limit + 1))
        page = await listed(conn, rows[:limit])
    following = (page[-1]["published_at"], page[-1]["id"]) if len(rows) > limit else None
    return page, following


async def for_staff(db: Database, limit: int) -> list[dict[str, Any]]:
    """The newest published stories with their comment settings, for the staff pages."""
    async with db.read() as conn:
        return [dict(row) for row in await store.stories_for_staff(conn, limit)]


async def tagged(
    db: Database, slug: str, after: store.StoryCursor | None, limit: int
) -> tuple[dict[str, Any], list[dict[str, Any]], store.StoryCursor | None] | None:
    """The tag named by a slug (any case) and a page of its stories; None if unknown, or
    if no published story carries it."""
    if not _possible_slug(slug):
        return None
    async with db.read() as conn:
        tag = await store.tag_in_use(conn, tag_slug(slug))
        if tag is None:
            return None
        rows = list(await store.stories_with_tag(conn, tag["id"], after, limit + 1))
        page = await listed(conn, rows[:limit])
    following = (page[-1]["published_at"], page[-1]["id"]) if len(rows) > limit else None
    return dict(tag), page, following


async def tag_id(db: Database, slug: str) -> int | None:
    """The id of the tag at /tags/{slug} (any case), if a published story carries it."""
    if not _possible_slug(slug):
        return None
    async with db.read() as conn:
        tag = await store.tag_in_use(conn, tag_slug(slug))
    return None if tag is None else int(tag["id"])


async def author_id(db: Database, slug: str) -> int | None:
    """The staff id of the author at /authors/{slug} (any case), if they have a page."""
    if not _possible_slug(slug):
        return None
    async with db.read() as conn:
        author = await bylines.author_by_slug(conn, slug)
    return None if author is None else int(author["id"])


async def by_author(
    db: Database, slug: str, after: store.StoryCursor | None, limit: int
) -> tuple[dict[str, Any], list[dict[str, Any]], store.StoryCursor | None] | None:
    """The author at /authors/{slug} (any case) and a page of their published stories; None
    for an unknown slug, or a staff member without a published story (no page to show)."""
    if not _possible_slug(slug):
        return None
    async with db.read() as conn:
        author = await bylines.author_by_slug(conn, slug)
        if author is None:
            return None
        rows = list(await bylines.stories_by_author(conn, author["id"], after, limit + 1))
        page = await listed(conn, rows[:limit])
    following = (page[-1]["published_at"], page[-1]["id"]) if len(rows) > limit else None
    return dict(author), page, following


async def listing_version(
    db: Database, limit: int, *, tag_id: int | None = None, author_id: int | None = None
) -> listings.Rows:
    """What the first ``limit`` stories of a listing (all, a tag's or an author's) are made
    from: a page kept for it is current while this is the same (storage/listings.py)."""
    if tag_id is not None:
        return await listings.story_versions(db, limit, "tag", tag_id)
    if author_id is not None:
        return await listings.story_versions(db, limit, "author", author_id)
    return await listings.story_versions(db, limit)


async def previous_page(
    db: Database,
    after: store.StoryCursor,
    shown: list[dict[str, Any]],
    limit: int,
    *,
    tag_id: int | None = None,
    author_id: int | None = None,
) -> store.StoryCursor | None:
    """The cursor of the page before a listing's page (of all stories, a tag's or an
    author's) reached with ``after``; None when that page is the first."""
    before = (shown[0]["published_at"], shown[0]["id"]) if shown else after
    async with db.read() as conn:
        if tag_id is not None:
            return await store.tagged_before(conn, tag_id, before, limit)
        if author_id is not None:
            return await bylines.authored_before(conn, author_id, before, limit)
        return await store.recent_before(conn, before, limit)


def encode_cursor(after: store.StoryCursor | None) -> str | None:
    return None if after is None else cursors.encode([after[0], after[1]])


def decode_cursor(cursor: str | None) -> store.StoryCursor | None:
    """The (published_at, id) keyset in a stories cursor; raises Invalid if it is not one."""
    if not cursor:
        return None
    value = cursors.decode(cursor)
    if value is not None and len(value) == 2 and isinstance(value[0], str):
        published_at, story_id = _time(value[0]), value[1]
        if published_at is not None and type(story_id) is int:
            return published_at, story_id
    raise Invalid(
        "The cursor is not valid",
        {"cursor": "Cursor is malformed; pass next_cursor back as given"},
    )


def _time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


async def comment_counts(db: Database, story_ids: list[int]) -> dict[int, int]:
    """Visible comment counts of published stories; unknown ids are left out. Read on the
    raw path: every front page and embed asks."""
    return await raw.comment_counts(db, story_ids)


async def has_stories(db: Database) -> bool:
    """Whether the database holds any story at all (drafts included)."""
    async with db.read() as conn:
        return await store.story_exists(conn)


async def is_published(db: Database, story_id: int) -> bool:
    """Whether there is a published story with this id (read on the raw path)."""
    return await raw.thread_meta(db, story_id) is not None


async def recent_for_feed(db: Database, limit: int) -> list[dict[str, Any]]:
    """The newest published stories with their text and byline, for the site feed."""
    async with db.read() as conn:
        return await listed(conn, await store.recent_for_feed(conn, limit))


async def site_id(db: Database) -> uuid.UUID:
    """The site's own identity, made once and kept in the database, so that every worker and
    every instance agrees on it and a new base URL or host name changes nothing (what Atom
    entry ids are made from)."""
    async with db.read() as conn:
        found = await settings_store.setting(conn, SITE_ID)
    if found is None:
        made = str(uuid.uuid4())
        try:
            async with db.transaction() as conn:
                await settings_store.add_setting(conn, SITE_ID, made, datetime.now(UTC))
        except IntegrityError:
            pass  # another worker made it first: theirs stands
        async with db.read() as conn:
            found = await settings_store.setting(conn, SITE_ID)
    return uuid.UUID(str(found))
