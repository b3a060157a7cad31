"""The whole database as rows, table by table, and back (importers/backup.py writes and reads
the file). Tables come in the order their foreign keys need; each table's rows in primary
key order, compared as codepoints on both databases (PostgreSQL's collation would order text
keys its own way), so both databases give the same rows in the same order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Column, Integer, String, Table, delete, func, insert, select, text, tuple_

from tribune.storage.engine import Conn
from tribune.storage.tables import metadata

# Kept out of a backup: sign-in sessions, failed-login counters and the upload page's import
# records last minutes or days and mean nothing on another server.
TRANSIENT = frozenset({"staff_sessions", "login_failures", "imports"})
BATCH = 1_000


def tables() -> list[Table]:
    """The tables a backup holds, parents before the tables that refer to them."""
    return [table for table in metadata.sorted_tables if table.name not in TRANSIENT]


def _ordered(conn: Conn, column: Column[Any]) -> Any:
    if conn.dialect.name == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


async def rows(conn: Conn, table: Table) -> AsyncIterator[dict[str, Any]]:
    """Every row of the table in primary key order, BATCH at a time (keyset)."""
    key = [_ordered(conn, column) for column in table.primary_key.columns]
    last: tuple[Any, ...] | None = None
    while True:
        query = select(table).order_by(*key).limit(BATCH)
        if last is not None:
            query = query.where(tuple_(*key) > tuple_(*last))
        found = (await conn.execute(query)).mappings().all()
        for row in found:
            yield dict(row)
        if len(found) < BATCH:
            return
        last = tuple(found[-1][column.name] for column in table.primary_key.columns)


async def count(conn: Conn, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def is_empty(conn: Conn) -> bool:
    """Whether no table of a backup holds a row (a fresh, migrated database)."""
    for table in tables():
        if (await conn.execute(select(1).select_from(table).limit(1))).first() is not None:
            return False
    return True


async def clear(conn: Conn) -> None:
    """Delete every row a backup would hold, children first (restore --force)."""
    for table in reversed(tables()):
        await conn.execute(delete(table))


async def insert_rows(conn: Conn, table: Table, batch: Sequence[dict[str, Any]]) -> None:
    if batch:
        await conn.execute(insert(table), list(batch))


async def after_restore(conn: Conn) -> None:
    """PostgreSQL's identity sequences continue after the ids restored (SQLite's rowids do
    by themselves)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer) or key[0].foreign_keys:
            continue
        name, column = table.name, key[0].name  # from our own metadata, never from the file
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'),"  # noqa: S608
                f" COALESCE(MAX({column}), 0) + 1, false) FROM {name}"
            )
        )
