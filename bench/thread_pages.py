"""`make bench` scenario: reading a 100,000-comment thread costs what a 200-comment one does.

Seeds a 200-comment and a 100,000-comment story into a fresh database (SQLite, and
PostgreSQL when reachable), serves them with `tribune serve`, and drives wrk on loopback
against the first, middle and last page of each thread. Prints requests/s and latency, and the
ratio of each read to the 200-comment first page; writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import running_server

from bench.seed import seed_story
from tribune import cursor
from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import comments

RESULTS = Path(__file__).resolve().parent / "results"
POSTGRESQL_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRESQL_BENCH = "postgresql://postgres@127.0.0.1:5432/tribune_bench"


async def fresh_postgresql() -> str | None:
    try:
        # CREATE DATABASE cannot run inside a transaction: asyncpg runs it as it comes.
        admin = await asyncpg.connect(POSTGRESQL_ADMIN)
    except OSError as exc:
        print(f"PostgreSQL unavailable ({exc}); SQLite only")
        return None
    try:
        await admin.execute("DROP DATABASE IF EXISTS tribune_bench")
        await admin.execute("CREATE DATABASE tribune_bench")
    finally:
        await admin.close()
    return POSTGRESQL_BENCH


async def prepare(url: str, big: int) -> dict[str, Any]:
    """Seed both stories; return their ids, slugs and page cursors."""
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        started = time.perf_counter()
        small = await seed_story(db, "Two hundred comments", 200, seed=1)
        large = await seed_story(db, "A hundred thousand comments", big, seed=2)
        print(f"  seeded 200 + {big:,} comments in {time.perf_counter() - started:.1f} s")
        async with db.read() as conn:
            numbers = (
                (
                    await conn.execute(
                        select(comments.c.number)
                        .where(comments.c.story_id == large, comments.c.depth == 0)
                        .order_by(comments.c.number)
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await db.dispose()
    middle = numbers[len(numbers) // 2 - 1]
    last = numbers[-51]
    return {
        "small": small,
        "large": large,
        "middle": cursor.encode(["oldest", middle]),
        "last": cursor.encode(["oldest", last]),
    }


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(  # noqa: S603  (wrk from PATH with our own arguments)
        command,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rate, out
    return {
        "rps": float(rate.group(1)),
        "p50_ms": millis("50%"),
        "p99_ms": millis("99%"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def rss_mb(port: int) -> float:
    """Resident memory of the `tribune serve --port PORT` process (one worker), from /proc."""
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and str(port).encode() in command:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    return float("nan")


def run(backend: str, url: str, workdir: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    print(f"{backend}:")
    ids = asyncio.run(prepare(url, args.comments))
    rows: list[dict[str, Any]] = []
    with running_server(url, workdir, TRIBUNE_DEMO="0", TRIBUNE_LOG_LEVEL="warning") as base:
        api = f"{base}/api/v1/stories"
        slug_large = httpx.get(f"{api}/{ids['large']}").json()["slug"]
        slug_small = httpx.get(f"{api}/{ids['small']}").json()["slug"]
        big = f"API {args.comments:,} comments"
        large = f"{api}/{ids['large']}/comments"
        scenarios = {
            "API 200 comments, first page": f"{api}/{ids['small']}/comments",
            f"{big}, first page": large,
            f"{big}, middle page": f"{large}?cursor={ids['middle']}",
            f"{big}, last page": f"{large}?cursor={ids['last']}",
            "page 200 comments": f"{base}/stories/{slug_small}",
            f"page {args.comments:,} comments": f"{base}/stories/{slug_large}",
        }
        for name, target in scenarios.items():
            assert httpx.get(target).status_code == 200, target
            result = wrk(target, args.seconds, args.connections)
            rows.append({"backend": backend, "scenario": name, **result})
        # Every sort of the large thread read too, then the worker's resident memory.
        for sort in ("newest", "top", "replies"):
            assert httpx.get(f"{large}?sort={sort}").status_code == 200
        memory = rss_mb(int(base.rsplit(":", 1)[1]))
    print(f"  resident memory of the worker after serving them: {memory:.0f} MB")
    base_api = rows[0]["rps"]
    base_page = next(r["rps"] for r in rows if r["scenario"] == "page 200 comments")
    for row in rows:
        row["ratio"] = row["rps"] / (base_page if row["scenario"].startswith("page") else base_api)
        row["worker_rss_mb"] = memory
        print(
            f"  {row['scenario']:<42} {row['rps']:>8.0f} req/s  p50 {row['p50_ms']:>6.2f} ms"
            f"  p99 {row['p99_ms']:>6.2f} ms  ×{row['ratio']:.2f} of 200-comment read"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="tribune-bench-"))
    rows = run("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir, args)
    postgresql = asyncio.run(fresh_postgresql())
    if postgresql:
        rows += run("postgresql", postgresql, workdir, args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"thread-pages-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
