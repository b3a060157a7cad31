"""Reading a discussion: keyset pages of top-level comments with their replies nested.

Nesting stops at the display depth: a deeper reply is shown at that depth, beside its parent,
with ``in_reply_to`` naming whom it answers. Trees are built with loops over replies in
posting order (a parent is always posted before its replies), so a chain of 10,000 replies
costs no recursion anywhere.

A held or rejected comment still holding replies readers see shows as a placeholder (public
``hidden``), as a deleted one does: hiding a comment never hides other readers' replies, and
every approved comment of a story is somewhere on its pages (so the count is what is shown).

A page holds at most REPLIES_SHOWN replies under each top-level comment, in thread order, and
at most COMMENTS_MAX comments in all; the rest of a comment's replies come in pages of their
own (replies_page), continuing the thread order where the page left off.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import RowMapping

from tribune import cursor as cursors
from tribune import public
from tribune.comments.cache import Encoded, ThreadKey, VersionedLRU
from tribune.exceptions import Invalid, NotFound
from tribune.jsonformat import dumps
from tribune.storage import comments as store
from tribune.storage import listings, raw
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import VISIBLE, CommentStatus, Sort

# The defaults of every thread read: the API route, the fast lane and the pages use these.
DEFAULT_SORT = Sort.oldest
PAGE_SIZE = 50
LIMIT_MAX = cursors.LIMIT_MAX
DEFAULT_DEPTH = 3
# Finding E35: 3,219 replies under one comment made one 4.1 MB page. Ten replies keep a busy
# conversation readable under its comment (Facebook shows one or two, Reddit a screenful) and
# make the fullest story page 50 × (1 + 10) = 550 comments, about 700 kB; the others are a
# "Show N more replies" away.
REPLIES_SHOWN = 10
# The most comments any page holds: the API's limit=100 alone would allow 1,100.
COMMENTS_MAX = 1_000
# Story pages are never cut short by COMMENTS_MAX, so locate() needs only REPLIES_SHOWN.
assert PAGE_SIZE * (1 + REPLIES_SHOWN) <= COMMENTS_MAX
BAD_PARAMETERS = "The request has invalid parameters"
REPLIES_CURSOR = "tree"  # the first value of a replies page's cursor
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
    # On a page of replies, a reply whose holder is on an earlier page: the holder's id (the
    # comment whose replies it continues), and whether in_reply_to is there only to say so.
    under: int | None = None
    context: bool = False


def nest(
    roots: list[RowMapping], replies: list[RowMapping], max_depth: int = DEFAULT_DEPTH
) -> tuple[list[dict[str, Any]], dict[int, Shown]]:
    """Top-level comments with their replies nested under them (the API shape), and every
    shown comment by id with its display depth (for pages)."""
    shown: dict[int, Shown] = {}
    top: list[dict[str, Any]] = []
    for row in roots:
        node = public.shown(row)
        shown[row["id"]] = Shown(node, 0)
        top.append(node)
    # A comment shown at the last depth passes its replies to the comment holding it, so they
    # show beside it: holder_of[id] is that comment.
    holder_of: dict[int, Shown] = {}
    for row in replies:
        parent = shown.get(row["parent_id"])
        if parent is None:
            continue  # its parent is not shown; nor, then, is this branch
        node = public.shown(row)
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


Position = tuple[int, ...]
Step = tuple[Position, int]  # a reply's position and id
Outline = Iterable[Sequence[Any]]  # (id, parent_id, root_id, number, status) in posting order


def kept(rows: Sequence[Sequence[Any]]) -> set[int]:
    """The replies a thread shows, of an outline in posting order: the approved ones, and
    every other (deleted, held, rejected) still holding one of them below it, as a
    placeholder. One pass from the newest: a reply is always posted after its parent."""
    holding: set[int] = set()
    for reply_id, parent_id, _, _, status in reversed(rows):
        if status == CommentStatus.approved or reply_id in holding:
            holding.add(parent_id)
            holding.add(reply_id)
    return {row[0] for row in rows if row[0] in holding}


def shown_replies(rows: Sequence[RowMapping]) -> list[RowMapping]:
    """The replies of full rows in posting order that a thread shows (see kept)."""
    showing = kept([tuple(row[k] for k in OUTLINE) for row in rows])
    return [row for row in rows if row["id"] in showing]


OUTLINE = ("id", "parent_id", "root_id", "number", "status")


def thread_order(rows: Outline, root_ids: Collection[int], max_depth: int) -> dict[int, list[Step]]:
    """The replies shown under each of the top-level comments (see kept), each with its
    position: the numbers of the comments holding it, from depth 1 down, then its own.
    Sorted by position, replies come in the order nest() shows them: each under its parent,
    siblings oldest first, and at the display depth in posting order beside their parent."""
    rows = list(rows)
    showing = kept(rows)
    position_of: dict[int, Position] = dict.fromkeys(root_ids, ())
    found: dict[int, list[Step]] = {root: [] for root in root_ids}
    for reply_id, parent_id, root_id, number, _ in rows:
        above = position_of.get(parent_id)
        if above is None or reply_id not in showing:
            continue
        holding = above if len(above) < max_depth else above[: max_depth - 1]
        position = (*holding, number)
        position_of[reply_id] = position
        found[root_id].append((position, reply_id))
    return found


def outline(rows: Iterable[RowMapping]) -> Outline:
    """Full rows as thread_order reads them."""
    return (tuple(r[k] for k in OUTLINE) for r in rows)


def first_of(steps: list[Step], count: int) -> list[Step]:
    """The first ``count`` replies in thread order."""
    return heapq.nsmallest(count, steps, key=itemgetter(0))


def encode_replies_cursor(root_id: int, position: Position) -> str:
    """Where a page of a top-level comment's replies starts: after the reply at
    ``position`` (the empty position: from the first reply)."""
    return cursors.encode([REPLIES_CURSOR, root_id, *position])


def decode_replies_cursor(root_id: int, cursor: str, max_depth: int) -> Position:
    value = cursors.decode(cursor)
    if value is None:
        raise Invalid(
            BAD_PARAMETERS, {"cursor": "Cursor is malformed; pass next_cursor back as given"}
        )
    if (
        not 2 <= len(value) <= 2 + max_depth
        or value[0] != REPLIES_CURSOR
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
        or value[1] != root_id
    ):
        raise Invalid(BAD_PARAMETERS, {"cursor": "Cursor does not belong to these replies"})
    return tuple(value[2:])


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
    keys = store.SORT_KEYS[sort][0]
    if len(value) != len(keys) + 1 or value[0] != sort:
        raise Invalid(BAD_PARAMETERS, {"cursor": f"Cursor does not belong to sort order '{sort}'"})
    if not all(
        type(v) is int and store.fits(key, v) for v, key in zip(value[1:], keys, strict=True)
    ):
        raise Invalid(
            BAD_PARAMETERS, {"cursor": "Cursor is malformed; pass next_cursor back as given"}
        )
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
    """Top-level comments with replies nested, everything shown, and the next cursor. A
    top-level comment whose replies are cut carries ``more_replies`` (how many are left) and
    ``replies_cursor`` (where replies_page continues)."""
    rows = list(await store.top_level_page(conn, story_id, query.sort, after, query.limit + 1))
    page = rows[: query.limit]
    replies, cuts = await _replies_shown(conn, page, max_depth)
    top, shown = nest(page, replies, max_depth)
    for root_id, (left, last) in cuts.items():
        shown[root_id].comment |= {
            "more_replies": left,
            "replies_cursor": encode_replies_cursor(root_id, last),
        }
    more = len(rows) > query.limit
    return top, shown, encode_cursor(query.sort, page[-1]) if more else None


async def _replies_shown(
    conn: Conn, page: list[RowMapping], max_depth: int
) -> tuple[list[RowMapping], dict[int, tuple[int, Position]]]:
    """The replies a page shows (the first REPLIES_SHOWN under each top-level comment in
    thread order, COMMENTS_MAX comments in all), in posting order; and, for each comment
    whose replies are cut, how many are left and the position of the last one shown."""
    # The usual shape, a few replies each, is read whole in one query, as it always was. A
    # comment with many has its outline read instead, then only the rows the page shows.
    crowded = {row["id"] for row in page if row["descendant_count"] > REPLIES_SHOWN}
    replies = shown_replies(
        await store.replies_of(conn, [row["id"] for row in page if row["id"] not in crowded])
    )
    shown_at_most = Counter(row["root_id"] for row in replies)  # nest() may leave some out
    budget = COMMENTS_MAX - len(page)
    most = max(shown_at_most.values(), default=0)
    if not crowded and most <= REPLIES_SHOWN and len(replies) <= budget:
        return replies, {}  # nothing to cut
    outlines = thread_order(await store.outline_of(conn, crowded), crowded, max_depth)
    cuts: dict[int, tuple[int, Position]] = {}
    kept: set[int] = set()  # the replies shown under the few-replies comments that are cut
    wanted: list[int] = []  # the replies shown under crowded comments
    for row in page:
        root_id, allowed = row["id"], min(REPLIES_SHOWN, budget)
        if root_id not in crowded and shown_at_most[root_id] <= allowed:
            budget -= shown_at_most[root_id]
            continue
        if root_id in crowded:
            steps = outlines[root_id]
        else:  # placeholders, not in descendant_count, took it over
            mine = outline(reply for reply in replies if reply["root_id"] == root_id)
            steps = thread_order(mine, (root_id,), max_depth)[root_id]
        first = first_of(steps, allowed)
        budget -= len(first)
        if len(steps) > len(first):
            cuts[root_id] = (len(steps) - len(first), first[-1][0] if first else ())
        ids = [reply_id for _, reply_id in first]
        if root_id in crowded:
            wanted.extend(ids)
        else:
            kept.update(ids)
    cut_few = cuts.keys() - crowded
    if cut_few:
        replies = [r for r in replies if r["root_id"] not in cut_few or r["id"] in kept]
    if wanted:
        # Read committed on PostgreSQL: a reply hidden since the outline was read shows as a
        # placeholder (public.shown), never with its text.
        replies.extend(await store.comments_by_ids(conn, wanted))
    return replies, cuts


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


async def visible(
    conn: Conn, comment_id: int, *, placeholder: bool = False
) -> tuple[RowMapping, RowMapping] | None:
    """A comment readers can see, with its published story; None otherwise. With
    ``placeholder``, also a top-level comment readers see only as a placeholder (what a page
    of its replies continues)."""
    row = await store.comment_by_id(conn, comment_id)
    if row is None:
        return None
    holds_replies = placeholder and row["root_id"] is None and row["descendant_count"] > 0
    if row["status"] not in VISIBLE and not holds_replies:
        return None
    story = await story_store.story_by_id(conn, row["story_id"])
    return None if story is None else (row, story)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a comment shows: on its story's page (``after``: the cursor of the oldest-first
    page of top-level comments holding it; None for the first page), or with ``replies_of``
    on a page of that top-level comment's replies (``after``: that page's cursor)."""

    slug: str
    after: str | None = None
    replies_of: int | None = None


