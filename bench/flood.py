"""`make bench-flood` (and the end of `make bench`): do floods of posts, slow bodies and huge
bodies leave readers fast, and the server's memory bounded?

One `tribune serve` on SQLite in its default configuration (one worker, rate limits on, the
access log at info), except that it trusts 127.0.0.1 as its proxy, so that X-Forwarded-For
can stand for many clients, and that a body gets 5 s (TRIBUNE_BODY_TIMEOUT) instead of 30.
Readers are two wrk processes (bench/flood_read.lua) on a seeded 200-comment story, its
comments API and its HTML page; each connection pauses between reads, so they ask a steady
rate (about 300 and 40 a second) whatever else the server does. Their p99 in each scenario is
compared with the quiet one (target: within 2×):

1. quiet: the readers alone, after each read flat out (the capacity, and a warm-up);
2. flood A: 10,000 posts from one client with fresh names and texts, to the story being read
   (bench/flood_post.lua), at 500 a second asked, then flat out: the per-client limit
   (an address's: 4 readers' worth, 20 a minute, since every post without a cookie is a
   new reader) should store 20 and refuse the rest with 429;
3. flood B: 2 posts from each of 1,000 simulated clients, half to the story being read and
   half over nine more; half the clients IPv4 addresses, a quarter IPv6 addresses spread
   over four /64s and a quarter inside one /64 (one client to Tribune), at 200 a second
   asked: stored as the limit allows, held by the surge rule (above 60 a minute on a story,
   300 site-wide: "status": "pending", "held: surge: ..."), refused;
4. slow and huge bodies: 200 connections opened at once trickling a body at 1 byte/s (408
   after the body timeout, connection closed), and 10 MB bodies with Content-Length and
   chunked (413 at once, or the connection cut);
5. after: the readers alone again (recovered?).

The server's VmRSS is sampled throughout (bounded: +64 MB at the peak, +32 MB after), and
its CPU time over each scenario is shown; the database is checked against the answers.
Prints a table and PASS/FAIL per target and writes JSON and Markdown to bench/results/. A
missed target does not fail the run; a 5xx, a crash or a broken tool does.

    python bench/flood.py            # about 90 s
    python bench/flood.py --quick    # 3,000 posts in flood A, 1 post a client in B, 50
                                     # slow bodies, shorter reads, no flat-out flood: < 1 min
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import server_process  # noqa: E402

from bench.compare import RESULTS  # noqa: E402
from bench.seed import seed_story  # noqa: E402
from tribune.moderation.rules import RuleConfig  # noqa: E402
from tribune.ratelimit import ADDRESS_FACTOR  # noqa: E402
from tribune.storage import migrate  # noqa: E402
from tribune.storage.engine import Database  # noqa: E402
from tribune.storage.tables import comments  # noqa: E402
from tribune.stories.service import StoryDraft, publish  # noqa: E402

BENCH = ROOT / "bench"
DEFAULTS = RuleConfig()  # the moderation settings a new site has
# Comments one client address may post, all its readers together (flood posts carry no
# cookie, so each is a new reader, and a fresh name: the address's bound is what holds).
RATE_PER_MINUTE = DEFAULTS.rate_per_minute * ADDRESS_FACTOR
SURGE_STORY, SURGE_SITE = DEFAULTS.surge_story_per_minute, DEFAULTS.surge_site_per_minute
BODY_TIMEOUT = 5
TARGET_RATIO = 2.0
T = TypeVar("T")


class BenchError(Exception):
    """Something answered 5xx, crashed or could not be measured: the run fails."""


@dataclass
class Reads:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    server_errors: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class Posts:
    sent: int = 0
    accepted: int = 0
    held: int = 0
    held_story: int = 0
    held_site: int = 0
    held_other: int = 0
    refused: int = 0
    server_errors: int = 0
    other: int = 0
    codes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    socket_errors: int = 0


@dataclass
class Row:
    scenario: str
    reader: str
    reads: Reads
    ratio: float | None = None
    posts: Posts | None = None
    rss_mb: float = float("nan")
    cpu: float = float("nan")  # the server's CPU time over wall time in the scenario


@dataclass
class Window:
    """What the readers saw while a load ran, and what the server used meanwhile."""

    reads: dict[str, Reads]
    rss_mb: float  # the peak
    cpu: float


@dataclass
class Bodies:
    slow: list[tuple[int | None, float, bool]] = field(default_factory=list)
    huge: list[tuple[str, int | None, float, int]] = field(default_factory=list)


# wrk ---------------------------------------------------------------------------------------------


def start_wrk(
    url: str, seconds: float, connections: int, lua: str, *args: object
) -> subprocess.Popen[str]:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"refusing a non-loopback target: {url}")
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, math.ceil(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / lua),
        url,
        "--",
        *map(str, args),
    ]
    return subprocess.Popen(  # noqa: S603  (wrk from PATH with our own arguments)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wrk_result(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.read(), process.stderr.read()  # what posts_of left to read
    process.wait(60)
    for line in out.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[len("RESULT ") :]))
    raise BenchError(f"wrk gave no result (exit {process.returncode}):\n{out}\n{err}")


def reads_of(process: subprocess.Popen[str]) -> Reads:
    return Reads(**wrk_result(process))


def posts_of(process: subprocess.Popen[str]) -> Posts:
    """The flood's tally, once its script says DONE (wrk itself would wait out -d)."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == "DONE":
            break
    process.send_signal(signal.SIGINT)
    return Posts(**wrk_result(process))


