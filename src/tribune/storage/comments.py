"""Comment queries: insert, thread pages (keyset per sort order), replies, counts, votes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.engine import Row, RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import comments, reports, stories, threads, votes
from tribune.vocabulary import CommentStatus, Sort, StoryStatus

PUBLIC_COLUMNS = [
    comments.c.id,
    comments.c.story_id,
    comments.c.parent_id,
    comments.c.root_id,
    comments.c.depth,
    comments.c.number,
    comments.c.name,
    comments.c.website,
    comments.c.avatar,
    comments.c.body_html,
    comments.c.status,
    comments.c.created_at,
    comments.c.edited_at,
    comments.c.score,
    comments.c.reply_count,
    comments.c.descendant_count,
    comments.c.featured,
]

# What a reader's download of their own comment holds besides (comments/editing.own_data).
OWN_DATA_COLUMNS = (comments.c.body_md, comments.c.email, comments.c.client_hash)

# What an edit needs besides: the text it replaces, the text a moderator last saw, and why
# the rules held it.
EDIT_COLUMNS = (comments.c.body_md, comments.c.previous_body_md, comments.c.verdicts)

# Each sort order is a keyset: the columns it orders by, all in one direction, so one index
# serves it read forwards or backwards.
SORT_KEYS: dict[Sort, tuple[list[Any], bool]] = {
    Sort.oldest: ([comments.c.number], False),
    Sort.newest: ([comments.c.number], True),
    Sort.top: ([comments.c.score, comments.c.id], True),
    Sort.replies: ([comments.c.descendant_count, comments.c.id], True),
}


INT32 = range(-(2**31), 2**31)
INT64 = range(-(2**63), 2**63)


def fits(column: Any, value: int) -> bool:
    """Whether a keyset value fits its column: numbers and scores are 32-bit on PostgreSQL,
    which refuses a wider parameter (DataError) where it could only have matched nothing."""
    return value in (INT64 if isinstance(column.type, BigInteger) else INT32)


_INSERT = insert(comments).returning(*PUBLIC_COLUMNS, sort_by_parameter_order=True)


async def insert_comments(conn: Conn, rows: list[dict[str, Any]]) -> list[RowMapping]:
    """Store comments (one statement, however many); returns them as readers may see them,
    in the order given."""
    return list((await conn.execute(_INSERT, rows)).mappings().all())


async def insert_many(conn: Conn, rows: list[dict[str, Any]]) -> None:
    """Insert many comments in one statement batch (importers, benchmarks)."""
    if rows:
        await conn.execute(insert(comments), rows)


async def comment_by_id(conn: Conn, comment_id: int) -> RowMapping | None:
    query = select(*PUBLIC_COLUMNS).where(comments.c.id == comment_id)
    return (await conn.execute(query)).mappings().first()


async def hidden_among(
    conn: Conn, story_id: int, comment_ids: Sequence[int]
) -> Sequence[RowMapping]:
    """Which of these comments of the story are held or rejected, with the rules' reasons."""
    query = (
        select(*PUBLIC_COLUMNS, comments.c.verdicts)
        .where(
            comments.c.id.in_(list(comment_ids)),
            comments.c.story_id == story_id,
            comments.c.status.in_((CommentStatus.pending, CommentStatus.rejected)),
        )
        .order_by(comments.c.id)
    )
    return (await conn.execute(query)).mappings().all()


_FOR_UPDATE = select(*PUBLIC_COLUMNS).where(comments.c.id == bindparam("comment")).with_for_update()


async def comment_for_update(conn: Conn, comment_id: int, *extra: Any) -> RowMapping | None:
    """The comment row (its public columns and any ``extra`` ones), locked for the rest of
    the transaction on PostgreSQL."""
    query = (
        select(*PUBLIC_COLUMNS, *extra)
        .where(comments.c.id == bindparam("comment"))
        .with_for_update()
        if extra
        else _FOR_UPDATE
    )
    return (await conn.execute(query, {"comment": comment_id})).mappings().first()


def _top_level_shown(story_id: int) -> list[Any]:
    """A story's top-level comments a thread shows: approved, or holding approved replies
    (a deleted, held or rejected one shows as a placeholder). A residual condition on the
    (story_id, depth, ...) indexes, as the status alone was."""
    return [
        comments.c.story_id == story_id,
        comments.c.depth == 0,
        or_(comments.c.status == CommentStatus.approved, comments.c.descendant_count > 0),
    ]