async def story_place(conn: Conn, story: RowMapping, root: RowMapping) -> Place:
    """The story page showing a top-level comment."""
    before = await store.top_level_before(conn, story["id"], root["number"])
    start = before - before % PAGE_SIZE
    if start == 0:
        return Place(story["slug"])
    previous = await store.top_level_at(conn, story["id"], start - 1)
    assert previous is not None
    return Place(story["slug"], encode_cursor(DEFAULT_SORT, previous))


async def locate(db: Database, comment_id: int, *, placeholder: bool = False) -> Place | None:
    """Where a visible comment shows (with ``placeholder``, also a top-level one shown as a
    placeholder); None if it is not visible anywhere. A reply among more than REPLIES_SHOWN
    may be on a page of its top-level comment's replies: its Place names that comment and no
    cursor, and find_reply, knowing the display depth, says where."""
    async with db.read() as conn:
        found = await visible(conn, comment_id, placeholder=placeholder)
        if found is None:
            return None
        row, story = found
        if row["root_id"] is None:
            return await story_place(conn, story, row)
        root = await store.comment_by_id(conn, row["root_id"])
        assert root is not None
        crowded = root["descendant_count"] > REPLIES_SHOWN
        if not crowded:  # placeholders are not in descendant_count
            replies = list(await store.outline_of(conn, [root["id"]]))
            crowded = len(kept(replies)) > REPLIES_SHOWN
        if crowded:
            return Place(story["slug"], replies_of=root["id"])
        return await story_place(conn, story, root)