def show(row: Row) -> None:
    r = row.reads
    print(
        f"  {row.scenario:<34} {row.reader:<10} {r.rps:>6.0f} reads/s  p50 {r.p50_ms:>6.2f}  "
        f"p90 {r.p90_ms:>6.2f}  p99 {r.p99_ms:>7.2f}  max {r.max_ms:>7.2f} ms"
        + (f"  ×{row.ratio:.2f}" if row.ratio else "")
        + ("" if math.isnan(row.rss_mb) else f"  RSS {row.rss_mb:.0f} MB")
        + ("" if math.isnan(row.cpu) else f"  server CPU {row.cpu:.0%}"),
        flush=True,
    )


# Memory --------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (/proc/PID/stat, after the name)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


@contextmanager
def sampled_rss(pid: int) -> Iterator[list[float]]:
    """The server's VmRSS every 50 ms while the block runs; yields the samples (in MB)."""
    samples = [rss_mb(pid)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            try:
                samples.append(rss_mb(pid))
            except OSError:
                return  # the server is gone: the caller reports it

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield samples
    finally:
        stop.set()
        sampler.join()


# Slow and huge bodies ------------------------------------------------------------------------


async def status_line(reader: asyncio.StreamReader) -> int | None:
    line = await reader.readline()
    parts = line.split()
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


async def closed(reader: asyncio.StreamReader, within: float) -> bool:
    """The server closes the connection after its answer (read to the end)."""
    try:
        async with asyncio.timeout(within):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


async def trickle(port: int, path: str, give_up: float) -> tuple[int | None, float, bool]:
    """A body announced as 10,000 bytes, sent 1 byte a second: the status that ends it (None
    when the server closed without one, or never answered), when, and whether it closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{".encode()
    )
    status: int | None = None
    try:
        while time.monotonic() - started < give_up:
            try:
                status = await asyncio.wait_for(status_line(reader), timeout=1)
                break
            except TimeoutError:
                writer.write(b" ")
                await writer.drain()
        shut = status is not None and await closed(reader, 2)
    except ConnectionError:
        shut = True
    finally:
        writer.close()
    return status, time.monotonic() - started, shut


async def huge(port: int, path: str, chunked: bool) -> tuple[str, int | None, float, int]:
    """A 10 MB body pushed as fast as the server takes it: the answer's status, how long it
    took, and how many bytes the client had pushed by then."""
    size, piece = 10 * 1024 * 1024, b"x" * 65536
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started, pushed = time.monotonic(), 0
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n".encode()
    )

    async def push() -> None:
        nonlocal pushed
        while pushed < size:
            writer.write(b"10000\r\n" + piece + b"\r\n" if chunked else piece)
            await writer.drain()
            pushed += len(piece)
        if chunked:
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    sender = asyncio.create_task(push())
    status: int | None = None
    try:
        status = await asyncio.wait_for(status_line(reader), timeout=30)
    except (TimeoutError, ConnectionError):
        pass
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()
    return ("chunked" if chunked else "Content-Length"), status, time.monotonic() - started, pushed


async def bodies(port: int, path: str, slow: int, large: int) -> Bodies:
    give_up = BODY_TIMEOUT + 10
    slow_runs = [trickle(port, path, give_up) for _ in range(slow)]
    huge_runs = [huge(port, path, chunked=i % 2 == 1) for i in range(large)]
    trickled = await asyncio.gather(*slow_runs)
    return Bodies(list(trickled), list(await asyncio.gather(*huge_runs)))


# The run -------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a run does. Readers ask about 300 API reads and 40 page reads a second (each
    connection pauses between reads), a fraction of what one worker serves; floods come
    over `flood_connections` at a set rate (each connection pausing), or flat out."""

    quiet_seconds: float
    posts_a: int
    rate_a: int
    clients_b: int
    posts_per_client: int
    rate_b: int
    flat_out: bool
    slow: int
    large: int
    flood_connections: int = 10
    readers: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"API thread": (4, 10), "story page": (1, 20)}
    )  # connections, pause in ms


