"""Staff API tokens: only each secret's SHA-256 is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import api_tokens, staff

TOKEN_COLUMNS = [
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.scope,
    api_tokens.c.created_at,
    api_tokens.c.created_by,
    api_tokens.c.last_used_at,
    api_tokens.c.revoked_at,
]


async def insert_token(conn: Conn, values: dict[str, Any]) -> int:
    statement = insert(api_tokens).values(**values).returning(api_tokens.c.id)
    return int((await conn.execute(statement)).scalar_one())


async def token_by_id(conn: Conn, token_id: int) -> RowMapping | None:
    query = select(*TOKEN_COLUMNS).where(api_tokens.c.id == token_id)
    return (await conn.execute(query)).mappings().first()


async def token_by_hash(conn: Conn, token_hash: str) -> RowMapping | None:
    query = select(*TOKEN_COLUMNS).where(api_tokens.c.token_hash == token_hash)
    return (await conn.execute(query)).mappings().first()


async def all_tokens(conn: Conn) -> Sequence[RowMapping]:
    """Every token, newest first, with the name of the staff member who made it (None when
    made from the command line, or by someone since removed)."""
    query = (
        select(*TOKEN_COLUMNS, staff.c.name.label("created_by_name"))
        .select_from(api_tokens.outerjoin(staff, staff.c.id == api_tokens.c.created_by))
        .order_by(api_tokens.c.id.desc())
    )
    return (await conn.execute(query)).mappings().all()


async def revoke_token(conn: Conn, token_id: int, now: datetime) -> bool:
    """Revoke a token still in force; False when there is none such."""
    statement = (
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return (await conn.execute(statement)).rowcount == 1


async def mark_used(conn: Conn, token_id: int, now: datetime, unless_since: datetime) -> None:
    """Note a token's use, unless a use since ``unless_since`` is already noted."""
    statement = (
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < unless_since),
        )
        .values(last_used_at=now)
    )
    await conn.execute(statement)