async def comment(db: Database, comment_id: int) -> dict[str, Any] | None:
    """A visible comment with its Markdown source and its story's slug, or None."""
    async with db.read() as conn:
        found = await visible(conn, comment_id)
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


async def marks_of(
    db: Database, comment_ids: list[int], voter_id: str | None
) -> tuple[dict[int, int], set[int]]:
    """The reader's votes ({comment id: 1 or -1}) and reports among these comments, by
    their voter cookie alone: what their page marks."""
    if voter_id is None:
        return {}, set()
    return await raw.reader_marks(db, comment_ids, voter_id)


async def recent(db: Database, limit: int) -> list[dict[str, Any]]:
    """The newest approved comments on published stories, site-wide, each with its story's
    slug and title (the comments feed)."""
    async with db.read() as conn:
        return [dict(row) for row in await store.recent_comments(conn, limit)]


async def newest_of_story(db: Database, story_id: int, limit: int) -> list[dict[str, Any]]:
    """A story's newest approved comments (its comments feed)."""
    async with db.read() as conn:
        return [dict(row) for row in await store.newest_of_story(conn, story_id, limit)]


async def recent_version(db: Database, limit: int) -> listings.Rows:
    """What the newest ``limit`` comments site-wide (the comments feed) are made from: a
    feed kept for it is current while this is the same (storage/listings.py)."""
    return await listings.comment_versions(db, limit)
