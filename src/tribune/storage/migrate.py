"""Apply Alembic migrations from inside Tribune (``tribune migrate``, ``tribune serve``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from tribune.storage.engine import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run(connection: Connection, step: str, revision: str) -> None:
    config = _config()
    config.attributes["connection"] = connection
    getattr(command, step)(config, revision)


def _is_current(connection: Connection) -> bool:
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads


def _step(step: str, revision: str) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        _run(connection, step, revision)
        connection.commit()

    return run


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database to the newest schema (or to ``revision``); a no-op when it is
    already there."""
    await db.run_sync(_step("upgrade", revision))


async def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to an earlier revision, keeping the data it can hold."""
    await db.run_sync(_step("downgrade", revision))


async def is_current(db: Database) -> bool:
    return await db.run_sync(_is_current)


async def current_heads(db: Database) -> set[str]:
    """The migrations the database schema is at (one, unless branches were merged)."""

    def heads(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    return await db.run_sync(heads)
