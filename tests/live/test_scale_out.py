"""Real `tribune serve` processes: two instances sharing PostgreSQL and Redis, Redis going
away and coming back, and acknowledged comments surviving SIGKILL."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import IN_CI, POSTGRESQL_URL, run_async, truncate_postgresql
from tests.server import free_port, running_server, server_process
from tribune.storage.engine import Database
from tribune.storage.tables import comments

REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_up(port: int = 6379) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def shared_redis() -> str:
    if not redis_up():
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379; CI requires it")
        pytest.skip("Redis unavailable")
    return REDIS_URL


@contextmanager
def throwaway_redis(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """A Redis of our own on another port, that a test may stop and start."""
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not redis_up(port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield process
    finally:
        process.kill()
        process.wait()


class Listener:
    """An SSE client in a thread: every event it receives, with the time it arrived."""

    def __init__(self, url: str) -> None:
        self.events: queue.Queue[tuple[float, str, str]] = queue.Queue()
        self.connected = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, args=(url,), daemon=True)
        self._thread.start()
        assert self.connected.wait(10), "the event stream did not open"

    def _run(self, url: str) -> None:
        kind = ""
        while not self._stop:
            try:
                with httpx.stream("GET", url, timeout=httpx.Timeout(5, read=30)) as response:
                    for line in response.iter_lines():
                        if line.startswith("retry:"):
                            self.connected.set()
                        elif line.startswith("event:"):
                            kind = line.split(":", 1)[1].strip()
                        elif line.startswith("data:"):
                            self.events.put((time.monotonic(), kind, line[5:].strip()))
                        if self._stop:
                            return
            except httpx.HTTPError:
                time.sleep(0.2)  # reconnect, as a browser does

    def next(self, kind: str, timeout: float) -> tuple[float, str]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {kind} event within {timeout} s")
            try:
                at, got, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if got == kind:
                return at, data

    def stop(self) -> None:
        self._stop = True


def spelled(number: float) -> str:
    """A number as letters: the rules count texts that differ only in digits as repeats."""
    return "".join(chr(ord("a") + int(d)) for d in str(int(number)))


def first_story(base: str) -> int:
    return int(httpx.get(f"{base}/api/v1/stories").json()["stories"][0]["id"])


def post(base: str, story_id: int, body: str, timeout: float = 10) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/stories/{story_id}/comments",
        json={"name": "Live reader", "body": body},
        timeout=timeout,
    )


def test_a_comment_posted_on_one_instance_reaches_the_other(
    tmp_path: Path, postgresql_ready: str | None, shared_redis: str
) -> None:
    if postgresql_ready:
        pytest.skip("PostgreSQL unavailable")
    run_async(truncate_postgresql())
    with (
        running_server(POSTGRESQL_URL, tmp_path, TRIBUNE_REDIS_URL=shared_redis) as a,
        running_server(
            POSTGRESQL_URL, tmp_path, TRIBUNE_REDIS_URL=shared_redis, TRIBUNE_DEMO="0"
        ) as b,
    ):
        story_id = first_story(a)
        # Opened once B's subscription is active: what A publishes from now on reaches it.
        listener = Listener(f"{b}/api/v1/stories/{story_id}/events")
        try:
            for n in range(3):
                sent = time.monotonic()
                answer = post(a, story_id, f"Posted on A, shown on B, take {spelled(n)}")
                assert answer.status_code == 201
                arrived, data = listener.next("comment", timeout=1.0)
                assert f'"id":{answer.json()["id"]}' in data
                assert arrived - sent < 1.0
                # B's thread read shows it at once: the version check sees A's write.
                page = httpx.get(f"{b}/api/v1/stories/{story_id}/comments?sort=newest")
                assert page.json()["comments"][0]["id"] == answer.json()["id"]
            assert httpx.get(f"{b}/readyz").json()["redis"] == "ok"
        finally:
            listener.stop()


def test_redis_going_away_pauses_live_updates_only(tmp_path: Path) -> None:
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed")
    port = free_port()
    url = f"sqlite:///{tmp_path / 'live.db'}"
    redis_url = f"redis://127.0.0.1:{port}/0"
    with (
        throwaway_redis(port) as redis_process,
        running_server(url, tmp_path, TRIBUNE_REDIS_URL=redis_url) as base,
    ):
        story_id = first_story(base)
        listener = Listener(f"{base}/api/v1/stories/{story_id}/events")
        try:
            assert post(base, story_id, "Before the outage").status_code == 201
            listener.next("comment", timeout=2)
            redis_process.kill()
            redis_process.wait()
            # Posting and reading carry on; readiness says Redis is degraded.
            during = post(base, story_id, "During the outage")
            assert during.status_code == 201
            thread = httpx.get(f"{base}/api/v1/stories/{story_id}/comments?sort=newest")
            assert thread.json()["comments"][0]["id"] == during.json()["id"]
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 200
            assert ready.json()["redis"] == "degraded"
            with throwaway_redis(port):
                deadline = time.monotonic() + 20
                while httpx.get(f"{base}/readyz").json()["redis"] != "ok":
                    assert time.monotonic() < deadline, "redis did not come back"
                    time.sleep(0.2)
                # Live updates resume by themselves, without a restart.
                deadline = time.monotonic() + 20
                while True:
                    after = post(
                        base, story_id, f"After the outage, try {spelled(time.monotonic() * 1000)}"
                    )
                    assert after.status_code == 201
                    try:
                        _, data = listener.next("comment", timeout=2)
                    except AssertionError:
                        assert time.monotonic() < deadline, "live updates did not resume"
                        continue
                    if f'"id":{after.json()["id"]}' in data:
                        break
        finally:
            listener.stop()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_acknowledged_comments_survive_sigkill(
    tmp_path: Path, database: str, postgresql_ready: str | None
) -> None:
    if database == "postgresql":
        if postgresql_ready:
            pytest.skip("PostgreSQL unavailable")
        run_async(truncate_postgresql())
        url = POSTGRESQL_URL
    else:
        url = f"sqlite:///{tmp_path / 'durable.db'}"
    acknowledged: dict[int, str] = {}
    with server_process(url, tmp_path) as (base, process):
        story_id = first_story(base)

        def burst(worker: int) -> None:
            # One connection per writer, kept alive: a new client per post spends more time
            # setting up TLS contexts than the server takes to commit.
            with httpx.Client(base_url=base, timeout=5) as http:
                for n in range(10_000):
                    body = f"Burst {spelled(worker)} {spelled(n)}: durable words, ünïcödé 🗞"
                    try:
                        answer = http.post(
                            f"/api/v1/stories/{story_id}/comments",
                            json={"name": "Live reader", "body": body},
                        )
                    except httpx.HTTPError:
                        return  # the server is gone
                    if answer.status_code == 201:
                        acknowledged[int(answer.json()["id"])] = body

        with ThreadPoolExecutor(8) as pool:
            bursts = [pool.submit(burst, worker) for worker in range(8)]
            time.sleep(1.5)
            os.kill(process.pid, signal.SIGKILL)
            for finished in bursts:
                finished.result()  # a client that broke for another reason fails the test
    assert len(acknowledged) > 50, "the burst did not get going"
    # Restarted, the server comes up on the same database, and every comment that was
    # acknowledged (a 201) is stored: posts are answered only after their commit.
    with server_process(url, tmp_path) as (base, _):
        assert httpx.get(f"{base}/readyz").status_code == 200
    stored, intact = run_async(stored_bodies(url, list(acknowledged)))
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged comments were lost"
    assert stored == acknowledged  # byte for byte, each once
    assert intact


async def stored_bodies(url: str, ids: list[int]) -> tuple[dict[int, str], bool]:
    """The stored Markdown of these comments, and whether the database checks out."""
    db = Database(url, pool_size=1)
    try:
        async with db.read() as conn:
            query = select(comments.c.id, comments.c.body_md).where(comments.c.id.in_(ids))
            found = {row[0]: row[1] for row in await conn.execute(query)}
            intact = True
            if db.is_sqlite:
                check = await conn.exec_driver_sql("PRAGMA integrity_check")
                intact = check.scalar() == "ok"
        return found, intact
    finally:
        await db.dispose()


PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), Path("/usr/local/bin"))


@contextmanager
def throwaway_postgresql(tmp_path: Path, port: int) -> Iterator[Any]:
    """A PostgreSQL cluster of our own, that a test may stop and start (as user postgres
    when we are root: initdb refuses to run as root)."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not installed")
    # Not under pytest's tmp_path: its parents are private to root, and PostgreSQL runs as
    # the postgres user.
    home = Path(tempfile.mkdtemp(prefix="tribune-pg-"))
    data = home / "pgdata"
    data.mkdir()
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(home, "postgres")
        shutil.chown(data, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def pg(*command: str) -> None:
        subprocess.run([*as_postgres, *command], check=True, capture_output=True, timeout=60)

    pg(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    start = [
        str(PG_BIN / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(data / "log"),
        "-w",
        "-o",
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
    ]
    pg(*start, "start")
    try:
        yield (
            lambda: pg(*start, "start"),
            lambda: pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
        )
    finally:
        subprocess.run(
            [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )


def test_a_postgresql_restart_answers_503_then_recovers(tmp_path: Path) -> None:
    port = free_port()
    with throwaway_postgresql(tmp_path, port) as (start, stop):
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        workdir = tmp_path / "work"
        workdir.mkdir()
        with running_server(url, workdir) as base:
            story_id = first_story(base)
            assert post(base, story_id, "Before the restart").status_code == 201
            stop()
            during = post(base, story_id, "While the database is down")
            assert during.status_code == 503
            assert during.headers["retry-after"] == "5"
            assert during.headers["content-type"] == "application/problem+json"
            assert "Traceback" not in during.text
            assert httpx.get(f"{base}/readyz").status_code == 503
            page = httpx.get(f"{base}/stories/x-{spelled(port)}")
            assert page.status_code in (404, 503)
            start()
            # The pool reconnects by itself: no restart of Tribune.
            deadline = time.monotonic() + 20
            while True:
                answer = post(base, story_id, f"After the restart {spelled(time.monotonic())}")
                if answer.status_code == 201:
                    break
                assert answer.status_code == 503, answer.text
                assert time.monotonic() < deadline, "Tribune did not reconnect"
                time.sleep(0.3)
            assert httpx.get(f"{base}/readyz").status_code == 200


def test_rate_limits_hold_across_instances(
    tmp_path: Path, postgresql_ready: str | None, shared_redis: str
) -> None:
    if postgresql_ready:
        pytest.skip("PostgreSQL unavailable")
    run_async(truncate_postgresql())
    # A Redis database of this test's own, so counters of earlier runs do not interfere.
    redis_url = shared_redis.rsplit("/", 1)[0] + "/3"
    subprocess.run(["redis-cli", "-n", "3", "flushdb"], check=False, capture_output=True)
    env = {"TRIBUNE_REDIS_URL": redis_url, "TRIBUNE_RATE_LIMITS": "on"}
    with (
        running_server(POSTGRESQL_URL, tmp_path, env=env) as a,
        running_server(POSTGRESQL_URL, tmp_path, TRIBUNE_DEMO="0", env=env) as b,
    ):
        story_id = first_story(a)
        for n in range(5):
            answer = httpx.post(
                f"{a}/api/v1/stories/{story_id}/comments",
                json={"name": "Busy reader", "body": f"Quick take {spelled(n)}"},
            )
            assert answer.status_code == 201
        # The sixth comment in the minute, through the other instance: still too many.
        refused = httpx.post(
            f"{b}/api/v1/stories/{story_id}/comments",
            json={"name": "Busy reader", "body": "One more, elsewhere"},
        )
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