async def prepare(url: str) -> dict[str, Any]:
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        read = await seed_story(db, "Thread under a flood", 200, seed=200)
        others = [
            await publish(db, StoryDraft(title=f"Flooded {i}", body_md="Text.")) for i in range(9)
        ]
    finally:
        await db.dispose()
    return {"read": read, "stories": [read, *others]}


async def stored(url: str) -> dict[str, int]:
    """The flood's comments in the database, by status: what the answers said, cross-checked."""
    db = Database(url, pool_size=1)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                select(comments.c.status, func.count())
                .where(comments.c.name.like("Flood %"))
                .group_by(comments.c.status)
            )
            return {str(status): int(count) for status, count in rows}
    finally:
        await db.dispose()


async def hold_reasons(url: str, tag: str) -> tuple[int, int, int]:
    """How many of a flood's held comments the surge rule held per story, site-wide, and
    otherwise, from the reasons stored with them (an author is told only "Awaiting
    moderation", so the answers cannot say)."""
    db = Database(url, pool_size=1)
    story = site = other = 0
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                select(comments.c.verdicts).where(
                    comments.c.name.like(f"Flood {tag}%"), comments.c.status == "pending"
                )
            )
            for (verdicts,) in rows:
                reasons = " ".join(v["reason"] for v in verdicts or [])
                if "site-wide" in reasons and "surge" in reasons:
                    site += 1
                elif "surge" in reasons:
                    story += 1
                else:
                    other += 1
    finally:
        await db.dispose()
    return story, site, other


