"""Alembic environment: runs migrations on the async engine of SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.storage.tables import include_object, metadata

config = context.config


def _sqlite_pragma(connection: Connection, statement: str) -> None:
    # On the DB-API connection, outside any transaction: a pragma inside one does nothing.
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(statement)
    cursor.close()


def _run(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        _migrate(connection)
        return
    # Batch mode rebuilds a table and drops the old one; with foreign keys on, SQLite first
    # deletes the rows that reference it (ON DELETE CASCADE: a story's comments). SQLite's
    # own procedure for schema changes: keys off, change, check, keys on.
    _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migration left rows with broken references: {broken[:5]}")
        connection.commit()
    finally:
        if connection.in_transaction():
            connection.rollback()
        _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_and_commit(connection: Connection) -> None:
    _run(connection)
    connection.commit()


async def _run_async(url: str) -> None:
    db = Database(url, pool_size=1)
    try:
        await db.run_sync(_run_and_commit)
    finally:
        await db.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.attributes.get("url") or Settings().database_url
    asyncio.run(_run_async(url))
