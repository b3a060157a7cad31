"""Staff accounts, their sessions, failed-login counters and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import audit_log, login_failures, staff, staff_sessions
from tribune.vocabulary import Role

STAFF_COLUMNS = [staff.c.id, staff.c.email, staff.c.name, staff.c.role, staff.c.created_at]


async def insert_staff(conn: Conn, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(staff).values(**values).returning(staff.c.id))
    return int(result.scalar_one())


async def staff_by_email(conn: Conn, email: str) -> RowMapping | None:
    query = select(staff).where(staff.c.email == email)
    return (await conn.execute(query)).mappings().first()


async def staff_by_id(conn: Conn, staff_id: int) -> RowMapping | None:
    query = select(*STAFF_COLUMNS).where(staff.c.id == staff_id)
    return (await conn.execute(query)).mappings().first()


async def all_staff(conn: Conn) -> Sequence[RowMapping]:
    return (await conn.execute(select(*STAFF_COLUMNS).order_by(staff.c.id))).mappings().all()


async def count_admins(conn: Conn) -> int:
    query = select(func.count()).select_from(staff).where(staff.c.role == Role.admin)
    return int((await conn.execute(query)).scalar_one())


async def admin_ids_for_update(conn: Conn) -> list[int]:
    """The admins' ids, locked until the transaction ends (PostgreSQL): two admins demoting
    each other at once cannot leave the site with none."""
    query = select(staff.c.id).where(staff.c.role == Role.admin).with_for_update()
    return [int(i) for i in (await conn.execute(query.order_by(staff.c.id))).scalars()]


async def update_role(conn: Conn, staff_id: int, role: Role) -> None:
    await conn.execute(update(staff).where(staff.c.id == staff_id).values(role=role))


async def delete_staff(conn: Conn, staff_id: int) -> None:
    await conn.execute(delete(staff).where(staff.c.id == staff_id))


async def update_password(conn: Conn, staff_id: int, password_hash: str) -> None:
    await conn.execute(
        update(staff).where(staff.c.id == staff_id).values(password_hash=password_hash)
    )


# Sessions ---------------------------------------------------------------------------------------


async def insert_session(
    conn: Conn, token_hash: str, staff_id: int, now: datetime, expires: datetime
) -> None:
    await conn.execute(
        insert(staff_sessions).values(
            token_hash=token_hash, staff_id=staff_id, created_at=now, expires_at=expires
        )
    )


async def session_staff(conn: Conn, token_hash: str, now: datetime) -> RowMapping | None:
    """The staff member of a live session."""
    query = (
        select(*STAFF_COLUMNS)
        .join(staff_sessions, staff_sessions.c.staff_id == staff.c.id)
        .where(staff_sessions.c.token_hash == token_hash, staff_sessions.c.expires_at > now)
    )
    return (await conn.execute(query)).mappings().first()


async def delete_session(conn: Conn, token_hash: str) -> None:
    await conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash))


async def delete_sessions_of(conn: Conn, staff_id: int) -> None:
    await conn.execute(delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id))


# Failed logins ----------------------------------------------------------------------------------


async def failures(conn: Conn, keys: Sequence[str]) -> dict[str, RowMapping]:
    query = select(login_failures).where(login_failures.c.key.in_(list(keys)))
    return {row["key"]: row for row in (await conn.execute(query)).mappings()}


async def set_failures(
    conn: Conn, key: str, count: int, first_at: datetime, locked_until: datetime | None
) -> None:
    await conn.execute(delete(login_failures).where(login_failures.c.key == key))
    await conn.execute(
        insert(login_failures).values(
            key=key, failures=count, first_at=first_at, locked_until=locked_until
        )
    )


async def clear_failures(conn: Conn, key: str) -> None:
    await conn.execute(delete(login_failures).where(login_failures.c.key == key))


# Audit log --------------------------------------------------------------------------------------


async def insert_audit(conn: Conn, values: dict[str, Any]) -> None:
    await conn.execute(insert(audit_log).values(**values))


async def audit_of_action(conn: Conn, action: str, limit: int) -> Sequence[RowMapping]:
    """The newest ``limit`` audit entries of one action."""
    query = (
        select(audit_log.c.target, audit_log.c.detail)
        .where(audit_log.c.action == action)
        .order_by(audit_log.c.id.desc())
        .limit(limit)
    )
    return (await conn.execute(query)).mappings().all()


async def last_audit_of(conn: Conn, target: str, actions: Sequence[str]) -> RowMapping | None:
    """The newest audit entry of one of ``actions`` on ``target``."""
    query = (
        select(audit_log)
        .where(audit_log.c.target == target, audit_log.c.action.in_(list(actions)))
        .order_by(audit_log.c.id.desc())
        .limit(1)
    )
    return (await conn.execute(query)).mappings().first()


async def audit_page(conn: Conn, before: int | None, limit: int) -> Sequence[RowMapping]:
    """Audit entries newest first, before an entry id (keyset)."""
    query = select(audit_log)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    return (await conn.execute(query.order_by(audit_log.c.id.desc()).limit(limit))).mappings().all()
