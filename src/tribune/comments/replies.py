"""Pages of one top-level comment's replies, in thread order, continuing where the thread
page (which shows at most REPLIES_SHOWN of them) left off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import RowMapping

from tribune import public
from tribune.comments import threads
from tribune.comments.cache import Encoded, ThreadKey, VersionedLRU
from tribune.comments.threads import (
    BAD_PARAMETERS,
    DEFAULT_DEPTH,
    LIMIT_MAX,
    PAGE_SIZE,
    Position,
    Shown,
    decode_replies_cursor,
    encode_replies_cursor,
    first_of,
    thread_order,
)
from tribune.exceptions import Invalid, NotFound
from tribune.jsonformat import dumps
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Conn, Database


@dataclass(frozen=True, slots=True)
class RepliesQuery:
    """What a reader asks of a top-level comment's replies: where the page starts and how many
    replies it holds. They come in thread order; there is no other sort."""

    cursor: str | None = None
    limit: int = PAGE_SIZE

    @classmethod
    def parse(cls, cursor: str | None = None, limit: int | None = None) -> RepliesQuery:
        size = PAGE_SIZE if limit is None else limit
        if not 1 <= size <= LIMIT_MAX:
            raise Invalid(BAD_PARAMETERS, {"limit": f"Limit must be between 1 and {LIMIT_MAX}"})
        return cls(cursor or None, size)

    def key(self, story_id: int, comment_id: int, depth: int) -> ThreadKey:
        return (story_id, comment_id, self.cursor, self.limit, depth)

    def after(self, comment_id: int, depth: int) -> Position:
        """The position of the last reply before the page (the empty position: none);
        raises Invalid for a cursor that is not one of this comment's replies."""
        return () if self.cursor is None else decode_replies_cursor(comment_id, self.cursor, depth)


@dataclass(slots=True)
class RepliesPage:
    """A page of a top-level comment's replies. ``comment`` is that comment with the page's
    replies as its ``replies``; those continuing the replies of a comment an earlier page
    showed come first, each with its Shown.under naming that comment."""

    story: dict[str, Any]
    comment: dict[str, Any]
    shown: dict[int, Shown]
    next_cursor: str | None
    total: int  # the comment's visible replies at every depth


async def _top_level(conn: Conn, comment_id: int) -> tuple[RowMapping, RowMapping]:
    found = await threads.visible(conn, comment_id, placeholder=True)
    if found is None:
        raise NotFound(f"There is no comment {comment_id}")
    if found[0]["root_id"] is not None:
        raise NotFound(
            f"Comment {comment_id} is a reply: its replies are among those of comment "
            f"{found[0]['root_id']}"
        )
    return found


async def _read_replies(
    conn: Conn,
    root: RowMapping,
    story: RowMapping,
    after: Position,
    limit: int,
    max_depth: int,
) -> RepliesPage:
    root_id = root["id"]
    steps = thread_order(await store.outline_of(conn, [root_id]), (root_id,), max_depth)[root_id]
    later = [step for step in steps if step[0] > after] if after else steps
    picked = first_of(later, limit + 1)
    page = picked[:limit]
    holders = {position[:-1] for position, _ in page}
    holder_at = {position: reply_id for position, reply_id in steps if position in holders}
    rows = {row["id"]: row for row in await store.comments_by_ids(conn, [i for _, i in page])}
    parents = {row["parent_id"] for row in rows.values()} - rows.keys() - {root_id}
    rows |= {row["id"]: row for row in await store.comments_by_ids(conn, parents)}
    top_node = public.shown(root)
    shown: dict[int, Shown] = {root_id: Shown(top_node, 0)}

    def named(comment_id: int) -> dict[str, Any]:
        if (known := shown.get(comment_id)) is not None:
            return {"id": comment_id, "name": known.comment["name"]}
        row = rows.get(comment_id)
        return {"id": comment_id, "name": None if row is None else public.shown(row)["name"]}

    for position, reply_id in page:
        row = rows.get(reply_id)
        if row is None:
            continue  # gone since the outline was read (read committed on PostgreSQL)
        node = public.shown(row)
        entry = Shown(node, len(position))
        holder = holder_at[position[:-1]] if len(position) > 1 else root_id
        if row["parent_id"] != holder:  # at the display depth, beside its parent
            entry.in_reply_to = named(row["parent_id"])
        if holder != root_id and holder in shown:
            shown[holder].comment["replies"].append(node)
        else:
            entry.under = holder
            if entry.in_reply_to is None and holder != root_id:
                # Its parent is on an earlier page: say whom it answers.
                entry.in_reply_to, entry.context = named(holder), True
            top_node["replies"].append(node)
        shown[row["id"]] = entry
    following = None
    if len(picked) > limit:
        following = encode_replies_cursor(root_id, page[-1][0])
        top_node |= {"more_replies": len(later) - limit, "replies_cursor": following}
    return RepliesPage(dict(story), top_node, shown, following, len(steps))


async def replies_page(
    db: Database, comment_id: int, query: RepliesQuery, *, max_depth: int = DEFAULT_DEPTH
) -> RepliesPage:
    """A page of a top-level comment's replies in thread order (raises NotFound unless the
    comment is a visible top-level one)."""
    after = query.after(comment_id, max_depth)
    async with db.read() as conn:
        root, story = await _top_level(conn, comment_id)
        return await _read_replies(conn, root, story, after, query.limit, max_depth)


async def replies_json(
    db: Database,
    cache: VersionedLRU[ThreadKey, Encoded],
    comment_id: int,
    query: RepliesQuery,
    *,
    max_depth: int = DEFAULT_DEPTH,
) -> Encoded:
    """A page of a top-level comment's replies as the API sends it, encoded once per thread
    version."""
    after = query.after(comment_id, max_depth)
    async with db.read() as conn:
        root, story = await _top_level(conn, comment_id)
        meta = await story_store.thread_meta(conn, story["id"])
        if meta is None:
            raise NotFound(f"There is no comment {comment_id}")
        key = query.key(story["id"], comment_id, max_depth)
        if hit := cache.get(key, meta[0]):
            return hit
        page = await _read_replies(conn, root, story, after, query.limit, max_depth)
    body = dumps(
        {"comments": page.comment["replies"], "next_cursor": page.next_cursor, "total": page.total}
    )
    return cache.put(key, meta[0], Encoded(body))


async def find_reply(
    db: Database, comment_id: int, reply_id: int, *, max_depth: int = DEFAULT_DEPTH
) -> threads.Place:
    """Where a reply under a top-level comment shows: on the story page among the first
    REPLIES_SHOWN, or on the page of replies that "Show more replies" links lead to from
    there. A reply no longer there (deleted, hidden) leads to the top-level comment."""
    async with db.read() as conn:
        root, story = await _top_level(conn, comment_id)
        replies = await store.outline_of(conn, [comment_id])
        steps = sorted(thread_order(replies, (comment_id,), max_depth)[comment_id])
        index = next((i for i, (_, found) in enumerate(steps) if found == reply_id), None)
        first = min(threads.REPLIES_SHOWN, len(steps))
        if index is None or index < first:
            return await threads.story_place(conn, story, root)
    start = index - (index - first) % PAGE_SIZE
    return threads.Place(
        story["slug"], encode_replies_cursor(comment_id, steps[start - 1][0]), comment_id
    )
