"""Reading a discussion: keyset pages of top-level comments with their replies nested.

Nesting stops at the display depth: a deeper reply is shown at that depth, beside its parent,
with ``in_reply_to`` naming whom it answers. Trees are built with loops over replies in
posting order (a parent is always posted before its replies), so a chain of 10,000 replies
costs no recursion anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import RowMapping

from tribune import cursor as cursors
from tribune import public
from tribune.comments.cache import Encoded, ThreadKey, VersionedLRU
from tribune.exceptions import Invalid, NotFound
from tribune.jsonformat import dumps
from tribune.storage import comments as store
from tribune.storage import raw
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import VISIBLE, Sort

# The defaults of every thread read: the API route, the fast lane and the pages use these.
DEFAULT_SORT = Sort.oldest
PAGE_SIZE = 50
LIMIT_MAX = cursors.LIMIT_MAX
DEFAULT_DEPTH = 3
BAD_PARAMETERS = "The request has invalid parameters"
_SORTS = {sort.value: sort for sort in Sort}


@dataclass(frozen=True, slots=True)
class ThreadQuery:
    """What a reader asks of a thread: the order, where the page starts, and how many
    top-level comments it holds."""

    sort: Sort = DEFAULT_SORT
    cursor: str | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def parse(
        cls, sort: str | None = None, cursor: str | None = None, limit: int | None = None
    ) -> ThreadQuery:
        """The query from its parameters (None: the default); raises Invalid naming each bad
        one. The cursor is checked against the sort when the page is read. (Runs on every
        read the fast lane answers: one lookup per parameter.)"""
        order = DEFAULT_SORT if sort is None else _SORTS.get(sort)
        size = PAGE_SIZE if limit is None else limit
        if order is None or not 1 <= size <= LIMIT_MAX:
            errors: dict[str, str] = {}
            if order is None:
                errors["sort"] = f"Sort must be one of {', '.join(Sort)}"
            if not 1 <= size <= LIMIT_MAX:
                errors["limit"] = f"Limit must be between 1 and {LIMIT_MAX}"
            raise Invalid(BAD_PARAMETERS, errors)
        return cls(order, cursor or None, size)

    def key(self, story_id: int, depth: int) -> ThreadKey:
        return (story_id, self.sort, self.cursor, self.limit, depth)

    def after(self) -> list[Any] | None:
        """The keyset values in the cursor (None: the first page); raises Invalid for a
        cursor that is not one of this sort's."""
        return None if self.cursor is None else decode_cursor(self.sort, self.cursor)


@dataclass(slots=True)
class Shown:
    """A comment as the page shows it: its public fields plus where it sits."""

    comment: dict[str, Any]
    depth: int
    in_reply_to: dict[str, Any] | None = None


def nest(
    roots: list[RowMapping], replies: list[RowMapping], max_depth: int = DEFAULT_DEPTH
) -> tuple[list[dict[str, Any]], dict[int, Shown]]:
    """Top-level comments with their replies nested under them (the API shape), and every
    shown comment by id with its display depth (for pages)."""
    shown: dict[int, Shown] = {}
    top: list[dict[str, Any]] = []
    for row in roots:
        node = public.comment(row)
        shown[row["id"]] = Shown(node, 0)
        top.append(node)
    # A comment shown at the last depth passes its replies to the comment holding it, so they
    # show beside it: holder_of[id] is that comment.
    holder_of: dict[int, Shown] = {}
    for row in replies:
        parent = shown.get(row["parent_id"])
        if parent is None:
            continue  # its parent is not visible; nor, then, is this branch
        node = public.comment(row)
        if parent.depth < max_depth:
            entry = Shown(node, parent.depth + 1)
            holder = parent
        else:
            entry = Shown(
                node, max_depth, {"id": parent.comment["id"], "name": parent.comment["name"]}
            )
            holder = holder_of[parent.comment["id"]]
        holder.comment["replies"].append(node)
        shown[row["id"]] = entry
        if entry.depth == max_depth:
            holder_of[row["id"]] = holder
    return top, shown


def encode_cursor(sort: Sort, row: RowMapping | dict[str, Any]) -> str:
    keys, _ = store.SORT_KEYS[sort]
    return cursors.encode([sort.value, *(row[key.name] for key in keys)])


def decode_cursor(sort: Sort, cursor: str) -> list[Any]:
    """The keyset values in a cursor made by encode_cursor for the same sort order."""
    value = cursors.decode(cursor)
    if value is None:
        raise Invalid(
            BAD_PARAMETERS, {"cursor": "Cursor is malformed; pass next_cursor back as given"}
        )
    if (
        len(value) != len(store.SORT_KEYS[sort][0]) + 1
        or value[0] != sort
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
    ):
        raise Invalid(BAD_PARAMETERS, {"cursor": f"Cursor does not belong to sort order '{sort}'"})
    return value[1:]


@dataclass(slots=True)
class ThreadPage:
    comments: list[dict[str, Any]]
    shown: dict[int, Shown]
    next_cursor: str | None
    total: int
    featured: list[dict[str, Any]]


async def thread_page(
    db: Database, story: dict[str, Any], query: ThreadQuery, *, max_depth: int = DEFAULT_DEPTH
) -> ThreadPage:
    """One page of a story's discussion: top-level comments with their replies, the next
    page's cursor, and the story's visible comment count."""
    after = query.after()
    async with db.read() as conn:
        top, shown, following = await _read_page(conn, story["id"], query, after, max_depth)
        featured = await _featured(conn, story["id"]) if after is None else []
    return ThreadPage(top, shown, following, story["comment_count"], featured)


