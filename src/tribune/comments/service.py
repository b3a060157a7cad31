"""What a comment may be and how it enters a thread.

Write path (DESIGN.md): validate → render Markdown and sanitize → store in one transaction
(number, count and thread version move with it). Reads are keyset pages of top-level comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from tribune import cursor as cursors
from tribune.comments.validation import CommentFields, FieldErrors, validate_comment
from tribune.markdown import render_comment
from tribune.storage import comments as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.storage.tables import CommentStatus

ANONYMOUS = "Anonymous"
SORTS = tuple(store.SORT_KEYS)
DEFAULT_SORT = "oldest"
PAGE_SIZE = 50
LIMIT_MAX = 100


class InvalidComment(Exception):
    """The fields of a comment are not acceptable; ``errors`` maps each field to why."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(errors)
        self.errors = errors


class StoryNotFound(Exception):
    pass


@dataclass(slots=True)
class ImportedComment:
    """A comment brought by an importer: already validated, stamped with its source key."""

    body: str
    import_key: str
    name: str | None = None
    created_at: datetime | None = None


def to_public(row: RowMapping | dict[str, Any]) -> dict[str, Any]:
    """The comment as every reader may see it: no e-mail, no address hash, no token."""
    deleted = row["status"] == CommentStatus.deleted
    return {
        "id": row["id"],
        "parent_id": row["parent_id"],
        "number": row["number"],
        "name": None if deleted else (row["name"] or ANONYMOUS),
        "website": None if deleted else row["website"],
        "avatar_url": None,
        "body_html": "" if deleted else row["body_html"],
        "created_at": row["created_at"],
        "edited_at": row["edited_at"],
        "score": row["score"],
        "status": row["status"],
        "replies": [],
    }


async def _store(
    conn: AsyncConnection,
    story_id: int,
    fields: CommentFields,
    *,
    created_at: datetime,
    client_hash: str | None = None,
    import_key: str | None = None,
) -> int:
    number = await story_store.next_comment_number(conn, story_id, visible=True)
    return await store.insert_comment(
        conn,
        {
            "story_id": story_id,
            "parent_id": None,
            "depth": 0,
            "number": number,
            "name": fields.name,
            "email": fields.email,
            "website": fields.website,
            "body_md": fields.body,
            "body_html": render_comment(fields.body),
            "status": CommentStatus.approved,
            "created_at": created_at,
            "client_hash": client_hash,
            "import_key": import_key,
        },
    )


async def post_comment(
    db: Database, story_id: int, data: dict[str, Any], *, client_hash: str | None
) -> dict[str, Any]:
    """Validate and store a reader's comment; raises InvalidComment or StoryNotFound."""
    fields, errors = validate_comment(data)
    if fields is None:
        raise InvalidComment(errors)
    async with db.transaction() as conn:
        if await story_store.story_by_id(conn, story_id) is None:
            raise StoryNotFound(story_id)
        comment_id = await _store(
            conn, story_id, fields, created_at=datetime.now(UTC), client_hash=client_hash
        )
        row = await store.comment_by_id(conn, comment_id)
    assert row is not None
    return to_public(row)


async def import_comments(
    conn: AsyncConnection, story_id: int, drafts: list[ImportedComment]
) -> int:
    """Add imported comments the story does not already hold (same import key); returns how
    many were added. Runs inside the importer's transaction."""
    known = await store.import_keys(conn, story_id)
    added = 0
    for draft in drafts:
        if draft.import_key in known:
            continue
        fields = CommentFields(name=draft.name or ANONYMOUS, body=draft.body)
        await _store(
            conn,
            story_id,
            fields,
            created_at=draft.created_at or datetime.now(UTC),
            import_key=draft.import_key,
        )
        known.add(draft.import_key)
        added += 1
    return added


# Thread reads --------------------------------------------------------------------------------


class InvalidQuery(Exception):
    """A thread query parameter is not acceptable; ``errors`` maps it to why."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__(errors)
        self.errors = errors


def encode_cursor(sort: str, row: RowMapping) -> str:
    return cursors.encode([sort, *(row[column.name] for column, _ in store.SORT_KEYS[sort])])


def decode_cursor(sort: str, cursor: str) -> list[Any]:
    """The keyset values in a cursor made by encode_cursor for the same sort order."""
    value = cursors.decode(cursor)
    if value is None:
        raise InvalidQuery({"cursor": "Cursor is malformed; pass next_cursor back as given"})
    if (
        len(value) != len(store.SORT_KEYS[sort]) + 1
        or value[0] != sort
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value[1:])
    ):
        raise InvalidQuery({"cursor": f"Cursor does not belong to sort order '{sort}'"})
    return value[1:]


def check_thread_query(sort: str, limit: int) -> None:
    errors: FieldErrors = {}
    if sort not in SORTS:
        errors["sort"] = f"Sort must be one of {', '.join(SORTS)}"
    if not 1 <= limit <= LIMIT_MAX:
        errors["limit"] = f"Limit must be between 1 and {LIMIT_MAX}"
    if errors:
        raise InvalidQuery(errors)


async def thread_page(
    db: Database,
    story: dict[str, Any],
    *,
    sort: str = DEFAULT_SORT,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One page of a story's discussion: comments, the next page's cursor, and the total."""
    check_thread_query(sort, limit)
    after = decode_cursor(sort, cursor) if cursor else None
    async with db.read() as conn:
        rows = list(await store.top_level_page(conn, story["id"], sort, after, limit + 1))
    page = rows[:limit]
    return {
        "comments": [to_public(row) for row in page],
        "next_cursor": encode_cursor(sort, page[-1]) if len(rows) > limit else None,
        "total": story["comment_count"],
    }


async def locate(db: Database, comment_id: int) -> tuple[str, str | None] | None:
    """Where a visible comment shows: its story's slug and the cursor of the oldest-first
    page that holds it (None for the first page). None if it is not visible anywhere."""
    async with db.read() as conn:
        row = await store.comment_by_id(conn, comment_id)
        if row is None or row["status"] not in store.VISIBLE:
            return None
        story = await story_store.story_by_id(conn, row["story_id"])
        if story is None:
            return None
        before = await store.top_level_before(conn, row["story_id"], row["number"])
        start = before - before % PAGE_SIZE
        if start == 0:
            return story["slug"], None
        previous = await store.top_level_at(conn, row["story_id"], start - 1)
    assert previous is not None
    return story["slug"], encode_cursor(DEFAULT_SORT, previous)