class Bench:
    def __init__(
        self,
        base: str,
        process: subprocess.Popen[bytes],
        prepared: dict[str, Any],
        plan: Plan,
    ) -> None:
        self.base, self.process, self.plan = base, process, plan
        self.port = int(base.rsplit(":", 1)[1])
        self.stories: list[int] = prepared["stories"]
        self.read_story: int = prepared["read"]
        api = f"{base}/api/v1/stories/{self.read_story}"
        slug = httpx.get(api).json()["slug"]
        urls = {"API thread": f"{api}/comments", "story page": f"{base}/stories/{slug}"}
        self.targets = {name: (urls[name], *paced) for name, paced in plan.readers.items()}
        self.rows: list[Row] = []
        self.quiet: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self.errors: list[str] = []

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(f"tribune serve exited with {self.process.returncode}")

    def during(self, load: Callable[[], T]) -> tuple[Window, T]:
        """The readers while `load` runs (wrk reports when interrupted): their reads, the
        server's peak RSS and CPU meanwhile, and the load's result."""
        cpu, wall = cpu_seconds(self.process.pid), time.monotonic()
        with sampled_rss(self.process.pid) as samples:
            readers = {
                name: start_wrk(url, 600, conns, "flood_read.lua", pause)
                for name, (url, conns, pause) in self.targets.items()
            }
            try:
                began = time.monotonic()
                result = load()
                # wrk must have set up its SIGINT handler, and read for a while
                time.sleep(max(0.0, 2 - (time.monotonic() - began)))
            finally:
                for process in readers.values():
                    process.send_signal(signal.SIGINT)
            reads = {name: reads_of(process) for name, process in readers.items()}
        self.alive()
        used = (cpu_seconds(self.process.pid) - cpu) / (time.monotonic() - wall)
        for name, r in reads.items():
            if r.server_errors:
                self.errors.append(f"{r.server_errors} reads of the {name} answered 5xx")
            if r.non_2xx or r.socket_errors:
                self.errors.append(
                    f"{name}: {r.non_2xx} non-2xx reads, {r.socket_errors} socket errors"
                )
        return Window(reads, max(samples), used), result

    def record(self, scenario: str, window: Window, posts: Posts | None = None) -> None:
        for index, (name, r) in enumerate(window.reads.items()):
            ratio = r.p99_ms / self.quiet[name] if self.quiet else None
            first = index == 0
            row = Row(scenario, name, r, ratio, posts if first else None, window.rss_mb, window.cpu)
            self.rows.append(row)
            show(row)
        if posts is not None:
            print(
                f"  {'':<34} posts: {posts.sent} sent in {posts.seconds:.1f} s "
                f"(answered in p50 {posts.p50_ms:.1f} ms, p99 {posts.p99_ms:.1f} ms): "
                f"{posts.accepted} published, {posts.held} held (surge on the story "
                f"{posts.held_story}, site-wide {posts.held_site}, other {posts.held_other}), "
                f"{posts.refused} refused, {posts.other} other, {posts.server_errors} 5xx",
                flush=True,
            )
            if posts.server_errors:
                self.errors.append(f"{scenario}: {posts.server_errors} posts answered 5xx")
            if posts.socket_errors:
                self.errors.append(f"{scenario}: {posts.socket_errors} posts hit socket errors")

    def flat_out(self) -> None:
        """Each read alone, closed loop at 10 connections: the capacity the readers use a
        fraction of."""
        for name, (url, _conns, _pause) in self.targets.items():
            r = reads_of(start_wrk(url, self.plan.quiet_seconds / 2, 10, "flood_read.lua", 0))
            self.rows.append(Row("quiet, flat out (c10)", name, r))
            show(self.rows[-1])

    def quiet_reads(self, scenario: str, seconds: float) -> None:
        window, _ = self.during(lambda: time.sleep(seconds))
        if not self.quiet:
            self.quiet = {name: r.p99_ms for name, r in window.reads.items()}
        self.record(scenario, window)

    def flood(self, flood: Flood) -> Posts:
        """The flood's posts at its rate (0: flat out) while the readers read."""
        connections = self.plan.flood_connections
        # Each connection pauses so that together they post at the rate.
        pause = round(connections * 1000 / flood.rate) if flood.rate else 0

        def load() -> Posts:
            poster = start_wrk(
                f"{self.base}/api/v1/stories/{flood.stories[0]}/comments",
                300,  # a bound: the posts end the run
                connections,
                "flood_post.lua",
                flood.total,
                pause,
                flood.clients,
                ",".join(map(str, flood.stories)),
                flood.tag,
            )
            return posts_of(poster)

        window, posts = self.during(load)
        self.record(flood.scenario, window, posts)
        flood.posts = posts
        return posts

    def slow_bodies(self) -> Bodies:
        path = f"/api/v1/stories/{self.read_story}/comments"
        plan = self.plan
        window, result = self.during(
            lambda: asyncio.run(bodies(self.port, path, plan.slow, plan.large))
        )
        self.record(f"{plan.slow} slow + {plan.large} huge bodies", window)
        return result


