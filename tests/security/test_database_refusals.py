"""A PostgreSQL server that refuses connections for now, because the database does not
accept any (ALLOW_CONNECTIONS false) or the role has no connection slot left, is a database
that is unavailable: 503 with Retry-After on every kind of request, not a 500 (F39c)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRESQL_URL, SECRET
from tests.helpers import BASE_URL, client_at
from tribune.app import create_app
from tribune.settings import Settings

pytestmark = pytest.mark.anyio

REQUESTS = [
    ("GET", "/"),
    ("GET", "/stories/some-story"),
    ("GET", "/api/v1/stories"),
    ("GET", "/api/v1/stories/1/comments"),  # the fast lane
    ("GET", "/api/v1/counts?story=1"),
    ("POST", "/api/v1/stories/1/comments"),
]


async def admin(statement: str) -> None:
    server = make_url(POSTGRESQL_URL).set(database="postgres")
    connection = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(params=["database closed to connections", "role without connection slots"])
async def refusing_url(
    request: pytest.FixtureRequest, postgresql_ready: str | None
) -> AsyncIterator[str]:
    """A URL the PostgreSQL server refuses to connect, for one of the two reasons."""
    if postgresql_ready:
        pytest.skip(f"PostgreSQL unavailable: {postgresql_ready}")
    name = f"tribune_refusing_{uuid.uuid4().hex[:12]}"
    url = make_url(POSTGRESQL_URL)
    if request.param == "database closed to connections":
        await admin(f"CREATE DATABASE {name} ALLOW_CONNECTIONS false")
        yield url.set(database=name).render_as_string(hide_password=False)
        await admin(f"DROP DATABASE {name}")
    else:
        await admin(f"CREATE ROLE {name} LOGIN CONNECTION LIMIT 0")
        yield url.set(username=name, password=None).render_as_string(hide_password=False)
        await admin(f"DROP ROLE {name}")


@pytest.fixture
async def refused(refusing_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(database_url=refusing_url, secret_key=SECRET, base_url=BASE_URL, demo=False)
    )
    async with client_at(app) as client:
        yield client
    await app.state.db.dispose()


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_a_server_refusing_connections_answers_503(
    refused: httpx.AsyncClient, method: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    body: dict[str, Any] = {"name": "Reader", "body": "Sent while refused"}
    response = await refused.request(method, path, json=body if method == "POST" else None)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # a warning, not a bug