def top_level_query(story_id: int, sort: Sort, after: Sequence[Any] | None, limit: int) -> Any:
    """Visible top-level comments of a story after a keyset cursor, in a sort order."""
    keys, descending = SORT_KEYS[sort]
    query = select(*PUBLIC_COLUMNS).where(*_top_level_shown(story_id))
    if after is not None:
        left = tuple_(*keys) if len(keys) > 1 else keys[0]
        right = tuple_(*after) if len(keys) > 1 else after[0]
        query = query.where(left < right if descending else left > right)
    order = [key.desc() if descending else key.asc() for key in keys]
    return query.order_by(*order).limit(limit)


async def top_level_page(
    conn: Conn,
    story_id: int,
    sort: Sort,
    after: Sequence[Any] | None,
    limit: int,
) -> Sequence[RowMapping]:
    """One page of a story's visible top-level comments in the given sort order."""
    query = top_level_query(story_id, sort, after, limit)
    return (await conn.execute(query)).mappings().all()


def replies_query(root_ids: list[int]) -> Any:
    """Every reply under the given top-level comments, in posting order. Visibility is
    checked by the caller: a status condition here lures SQLite onto the status index."""
    return (
        select(*PUBLIC_COLUMNS).where(comments.c.root_id.in_(root_ids)).order_by(comments.c.number)
    )


async def replies_of(conn: Conn, root_ids: Iterable[int]) -> Sequence[RowMapping]:
    """Every reply under the given top-level comments, whatever its status, in posting
    order: which ones a thread shows, and how, is the caller's (comments/threads.py)."""
    ids = list(root_ids)
    if not ids:
        return []
    return (await conn.execute(replies_query(ids))).mappings().all()


def outline_query(root_ids: list[int]) -> Any:
    """Where every reply under the given top-level comments sits, without its text: enough
    to order a crowded thread and count it before reading the few rows a page shows."""
    return (
        select(
            comments.c.id,
            comments.c.parent_id,
            comments.c.root_id,
            comments.c.number,
            comments.c.status,
        )
        .where(comments.c.root_id.in_(root_ids))
        .order_by(comments.c.number)
    )


async def outline_of(conn: Conn, root_ids: Iterable[int]) -> Sequence[Row[Any]]:
    """(id, parent_id, root_id, number, status) of every reply under the given top-level
    comments, in posting order (visibility is the caller's to check, as in replies_of)."""
    ids = list(root_ids)
    if not ids:
        return []
    return (await conn.execute(outline_query(ids))).all()


async def comments_by_ids(conn: Conn, comment_ids: Iterable[int]) -> Sequence[RowMapping]:
    """These comments, in posting order."""
    ids = list(comment_ids)
    if not ids:
        return []
    query = select(*PUBLIC_COLUMNS).where(comments.c.id.in_(ids)).order_by(comments.c.number)
    return (await conn.execute(query)).mappings().all()


FEATURED_MAX = 5


async def featured_of(conn: Conn, story_id: int) -> Sequence[RowMapping]:
    """The story's featured comments (moderators' picks), oldest first."""
    query = (
        select(*PUBLIC_COLUMNS)
        .where(
            comments.c.story_id == story_id,
            comments.c.featured.is_(True),
            comments.c.status == CommentStatus.approved,
        )
        .order_by(comments.c.number)
        .limit(FEATURED_MAX)
    )
    return (await conn.execute(query)).mappings().all()


async def top_level_before(conn: Conn, story_id: int, number: int) -> int:
    """How many visible top-level comments of the story come before the given number."""
    query = select(func.count()).where(*_top_level_shown(story_id), comments.c.number < number)
    return int((await conn.execute(query)).scalar_one())


async def top_level_at(conn: Conn, story_id: int, index: int) -> RowMapping | None:
    """The visible top-level comment at a 0-based position in oldest-first order."""
    query = (
        select(*PUBLIC_COLUMNS)
        .where(*_top_level_shown(story_id))
        .order_by(comments.c.number)
        .offset(index)
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()


async def by_idempotency_key(
    conn: Conn, keyed: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], RowMapping]:
    """The comments already stored under these (story id, keyed Idempotency-Key) pairs."""
    found: dict[tuple[int, str], RowMapping] = {}
    for story_id in {story for story, _ in keyed}:
        wanted = [key for story, key in keyed if story == story_id]
        query = select(*PUBLIC_COLUMNS, comments.c.idempotency_key).where(
            comments.c.story_id == story_id, comments.c.idempotency_key.in_(wanted)
        )
        for row in (await conn.execute(query)).mappings():
            found[(story_id, row["idempotency_key"])] = row
    return found


