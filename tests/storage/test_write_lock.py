"""Another process holding SQLite's write lock (an import, a backup, another worker) never
freezes a worker: a write waits for the lock without blocking the event loop, reads go on
meanwhile, and a write that cannot get the lock in time answers 503 and stores nothing."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select

from tests.helpers import csrf_of, post_comment
from tests.write_lock import write_lock_held
from tribune.settings import Settings
from tribune.storage.engine import Conn, Database, DatabaseBusy
from tribune.storage.tables import comments, tags

pytestmark = pytest.mark.anyio

QUICK = 0.5  # seconds: what "answered at once" allows on a busy two-core runner


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: PostgreSQL's writers do not share one lock."""
    path = tmp_path / "tribune.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def lock_timeout_ms() -> int:
    return 10_000


@pytest.fixture
def settings(settings: Settings, lock_timeout_ms: int) -> Settings:
    return settings.model_copy(update={"sqlite_lock_timeout_ms": lock_timeout_ms})


def database_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


async def timed_get(client: httpx.AsyncClient, path: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await client.get(path)
    return response, time.monotonic() - started


async def comment_rows(app: Any) -> int:
    async with app.state.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(comments))).scalar())


async def test_a_waiting_write_leaves_the_worker_answering(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], database_url: str
) -> None:
    with write_lock_held(database_file(database_url)):
        post = asyncio.create_task(post_comment(client, story["id"], "Written while locked"))
        await asyncio.sleep(0.3)
        assert not post.done()  # it waits for the lock...
        # ...while the worker answers everything else at once.
        health, health_took = await timed_get(client, "/healthz")
        thread, thread_took = await timed_get(client, f"/api/v1/stories/{story['id']}/comments")
        page, page_took = await timed_get(client, f"/stories/{story['slug']}")
        assert (health.status_code, thread.status_code, page.status_code) == (200, 200, 200)
        assert thread.json()["total"] == 5
        assert max(health_took, thread_took, page_took) < QUICK
        assert not post.done()
    answer = await asyncio.wait_for(post, 5)  # the lock is free: the post goes through
    assert answer.status_code == 201, answer.text
    assert answer.json()["body_html"] == "<p>Written while locked</p>\n"


@pytest.mark.parametrize("lock_timeout_ms", [300])
async def test_a_write_that_cannot_get_the_lock_in_time_answers_503(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], database_url: str
) -> None:
    before = await comment_rows(app)
    with write_lock_held(database_file(database_url)):
        started = time.monotonic()
        answers = await asyncio.gather(
            post_comment(client, story["id"], "First, refused"),
            post_comment(client, story["id"], "Second, refused"),
        )
        took = time.monotonic() - started
        health, health_took = await timed_get(client, "/healthz")
    assert 0.3 <= took < 3  # the configured wait, not the default 10 s
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "5"
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 503
        assert answer.json()["comment"]["body"].endswith(", refused")  # what they typed
    assert health.status_code == 200 and health_took < QUICK
    assert await comment_rows(app) == before  # nothing stored
    # The lock is free again: the next post goes through.
    assert (await post_comment(client, story["id"], "Third, stored")).status_code == 201
    assert await comment_rows(app) == before + 1


@pytest.mark.parametrize("lock_timeout_ms", [300])
async def test_the_form_keeps_the_text_when_the_write_cannot_wait(
    client: httpx.AsyncClient, story: dict[str, Any], database_url: str
) -> None:
    path = f"/stories/{story['slug']}"
    token = await csrf_of(client, path)
    with write_lock_held(database_file(database_url)):
        answer = await client.post(
            f"{path}/comments", data={"name": "Ana", "body": "Typed at length", "csrf_token": token}
        )
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert "Typed at length" in answer.text and "could not be saved just now" in answer.text


async def add_tag(conn: Conn, slugs: list[str]) -> list[Any]:
    await conn.execute(insert(tags), [{"slug": slug, "name": slug} for slug in slugs])
    return slugs


async def test_a_write_queued_behind_a_waiting_one_waits_no_longer_than_the_timeout(
    database_url: str,
) -> None:
    db = Database(database_url, lock_timeout_ms=1000)
    loop = asyncio.get_running_loop()

    async def timed_write(slug: str) -> tuple[BaseException | None, float]:
        arrived = loop.time()
        try:
            await db.batched(add_tag, slug)
        except DatabaseBusy as exc:
            return exc, loop.time() - arrived
        return None, loop.time() - arrived

    try:
        with write_lock_held(database_file(database_url)):
            first = asyncio.create_task(timed_write("first"))
            await asyncio.sleep(0.6)  # the first write's batch waits for the lock
            second = await timed_write("second")  # queued for the next batch
            first_outcome = await first
        for refused, waited in (first_outcome, second):
            assert isinstance(refused, DatabaseBusy)
            assert 0.95 <= waited < 1.3  # its own second, not the rest of the first's
    finally:
        await db.dispose()
