"""Comment queries: insert, thread pages (keyset per sort order), counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from tribune.storage.tables import CommentStatus, comments

PUBLIC_COLUMNS = [
    comments.c.id,
    comments.c.story_id,
    comments.c.parent_id,
    comments.c.depth,
    comments.c.number,
    comments.c.name,
    comments.c.website,
    comments.c.body_html,
    comments.c.status,
    comments.c.created_at,
    comments.c.edited_at,
    comments.c.score,
    comments.c.reply_count,
]

VISIBLE = (CommentStatus.approved, CommentStatus.deleted)

# Each sort order is a keyset: the columns it orders by, and their direction.
SORT_KEYS: dict[str, list[tuple[Any, bool]]] = {
    "oldest": [(comments.c.number, False)],
    "newest": [(comments.c.number, True)],
    "top": [(comments.c.score, True), (comments.c.id, False)],
    "replies": [(comments.c.reply_count, True), (comments.c.id, False)],
}


async def insert_comment(conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(comments).values(**values).returning(comments.c.id))
    return int(result.scalar_one())


async def comment_by_id(conn: AsyncConnection, comment_id: int) -> RowMapping | None:
    query = select(*PUBLIC_COLUMNS).where(comments.c.id == comment_id)
    return (await conn.execute(query)).mappings().first()


def _after(keys: list[tuple[Any, bool]], cursor: Sequence[Any]) -> Any:
    """The keyset condition 'comes after cursor' for a mixed-direction ordering."""
    clauses = []
    for i, (column, descending) in enumerate(keys):
        equal = [keys[j][0] == cursor[j] for j in range(i)]
        beyond = column < cursor[i] if descending else column > cursor[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


async def top_level_page(
    conn: AsyncConnection,
    story_id: int,
    sort: str,
    after: Sequence[Any] | None,
    limit: int,
) -> Sequence[RowMapping]:
    """One page of a story's visible top-level comments in the given sort order."""
    keys = SORT_KEYS[sort]
    query = select(*PUBLIC_COLUMNS).where(
        comments.c.story_id == story_id,
        comments.c.parent_id.is_(None),
        comments.c.status.in_(VISIBLE),
    )
    if after is not None:
        query = query.where(_after(keys, after))
    order = [column.desc() if descending else column.asc() for column, descending in keys]
    return (await conn.execute(query.order_by(*order).limit(limit))).mappings().all()


async def visible_count(conn: AsyncConnection, story_id: int) -> int:
    """Visible comments of a story at every depth."""
    query = select(func.count()).where(
        comments.c.story_id == story_id, comments.c.status.in_(VISIBLE)
    )
    return int((await conn.execute(query)).scalar_one())


async def import_keys(conn: AsyncConnection, story_id: int) -> set[str]:
    """The import keys of a story's comments, to skip what an earlier import brought."""
    query = select(comments.c.import_key).where(
        comments.c.story_id == story_id, comments.c.import_key.is_not(None)
    )
    return {row[0] for row in await conn.execute(query)}


async def top_level_before(conn: AsyncConnection, story_id: int, number: int) -> int:
    """How many visible top-level comments of the story come before the given number."""
    query = select(func.count()).where(
        comments.c.story_id == story_id,
        comments.c.parent_id.is_(None),
        comments.c.status.in_(VISIBLE),
        comments.c.number < number,
    )
    return int((await conn.execute(query)).scalar_one())


async def top_level_at(conn: AsyncConnection, story_id: int, index: int) -> RowMapping | None:
    """The visible top-level comment at a 0-based position in oldest-first order."""
    query = (
        select(*PUBLIC_COLUMNS)
        .where(
            comments.c.story_id == story_id,
            comments.c.parent_id.is_(None),
            comments.c.status.in_(VISIBLE),
        )
        .order_by(comments.c.number)
        .offset(index)
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()