async def fingerprints_since(conn: Conn, fingerprints: set[str], since: datetime) -> set[str]:
    """Which of these text fingerprints were stored at or after ``since``."""
    query = (
        select(comments.c.fingerprint)
        .distinct()
        .where(comments.c.fingerprint.in_(fingerprints), comments.c.created_at >= since)
    )
    return {row[0] for row in await conn.execute(query)}


async def import_keys(conn: Conn, story_id: int) -> set[str]:
    """The import keys of a story's comments, to skip what an earlier import brought."""
    query = select(comments.c.import_key).where(
        comments.c.story_id == story_id, comments.c.import_key.is_not(None)
    )
    return {row[0] for row in await conn.execute(query)}


async def import_ids(conn: Conn, story_id: int) -> dict[str, int]:
    """Import key → id of a story's imported comments (replies of a later import find
    their parents among them)."""
    query = select(comments.c.import_key, comments.c.id).where(
        comments.c.story_id == story_id, comments.c.import_key.is_not(None)
    )
    return {str(row[0]): int(row[1]) for row in await conn.execute(query)}


async def recent_comments(conn: Conn, limit: int) -> Sequence[RowMapping]:
    """The newest visible comments with content on published stories, site-wide."""
    query = (
        select(
            *PUBLIC_COLUMNS,
            stories.c.slug.label("story_slug"),
            stories.c.title.label("story_title"),
        )
        .join(stories, stories.c.id == comments.c.story_id)
        .where(
            comments.c.status == CommentStatus.approved,
            stories.c.status == StoryStatus.published,
        )
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def newest_of_story(conn: Conn, story_id: int, limit: int) -> Sequence[RowMapping]:
    query = (
        select(*PUBLIC_COLUMNS)
        .where(comments.c.story_id == story_id, comments.c.status == CommentStatus.approved)
        .order_by(comments.c.number.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


# Writes to counters ----------------------------------------------------------------------------


# Built once: constructing a statement costs more than SQLite takes to run it, and a reply
# moves two comments' counters.
_ADD_TO_COUNTS = (
    update(comments)
    .where(comments.c.id == bindparam("comment"))
    .values(
        reply_count=comments.c.reply_count + bindparam("replies"),
        descendant_count=comments.c.descendant_count + bindparam("descendants"),
        score=comments.c.score + bindparam("score"),
    )
)


async def add_to_counts(
    conn: Conn,
    comment_id: int,
    *,
    replies: int = 0,
    descendants: int = 0,
    score: int = 0,
) -> None:
    if replies or descendants or score:
        params = {
            "comment": comment_id,
            "replies": replies,
            "descendants": descendants,
            "score": score,
        }
        await conn.execute(_ADD_TO_COUNTS, params)


async def remove_imported(conn: Conn, story_id: int, comment_ids: Sequence[int]) -> None:
    """Take back comments an import stored in a story that was there before it (an import
    that failed part-way): the counters their visible ones added to the comments they
    replied to and to the story go back down, and the thread version moves."""
    if not comment_ids:
        return
    gone = set(comment_ids)
    rows = await conn.execute(
        select(comments.c.parent_id, comments.c.root_id).where(
            comments.c.id.in_(gone), comments.c.status == CommentStatus.approved
        )
    )
    replies: dict[int, int] = {}
    descendants: dict[int, int] = {}
    visible = 0
    for parent_id, root_id in rows:
        visible += 1
        if parent_id is not None and parent_id not in gone:
            replies[parent_id] = replies.get(parent_id, 0) + 1
        if root_id is not None and root_id not in gone:
            descendants[root_id] = descendants.get(root_id, 0) + 1
    for comment_id in replies.keys() | descendants.keys():
        await add_to_counts(
            conn,
            comment_id,
            replies=-replies.get(comment_id, 0),
            descendants=-descendants.get(comment_id, 0),
        )
    await conn.execute(delete(comments).where(comments.c.id.in_(gone)))
    await conn.execute(
        update(threads)
        .where(threads.c.story_id == story_id)
        .values(comment_count=threads.c.comment_count - visible, version=threads.c.version + 1)
    )


async def update_comment(conn: Conn, comment_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(comments).where(comments.c.id == comment_id).values(**values))


async def delete_comment(conn: Conn, comment_id: int) -> None:
    await conn.execute(delete(comments).where(comments.c.id == comment_id))


# One commenter's comments by e-mail (comments/personal.py) -------------------------------------


def _of_email(lowered: str, email_hash: str) -> Any:
    """Comments given this address in any case (``lowered``: the address lower-cased), or
    holding its keyed hash: imported comments keep no hash, and a placeholder its author
    deleted keeps only the hash. The hash is indexed; lower(email) is not, so a lookup reads
    the whole table (an admin's occasional request, not a reader's page)."""
    return or_(func.lower(comments.c.email) == lowered, comments.c.email_hash == email_hash)


async def count_by_email(conn: Conn, lowered: str, email_hash: str) -> int:
    query = select(func.count()).select_from(comments).where(_of_email(lowered, email_hash))
    return int((await conn.execute(query)).scalar_one())


async def comments_by_email(
    conn: Conn, lowered: str, email_hash: str, limit: int | None
) -> Sequence[RowMapping]:
    """The address's comments newest first, everything kept of each, with their stories'
    title and slug (whatever the story's status); all of them when ``limit`` is None."""
    query = (
        select(
            *PUBLIC_COLUMNS,
            comments.c.email,
            comments.c.body_md,
            comments.c.client_hash,
            stories.c.title.label("story_title"),
            stories.c.slug.label("story_slug"),
        )
        .join(stories, stories.c.id == comments.c.story_id)
        .where(_of_email(lowered, email_hash))
        .order_by(comments.c.created_at.desc(), comments.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def ids_by_email(conn: Conn, lowered: str, email_hash: str) -> list[int]:
    """The ids of the address's comments, the newest (highest) first."""
    query = select(comments.c.id).where(_of_email(lowered, email_hash))
    return [int(i) for i in (await conn.execute(query.order_by(comments.c.id.desc()))).scalars()]


# Votes -----------------------------------------------------------------------------------------


def any_of(*known: tuple[Any, str | None]) -> Any:
    """Rows whose column equals any of the values known ((column, value) pairs; a None
    value is skipped); None when no value is known."""
    found = [column == value for column, value in known if value]
    return or_(*found) if found else None


async def vote_of(conn: Conn, comment_id: int, voter_id: str) -> RowMapping | None:
    """The reader's vote on a comment, by their voter cookie (never by address: readers who
    share one each have their own vote)."""
    query = select(votes).where(votes.c.comment_id == comment_id, votes.c.voter_id == voter_id)
    return (await conn.execute(query)).mappings().first()


def since_query(table: Table, comment_id: int, client_hash: str, since: datetime) -> Any:
    """How many rows of a vote or report table one address added to a comment since a time,
    and the oldest one's time: read from the (comment_id, client_hash, created_at) index."""
    return select(func.count(), func.min(table.c.created_at)).where(
        table.c.comment_id == comment_id,
        table.c.client_hash == client_hash,
        table.c.created_at > since,
    )


async def recent_voters(
    conn: Conn, comment_id: int, client_hash: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many voters one address added to a comment since a time (each voter has one
    vote a comment), and when the oldest of them voted."""
    count, oldest = (await conn.execute(since_query(votes, comment_id, client_hash, since))).one()
    return int(count), oldest


async def insert_vote(
    conn: Conn,
    comment_id: int,
    voter_id: str | None,
    client_hash: str | None,
    value: int,
    at: datetime,
) -> None:
    await conn.execute(
        insert(votes).values(
            comment_id=comment_id,
            voter_id=voter_id,
            client_hash=client_hash,
            value=value,
            created_at=at,
        )
    )


async def change_vote(conn: Conn, vote_id: int, value: int) -> None:
    if value == 0:
        await conn.execute(delete(votes).where(votes.c.id == vote_id))
    else:
        await conn.execute(update(votes).where(votes.c.id == vote_id).values(value=value))


REPORTED = 0  # in marks_query's value column: the reader reported the comment


def marks_query(voter: Any, low: Any, high: Any) -> Any:
    """A reader's votes (value 1 or -1) and reports (REPORTED) on comments with ids from low
    to high, in one query: the two things their page marks on comments the shared page
    leaves plain. By voter first (the voter_id, comment_id indexes): a seek to their few
    rows, whatever the number of comments shown."""
    return union_all(
        select(votes.c.comment_id, votes.c.value).where(
            votes.c.voter_id == voter, votes.c.comment_id.between(low, high)
        ),
        select(reports.c.comment_id, literal(REPORTED)).where(
            reports.c.voter_id == voter, reports.c.comment_id.between(low, high)
        ),
    )


async def comment_source(conn: Conn, comment_id: int) -> str | None:
    """The Markdown a comment was written in (for its author's edit form)."""
    query = select(comments.c.body_md).where(comments.c.id == comment_id)
    return (await conn.execute(query)).scalar_one_or_none()
