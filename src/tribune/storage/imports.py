"""Archive imports started from the admin upload page: their progress and outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import imports, staff


async def add(conn: Conn, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(imports).values(values).returning(imports.c.id))
    return int(result.scalar_one())


async def change(conn: Conn, import_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(imports).where(imports.c.id == import_id).values(values))


_WITH_WHO = select(imports, staff.c.name.label("started_by")).outerjoin(
    staff, staff.c.id == imports.c.staff_id
)


async def one(conn: Conn, import_id: int) -> RowMapping | None:
    query = _WITH_WHO.where(imports.c.id == import_id)
    return (await conn.execute(query)).mappings().first()


async def latest(conn: Conn, limit: int) -> Sequence[RowMapping]:
    """The most recent imports, newest first."""
    query = _WITH_WHO.order_by(imports.c.id.desc()).limit(limit)
    return (await conn.execute(query)).mappings().all()