@dataclass
class Flood:
    scenario: str
    tag: str  # sets its names and its one address apart from another flood's
    total: int
    rate: int  # posts a second; 0: flat out
    clients: int  # 1, or simulated clients: half IPv4, a quarter in four /64s, a quarter in one
    stories: list[int]
    posts: Posts = field(default_factory=Posts)

    def clients_counted(self) -> int:
        """The clients Tribune sees: IPv4 addresses, four /64s and the one /64."""
        return 1 if self.clients == 1 else self.clients // 2 + 4 + 1

    def most_stored(self) -> int:
        """What the per-client limit lets through: RATE_PER_MINUTE from each client address
        (counted by /64 for IPv6); every post has a name of its own and no cookie."""
        p = self.posts
        minutes = max(1, math.ceil(p.seconds / 60))
        if self.clients == 1:
            return min(p.sent, RATE_PER_MINUTE * minutes)
        per_address = math.ceil(self.total / self.clients)
        quarter = self.clients // 4
        ipv4 = self.clients // 2 * min(per_address, RATE_PER_MINUTE * minutes)
        in_one = min(quarter * per_address, RATE_PER_MINUTE * minutes)
        spread = sum(
            min(len(range(k, quarter, 4)) * per_address, RATE_PER_MINUTE * minutes)
            for k in range(4)
        )
        return ipv4 + in_one + spread


def checks(
    bench: Bench, floods: list[Flood], got: Bodies, in_db: dict[str, int]
) -> list[tuple[bool, str]]:
    lines: list[tuple[bool, str]] = []
    for row in bench.rows:
        if row.ratio is not None and row.scenario != "quiet":
            lines.append(
                (
                    row.ratio <= TARGET_RATIO,
                    f"{row.scenario}: {row.reader} p99 {row.reads.p99_ms:.2f} ms = "
                    f"{row.ratio:.2f}× quiet ({bench.quiet[row.reader]:.2f} ms; target ≤ "
                    f"{TARGET_RATIO:g}×)",
                )
            )
    for flood in floods:
        p, expected = flood.posts, flood.most_stored()
        kept = p.accepted + p.held
        lines.append(
            (
                kept == expected and p.refused == p.sent - kept,
                f"{flood.scenario}: {flood.clients:,} address(es) = {flood.clients_counted()} "
                f"client(s) (IPv6 by /64), {p.sent / p.seconds:.0f} posts/s: {kept} stored "
                f"({expected} expected at {RATE_PER_MINUTE} a minute each), {p.refused} "
                f"refused with 429",
            )
        )
        if flood.clients > 1:
            # Within a minute: the hottest story holds past 60, the site past 300 (a story
            # past 60 says so first), so at most 300 are published.
            hottest = kept * max(map(flood.stories.count, flood.stories)) / len(flood.stories)
            minutes = max(1, math.ceil(p.seconds / 60))
            lines.append(
                (
                    (p.held_story > 0) == (hottest > SURGE_STORY)
                    and (p.held_site > 0) == (kept > SURGE_SITE)
                    and p.held_other == 0
                    and p.accepted <= SURGE_SITE * minutes,
                    f"{flood.scenario}: surge rule: {p.accepted} published, {p.held_story} "
                    f"held per story (> {SURGE_STORY}/min), {p.held_site} held site-wide "
                    f"(> {SURGE_SITE}/min), {p.held_other} held otherwise",
                )
            )
    timely = [s for s, t, shut in got.slow if s == 408 and shut and t <= BODY_TIMEOUT + 2]
    worst = max((t for _, t, _ in got.slow), default=0.0)
    lines.append(
        (
            len(timely) == len(got.slow),
            f"slow bodies: {len(timely)}/{len(got.slow)} answered 408 and closed within "
            f"{BODY_TIMEOUT + 2} s (slowest {worst:.1f} s; TRIBUNE_BODY_TIMEOUT={BODY_TIMEOUT})",
        )
    )
    for framing, status, seconds, pushed in got.huge:
        # The server answers 413 at once and closes; a client still pushing may see only the
        # reset (which drops the answer it had not read yet): cut off either way.
        answer = "cut off" if status is None else str(status)
        lines.append(
            (
                status in (413, None) and seconds < 5,
                f"10 MB body ({framing}): {answer} after {seconds * 1000:.0f} ms, "
                f"{pushed / 1024 / 1024:.1f} MB pushed into the socket by then",
            )
        )
    published = sum(f.posts.accepted for f in floods)
    held = sum(f.posts.held for f in floods)
    lines.append(
        (
            in_db == {k: v for k, v in (("approved", published), ("pending", held)) if v},
            f"stored: {in_db} in the database; the answers said {published} published, {held} held",
        )
    )
    before, peak, after = bench.rss["before"], bench.rss["peak"], bench.rss["after"]
    lines.append(
        (
            peak - before <= 64 and after - before <= 32,
            f"memory: RSS {before:.0f} MB before the floods, {peak:.0f} MB at the peak, "
            f"{after:.0f} MB after (bounds: +64 MB at the peak, +32 MB after)",
        )
    )
    return lines