async def _featured(conn: Conn, story_id: int) -> list[dict[str, Any]]:
    # Highlighted above the first page of every sort order.
    return [public.comment(row) for row in await store.featured_of(conn, story_id)]


async def _read_page(
    conn: Conn, story_id: int, query: ThreadQuery, after: list[Any] | None, max_depth: int
) -> tuple[list[dict[str, Any]], dict[int, Shown], str | None]:
    """Top-level comments with replies nested, everything shown, and the next cursor."""
    rows = list(await store.top_level_page(conn, story_id, query.sort, after, query.limit + 1))
    page = rows[: query.limit]
    replies = await store.replies_of(conn, [row["id"] for row in page])
    top, shown = nest(page, replies, max_depth)
    more = len(rows) > query.limit
    return top, shown, encode_cursor(query.sort, page[-1]) if more else None


async def version(db: Database, story_id: int) -> tuple[int, int] | None:
    """The published story's thread (version, visible comment count), read the quickest
    way (storage/raw.py); None if there is no such story."""
    return await raw.thread_meta(db, story_id)


async def cached_json(
    db: Database, cache: VersionedLRU[ThreadKey, Encoded], story_id: int, key: ThreadKey
) -> Encoded | None:
    """The encoded page for ``key`` if one was made for the thread's current version."""
    meta = await raw.thread_meta(db, story_id)
    return None if meta is None else cache.get(key, meta[0])


async def thread_json(
    db: Database,
    cache: VersionedLRU[ThreadKey, Encoded],
    story_id: int,
    query: ThreadQuery,
    *,
    max_depth: int = DEFAULT_DEPTH,
) -> Encoded:
    """A thread page as the API sends it, encoded once per thread version."""
    after = query.after()
    key = query.key(story_id, max_depth)
    meta = await raw.thread_meta(db, story_id)
    if meta is None:
        raise NotFound(f"There is no story {story_id}")
    if hit := cache.get(key, meta[0]):
        return hit
    async with db.read() as conn:
        # Read the version again inside the transaction that reads the page, so the page
        # holds at least what that version committed.
        meta = await story_store.thread_meta(conn, story_id)
        if meta is None:
            raise NotFound(f"There is no story {story_id}")
        top, _, following = await _read_page(conn, story_id, query, after, max_depth)
        featured = await _featured(conn, story_id) if after is None else []
    body = dumps(
        {"comments": top, "next_cursor": following, "total": meta[1], "featured": featured}
    )
    return cache.put(key, meta[0], Encoded(body))


async def _visible(conn: Conn, comment_id: int) -> tuple[RowMapping, RowMapping] | None:
    """A comment readers can see, with its published story; None otherwise."""
    row = await store.comment_by_id(conn, comment_id)
    if row is None or row["status"] not in VISIBLE:
        return None
    story = await story_store.story_by_id(conn, row["story_id"])
    return None if story is None else (row, story)


async def locate(db: Database, comment_id: int) -> tuple[str, str | None] | None:
    """Where a visible comment shows: its story's slug and the cursor of the oldest-first
    page that holds it (None for the first page). None if it is not visible anywhere."""
    async with db.read() as conn:
        found = await _visible(conn, comment_id)
        if found is None:
            return None
        row, story = found
        root = row if row["root_id"] is None else await store.comment_by_id(conn, row["root_id"])
        assert root is not None
        before = await store.top_level_before(conn, row["story_id"], root["number"])
        start = before - before % PAGE_SIZE
        if start == 0:
            return story["slug"], None
        previous = await store.top_level_at(conn, row["story_id"], start - 1)
    assert previous is not None
    return story["slug"], encode_cursor(DEFAULT_SORT, previous)


async def comment(db: Database, comment_id: int) -> dict[str, Any] | None:
    """A visible comment with its Markdown source and its story's slug, or None."""
    async with db.read() as conn:
        found = await _visible(conn, comment_id)
        if found is None:
            return None
        row, story = found
        source = await store.comment_source(conn, comment_id)
    return public.comment(row) | {
        "body_md": source,
        "story_slug": story["slug"],
        "story_title": story["title"],
        "created_at": row["created_at"],
    }


async def own_hidden(db: Database, story_id: int, comment_ids: list[int]) -> list[dict[str, Any]]:
    """The reader's own comments on the story that are held or rejected, for them alone."""
    if not comment_ids:
        return []
    async with db.read() as conn:
        rows = await store.hidden_among(conn, story_id, comment_ids)
    return [
        public.comment(row) | {"reasons": [v["reason"] for v in row["verdicts"] or []]}
        for row in rows
    ]


async def votes_of(
    db: Database, comment_ids: list[int], voter_id: str | None, client_hash: str | None
) -> dict[int, int]:
    """The reader's votes among these comments."""
    async with db.read() as conn:
        return await store.votes_by(conn, comment_ids, voter_id, client_hash)


async def recent(db: Database, limit: int) -> list[dict[str, Any]]:
    """The newest approved comments on published stories, site-wide, each with its story's
    slug and title (the comments feed)."""
    async with db.read() as conn:
        return [dict(row) for row in await store.recent_comments(conn, limit)]


async def newest_of_story(db: Database, story_id: int, limit: int) -> list[dict[str, Any]]:
    """A story's newest approved comments (its comments feed)."""
    async with db.read() as conn:
        return [dict(row) for row in await store.newest_of_story(conn, story_id, limit)]
