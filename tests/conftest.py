"""Fixtures: a clean database per test on SQLite and on the real PostgreSQL server, the app,
an HTTP client going through the real ASGI interface, the demo story, and the actors: an
anonymous reader and a signed-in admin, moderator and editor.

PostgreSQL: ``TRIBUNE_TEST_POSTGRESQL_URL`` (default: the local server, database ``test``).
Without a server the PostgreSQL half is skipped with a loud warning, except under CI
(``CI=true``), where a missing server fails the run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import warnings
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import text

from tests.helpers import BASE_URL, client_at, signed_in
from tribune.app import create_app
from tribune.cli import demo_bytes
from tribune.importers.service import import_page
from tribune.settings import Settings
from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import metadata

POSTGRESQL_URL = os.environ.get(
    "TRIBUNE_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SECRET = "test-secret-" + "x" * 40
T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even where a loop is already running
    (Playwright's sync API runs one): on a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def anyio_backend() -> str:
    """Async tests (modules with ``pytestmark = pytest.mark.anyio``) run on asyncio."""
    return "asyncio"


# Databases -----------------------------------------------------------------------------------


async def _migrated_postgresql() -> str | None:
    """Reset the PostgreSQL test database to an empty schema migrated to head."""
    db = Database(POSTGRESQL_URL, pool_size=1)
    try:
        async with db.transaction() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await migrate.upgrade(db)
        return None
    except (OSError, ConnectionError) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def postgresql_ready() -> str | None:
    """None when the PostgreSQL server is migrated and ready, else why it is not."""
    problem = run_async(_migrated_postgresql())
    if problem:
        message = f"PostgreSQL at {POSTGRESQL_URL} is unavailable ({problem})"
        if IN_CI:
            pytest.fail(f"{message}; CI requires it", pytrace=False)
        warnings.warn(f"\n\n!!! SKIPPING EVERY POSTGRESQL TEST: {message} !!!\n", stacklevel=1)
    return problem


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}", pool_size=1)

    async def run() -> None:
        try:
            await migrate.upgrade(db)
        finally:
            await db.dispose()

    run_async(run())
    return path


async def truncate_postgresql() -> None:
    """Empty every table of the PostgreSQL test database, keeping its schema."""
    db = Database(POSTGRESQL_URL, pool_size=1)
    try:
        async with db.transaction() as conn:
            names = ", ".join(table.name for table in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A clean, migrated database, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "tribune.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    problem = request.getfixturevalue("postgresql_ready")
    if problem:
        pytest.skip(f"PostgreSQL unavailable: {problem}")
    run_async(truncate_postgresql())
    yield POSTGRESQL_URL


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Tests post faster than any reader; the rate-limit tests turn limits back on.
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        base_url=BASE_URL,
        demo=False,
        rate_limits=False,
        # Searches see every change at once; tests/api/test_search_cache.py turns it on.
        search_cache_seconds=0,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url, pool_size=2)
    yield database
    await database.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings)
    yield application
    await application.state.imports.stop()
    await application.state.db.dispose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A reader's HTTP client through the real ASGI interface (cookies kept between calls)."""
    async with client_at(app) as http:
        yield http


# Actors --------------------------------------------------------------------------------------


@pytest.fixture
async def reader(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous reader: cookies of its own, the address of ``client`` (127.0.0.1)."""
    async with client_at(app) as http:
        yield http


@pytest.fixture
async def admin(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An admin, signed in through the login form."""
    async with signed_in(app, "admin") as http:
        yield http


@pytest.fixture
async def moderator(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A moderator, signed in through the login form."""
    async with signed_in(app, "moderator") as http:
        yield http


@pytest.fixture
async def editor(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An editor, signed in through the login form."""
    async with signed_in(app, "editor") as http:
        yield http


# Content -------------------------------------------------------------------------------------


@pytest.fixture
async def story(app: Any) -> dict[str, Any]:
    """The demo story with its five reader comments, imported through the importer."""
    result = await import_page(app.state.db, demo_bytes())
    return {"id": result.story_id, "slug": result.slug, "title": result.title}