def noise(bench: Bench) -> list[str]:
    """The same readers, quiet before and after the floods: far apart, the machine's other
    load moved the baseline, and the ratios are uncertain."""
    after = {row.reader: row.reads.p99_ms for row in bench.rows if row.scenario == "after"}
    return [
        f"{reader}: quiet p99 {quiet:.2f} ms before the floods and {after[reader]:.2f} ms after;"
        " something else loads this machine, so the ratios are uncertain: run again"
        for reader, quiet in bench.quiet.items()
        if reader in after and not 2 / 3 <= after[reader] / quiet <= 3 / 2
    ]


def report(bench: Bench) -> str:
    lines = [
        "| scenario | read | reads/s | p50 ms | p90 ms | p99 ms | max ms | p99 ×quiet "
        "| posts sent | accepted | held | refused | peak RSS MB | server CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in bench.rows:
        r, p = row.reads, row.posts
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        counts = f"{p.sent:,} | {p.accepted:,} | {p.held:,} | {p.refused:,}" if p else " |  |  | "
        rss = "" if math.isnan(row.rss_mb) else f"{row.rss_mb:.0f}"
        cpu = "" if math.isnan(row.cpu) else f"{row.cpu:.0%}"
        lines.append(
            f"| {row.scenario} | {row.reader} | {r.rps:,.0f} | {r.p50_ms:.2f} | "
            f"{r.p90_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.0f} | {ratio} | {counts} | {rss} "
            f"| {cpu} |"
        )
    return "\n".join(lines)


def run(plan: Plan) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="tribune-flood-"))
    url = f"sqlite:///{workdir / 'flood.db'}"
    print("Seeding a 200-comment story and nine more ...", flush=True)
    prepared = asyncio.run(prepare(url))
    settings = {
        "TRIBUNE_DEMO": "0",
        "TRIBUNE_RATE_LIMITS": "on",  # tests/server.py turns them off by default
        "TRIBUNE_TRUSTED_PROXIES": "127.0.0.1",
        "TRIBUNE_BODY_TIMEOUT": str(BODY_TIMEOUT),
    }
    read, stories = prepared["read"], prepared["stories"]
    total_b = plan.clients_b * plan.posts_per_client
    floods = [
        Flood(
            f"flood A: {plan.posts_a:,} posts, 1 client", "a", plan.posts_a, plan.rate_a, 1, [read]
        ),
        *(
            [Flood(f"flood A flat out: {plan.posts_a:,} posts", "f", plan.posts_a, 0, 1, [read])]
            if plan.flat_out
            else []
        ),
        # A raid on the thread being read: half its posts there, half over nine more stories.
        Flood(
            f"flood B: {total_b:,} posts, {plan.clients_b:,} clients",
            "b",
            total_b,
            plan.rate_b,
            plan.clients_b,
            [read] * (len(stories) - 1) + stories[1:],
        ),
    ]
    started = time.monotonic()
    with server_process(url, workdir, env=settings) as (base, process):
        bench = Bench(base, process, prepared, plan)
        for target, _, _ in bench.targets.values():
            for _ in range(3):
                if httpx.get(target).status_code != 200:
                    raise BenchError(f"{target} does not answer 200")
        bench.flat_out()
        bench.quiet_reads("quiet", plan.quiet_seconds)
        bench.rss["before"] = rss_mb(process.pid)
        for flood in floods:
            bench.flood(flood)
        got = bench.slow_bodies()
        bench.quiet_reads("after", plan.quiet_seconds / 2)
        bench.rss["peak"] = max(row.rss_mb for row in bench.rows if not math.isnan(row.rss_mb))
        bench.rss["after"] = rss_mb(process.pid)
        bench.alive()
    elapsed = time.monotonic() - started
    in_db = asyncio.run(stored(url))
    for flood in floods:
        p = flood.posts
        p.held_story, p.held_site, p.held_other = asyncio.run(hold_reasons(url, flood.tag))

    table = report(bench)
    print("\n" + table + "\n")
    results = checks(bench, floods, got, in_db)
    notes = noise(bench)
    for ok, line in results:
        print(f"{'PASS' if ok else 'FAIL'}  {line}")
    for line in notes:
        print(f"NOTE  {line}")
    statuses = [s for s, _, _ in got.slow] + [s for _, s, _, _ in got.huge]
    if any(s is not None and s >= 500 for s in statuses):
        bench.errors.append("a slow or huge body was answered 5xx")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = {
        "plan": asdict(plan),
        "rows": [asdict(row) | {"rps": row.reads.rps} for row in bench.rows],
        "rss_mb": bench.rss,
        "bodies": asdict(got),
        "stored": in_db,
        "checks": [{"pass": ok, "line": line} for ok, line in results],
        "notes": notes,
        "errors": bench.errors,
        "seconds": elapsed,
    }
    (RESULTS / f"flood-{stamp}.json").write_text(json.dumps(data, indent=2))
    lines = "\n".join(
        [f"{'PASS' if ok else 'FAIL'}  {line}" for ok, line in results]
        + [f"NOTE  {line}" for line in notes]
    )
    (RESULTS / f"flood-{stamp}.md").write_text(table + "\n\n" + lines + "\n")
    print(f"\nserved for {elapsed:.0f} s; results: bench/results/flood-{stamp}.json and .md")
    shutil.rmtree(workdir, ignore_errors=True)
    for error in bench.errors:
        print(f"ERROR  {error}")
    return 1 if bench.errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer posts, shorter reads: < 1 min")
    parser.add_argument("--rate-a", type=int, default=500, help="flood A's posts a second")
    parser.add_argument("--rate-b", type=int, default=200, help="flood B's posts a second")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    plan = Plan(
        quiet_seconds=5 if args.quick else 10,
        posts_a=3_000 if args.quick else 10_000,
        rate_a=args.rate_a,
        clients_b=1_000,
        posts_per_client=1 if args.quick else 2,
        rate_b=args.rate_b,
        flat_out=not args.quick,
        slow=50 if args.quick else 200,
        large=4,
    )
    try:
        sys.exit(run(plan))
    except BenchError as exc:
        sys.exit(f"ERROR  {exc}")


if __name__ == "__main__":
    main()
