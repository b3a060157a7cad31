"""`make bench`: Tribune against Isso 0.14 and a bare-ASGI ceiling, in one run, one table.

Isso is set up, seeded and served by the shared anchor scripts (../shared/bench/anchors),
with its state under bench/.anchors. Tribune gets threads of the same sizes and shape
(200 = 150 top-level + 50 replies, 2,000, and 100,000 in the full run; 200–600 character
Markdown bodies). Every case is one bounded wrk run on loopback (-t1 -c50, --timeout 30s),
repeated and reduced to the median; servers start fresh for each case.

    python bench/compare.py            # full: SQLite and PostgreSQL, 1 and 2 workers, 3 repeats
    python bench/compare.py --quick    # SQLite, shorter runs, one repeat: under 3 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import free_port, running_server  # noqa: E402

from bench.seed import seed_story  # noqa: E402
from bench.thread_pages import fresh_postgresql  # noqa: E402
from tribune.storage import migrate  # noqa: E402
from tribune.storage.engine import Database  # noqa: E402
from tribune.storage.tables import comments  # noqa: E402
from tribune.stories.service import StoryDraft, publish  # noqa: E402

ANCHORS = Path(os.environ.get("TRIBUNE_ANCHORS", ROOT.parent / "shared" / "bench" / "anchors"))
STATE = ROOT / "bench" / ".anchors"
RESULTS = ROOT / "bench" / "results"
ISSO_PORT = 8080
ISSO_THREAD = "/?uri=%2Fstory%2F{n}&sort=oldest&offset=0&nested_limit=5"


@dataclass
class Case:
    scenario: str
    server: str
    rps: float
    p50_ms: float
    p99_ms: float
    bytes: int
    errors: int
    runs: list[float] = field(default_factory=list)
    # Posting: sent, answered and acked (201) as tribune_post.lua counted them, rows stored.
    posting: dict[str, int] = field(default_factory=dict)


def wrk(
    url: str,
    seconds: int,
    connections: int,
    lua: Path | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"refusing a non-loopback target: {url}")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if lua:
        command += ["-s", str(lua)]
    out = subprocess.run(  # noqa: S603  (wrk from PATH with our own arguments)
        [*command, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    units = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}
    done = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(\w+) read", out)
    assert done, out
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out
    requests = max(1, int(done.group(1)))
    return {
        "rps": float(rate.group(1)),
        "p50_ms": millis("50%"),
        "p99_ms": millis("99%"),
        "bytes": round(float(done.group(2)) * units[done.group(3)] / requests),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
        **{k: int(v) for k, v in re.findall(r"\b(sent|answered|acked) (\d+)", out)},
    }


def measure(
    scenario: str,
    server: str,
    url: str,
    args: argparse.Namespace,
    lua: Path | None = None,
    *,
    warm: int = 3,
    connections: int | None = None,
    seconds: int | None = None,
    headers: dict[str, str] | None = None,
) -> Case:
    runs = []
    connections = connections or args.connections
    for _ in range(args.repeats):
        for _ in range(warm):
            if lua is None:  # a slow peer may still be draining a backlog
                httpx.get(url, timeout=300, headers=headers)
        runs.append(wrk(url, seconds or args.seconds, connections, lua, headers))
    if connections != args.connections:
        server += f" c{connections}"
    mid = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
    case = Case(
        scenario,
        server,
        statistics.median(r["rps"] for r in runs),
        mid["p50_ms"],
        mid["p99_ms"],
        int(mid["bytes"]),
        int(sum(r["errors"] for r in runs)),
        [r["rps"] for r in runs],
    )
    case.posting = {
        k: sum(int(r[k]) for r in runs) for k in ("sent", "answered", "acked") if k in mid
    }
    print(
        f"  {scenario:<34} {server:<28} {case.rps:>9.0f} req/s  p50 {case.p50_ms:>7.2f} ms"
        f"  p99 {case.p99_ms:>8.2f} ms  {case.bytes:>7} B  errors {case.errors}",
        flush=True,
    )
    return case


def posting(scenario: str, server: str, url: str, args: argparse.Namespace, db_url: str) -> Case:
    """measure() of tribune_post.lua, then its acknowledged posts (201s) against the rows the
    story gained. Every acknowledged comment must be stored, and nothing stored beyond the
    posts wrk sent but left unanswered at its stop (still finishing on the server, their
    authors told nothing): any other difference is a FAILURE."""
    story_id = int(url.rstrip("/").split("/")[-2])
    before = asyncio.run(stored_comments(db_url, story_id))
    case = measure(scenario, server, url, args, lua=ROOT / "bench" / "tribune_post.lua")
    counted, stored = -1, asyncio.run(stored_comments(db_url, story_id))
    for _ in range(50):  # until the posts still in flight at wrk's stop are done
        if stored == counted:
            break
        time.sleep(0.2)
        counted, stored = stored, asyncio.run(stored_comments(db_url, story_id))
    acked = case.posting.get("acked", -1)
    unanswered = case.posting.get("sent", 0) - case.posting.get("answered", 0)
    case.posting |= {"stored": stored - before, "unanswered": unanswered}
    if not acked <= stored - before <= acked + unanswered:
        case.posting["failures"] = 1
        print(f"  FAILURE {server}: {acked_vs_stored(case)}", flush=True)
    return case


def acked_vs_stored(case: Case) -> str:
    p = case.posting
    return (
        f"{p.get('acked', 'no count of')} acknowledged, {p.get('stored')} stored "
        f"({p.get('unanswered')} unanswered at wrk's stop)"
    )


async def stored_comments(url: str, story_id: int) -> int:
    db = Database(url, pool_size=1)
    try:
        async with db.read() as conn:
            query = select(func.count()).select_from(comments)
            found = await conn.execute(query.where(comments.c.story_id == story_id))
            return int(found.scalar_one())
    finally:
        await db.dispose()


# Isso, through the shared anchor scripts ------------------------------------------------------


def anchors(*command: str) -> None:
    env = os.environ | {"ANCHORS_DIR": str(STATE), "ISSO_PORT": str(ISSO_PORT)}
    subprocess.run(command, cwd=ANCHORS, env=env, check=True, timeout=900)  # noqa: S603


@contextmanager
def isso(name: str) -> Any:
    anchors(str(ANCHORS / "servers.sh"), "start", name)
    try:
        yield f"http://127.0.0.1:{ISSO_PORT}"
    finally:
        anchors(str(ANCHORS / "servers.sh"), "stop", name)


def prepare_isso() -> None:
    anchors(str(ANCHORS / "isso_setup.sh"))
    seeded = STATE / "isso" / "comments.seed.db"
    if seeded.exists():
        return
    with isso("isso-run") as base:
        anchors(
            sys.executable,
            str(ANCHORS / "isso_seed.py"),
            "--base",
            base,
            "--data-dir",
            str(STATE / "data"),
        )
    shutil.copy(STATE / "isso" / "comments.db", seeded)


# Tribune -----------------------------------------------------------------------------------------


async def prepare_tribune(url: str, sizes: list[int]) -> dict[str, Any]:
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        ids = {size: await seed_story(db, f"Thread of {size:,}", size, seed=size) for size in sizes}
        # Eight more stories without comments: a front page asks counts for ten.
        empty = [
            await publish(db, StoryDraft(title=f"Quiet {i}", body_md="Text.")) for i in range(8)
        ]
        post_to = await publish(db, StoryDraft(title="Posting target", body_md="Text."))
    finally:
        await db.dispose()
    return {"threads": ids, "counts": [ids[200], ids[sizes[1]], *empty], "post_to": post_to}


def ceiling(body: bytes, workers: int, args: argparse.Namespace, scenario: str) -> Case:
    """A bare ASGI app (the anchors' ceiling_app.py) serving Tribune's own bytes."""
    body_file = STATE / f"tribune-ceiling-{len(body)}.bin"
    body_file.write_bytes(body)
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(ANCHORS),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "ceiling_app:app",
        ],
        env=os.environ | {"CEILING_BODY": str(body_file)},
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        return measure(scenario, f"ceiling uvicorn w{workers}", url, args)
    finally:
        process.terminate()
        process.wait(10)


def run_tribune(
    backend: str,
    url: str,
    workers: int,
    prepared: dict[str, Any],
    args: argparse.Namespace,
    workdir: Path,
) -> list[Case]:
    cases = []
    label = f"tribune {backend} w{workers}"
    with running_server(
        url,
        workdir,
        workers=workers,
        TRIBUNE_DEMO="0",
        TRIBUNE_LOG_LEVEL="warning",
        TRIBUNE_RATE_LIMITS="off",
    ) as base:
        api = f"{base}/api/v1/stories"
        for size, story_id in prepared["threads"].items():
            cases.append(
                measure(
                    f"thread {size:,}, reader's page load",
                    label,
                    f"{api}/{story_id}/comments",
                    args,
                )
            )
        small = prepared["threads"][200]
        cases.append(
            measure("thread 200, full read", label, f"{api}/{small}/comments?limit=100", args)
        )
        for size, story_id in prepared["threads"].items():
            slug = httpx.get(f"{api}/{story_id}").json()["slug"]
            cases.append(measure(f"story page HTML {size}", label, f"{base}/stories/{slug}", args))
            if size == 200:
                # A reader with state of their own: the shared page with their part made again.
                voter = voter_cookie(base, f"{api}/{story_id}/comments")
                page = f"{base}/stories/{slug}"
                for scenario, encoding in ((VOTER_PAGE, ""), (VOTER_PAGE + ", gzip", "gzip")):
                    asked = {"cookie": voter, "accept-encoding": encoding}
                    cases.append(measure(scenario, label, page, args, headers=asked))
        # The listings and a feed every reader gets alike (web/shared.py).
        for scenario, path in LISTINGS:
            cases.append(measure(scenario, label, base + path, args))
        query = "&".join(f"story={i}" for i in prepared["counts"])
        cases.append(measure("counts for 10 stories", label, f"{base}/api/v1/counts?{query}", args))
        post_to = f"{api}/{prepared['post_to']}/comments"
        cases.append(posting("posting comments", label, post_to, args, url))
    return cases


VOTER_PAGE = "story page HTML 200, a voter"
# Every seeded thread's story carries #Bench (bench/seed.py).
LISTINGS = (
    ("home page", "/"),
    ("tag page", "/tags/bench"),
    ("stories feed", "/feeds/stories.atom"),
)


def voter_cookie(base: str, thread: str) -> str:
    """The Cookie header of a reader who voted on five of the thread's first comments."""
    with httpx.Client() as reader:
        for comment in httpx.get(thread).json()["comments"][:5]:
            voted = reader.post(f"{base}/api/v1/comments/{comment['id']}/votes", json={"value": 1})
            assert voted.status_code == 200, voted.text
        return f"tribune_voter={reader.cookies['tribune_voter']}"


def run_isso(args: argparse.Namespace, sizes: list[int]) -> list[Case]:
    """Isso's own server and gunicorn with 2 workers (its documented deployment). Isso needs
    0.1–2 s a thread read, so a short run at 50 connections completes almost nothing: thread
    reads are also measured at 1 connection (its service time), over at least 10 s."""
    cases = []
    servers = ["isso-gunicorn"] if args.quick else ["isso-run", "isso-gunicorn"]
    long = max(10, args.seconds)
    for name in servers:
        label = "isso 0.14 " + ("werkzeug" if name == "isso-run" else "gunicorn w2")
        with isso(name) as base:
            for n, size in ((1, 200), (2, 2000)):
                url = base + ISSO_THREAD.format(n=n)
                scenario = f"thread {size:,}, reader's page load"
                cases.append(
                    measure(scenario, label, url, args, warm=1, connections=1, seconds=long)
                )
                # At 50 connections only gunicorn on the small thread finishes anything; a
                # longer thread leaves Isso a backlog of minutes that spoils what follows.
                if not args.quick and name == "isso-gunicorn" and size == 200:
                    cases.append(measure(scenario, label, url, args, warm=1, seconds=long))
            cases.append(
                measure(
                    "counts for 10 stories",
                    label,
                    f"{base}/count",
                    args,
                    lua=ANCHORS / "post_count.lua",
                    seconds=long,
                )
            )
            cases.append(
                measure(
                    "posting comments",
                    label,
                    f"{base}/new?uri=%2Fbench%2Fpost-{name}",
                    args,
                    lua=ANCHORS / "post_new.lua",
                    seconds=long,
                )
            )
    return cases


def report(cases: list[Case]) -> str:
    def best(prefix: str, scenario: str) -> float | None:
        rates = [c.rps for c in cases if c.server.startswith(prefix) and c.scenario == scenario]
        return max(rates) if rates else None

    lines = [
        "| scenario | server | req/s | p50 ms | p99 ms | bytes | errors "
        "| ×Isso (best) | ×ceiling w1 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ceiling_w1 = next((c.rps for c in cases if c.server == "ceiling uvicorn w1"), None)
    for c in cases:
        isso_best = best("isso", c.scenario)
        versus_isso = (
            f"{c.rps / isso_best:.1f}" if isso_best and c.server.startswith("tribune") else ""
        )
        versus_ceiling = (
            f"{c.rps / ceiling_w1:.2f}"
            if ceiling_w1
            and c.scenario.startswith("thread 200")
            and not c.server.startswith("isso")
            else ""
        )
        lines.append(
            f"| {c.scenario} | {c.server} | {c.rps:,.0f} | {c.p50_ms:.2f} | {c.p99_ms:.2f} | "
            f"{c.bytes:,} | {c.errors} | {versus_isso} | {versus_ceiling} |"
        )
    return "\n".join(lines)


def targets(cases: list[Case]) -> str:
    """Issue 16's targets, each with what this run measured and its ratio: met or missed."""

    def rate(scenario: str, server: str) -> float | None:
        found = [c.rps for c in cases if c.scenario == scenario and c.server == server]
        return max(found) if found else None

    def p99(scenario: str, server: str) -> float | None:
        found = [c.p99_ms for c in cases if c.scenario == scenario and c.server == server]
        return found[0] if found else None

    lines = ["| target | measured | ratio | |", "|---|---:|---:|---|"]

    def check(
        name: str, value: float | None, goal: float, unit: str, *, most: bool = False
    ) -> None:
        if value is None:
            lines.append(f"| {name} | not measured | | |")
            return
        met = value <= goal if most else value >= goal
        ratio = goal / value if most and value else value / goal
        lines.append(
            f"| {name} | {value:,.2f}{unit} | ×{ratio:.2f} | {'met' if met else 'MISSED'} |"
        )

    for backend in ("sqlite", "postgresql"):
        w2 = f"tribune {backend} w2"
        if rate("story page HTML 200", w2) is None:
            continue
        page, page_ceiling = (
            rate("story page HTML 200", w2),
            rate("story page 200, same bytes", "ceiling uvicorn w2"),
        )
        api, api_ceiling = (
            rate("thread 200, reader's page load", w2),
            rate("thread 200, same bytes", "ceiling uvicorn w2"),
        )
        check(f"{backend}: story page ≥ 5,100/s (w2)", page, 5_100, "/s")
        if page and (voter := rate(VOTER_PAGE, w2)):
            check(f"{backend}: a voter's story page ≥ 0.3× anonymous", voter / page, 0.3, "×")
        if page and page_ceiling:
            check(f"{backend}: story page ≥ 0.5× ceiling (w2)", page / page_ceiling, 0.5, "×")
        check(
            f"{backend}: story page p99 < 25 ms",
            p99("story page HTML 200", w2),
            25,
            " ms",
            most=True,
        )
        for size in (2000, 100_000):
            big = rate(f"story page HTML {size}", w2)
            if page and big:
                check(f"{backend}: story page {size:,} ≥ 0.8× of 200", big / page, 0.8, "×")
        if api and api_ceiling:
            check(f"{backend}: thread API ≥ 0.7× ceiling (w2)", api / api_ceiling, 0.7, "×")
        for scenario, _ in LISTINGS:
            ours, bare = rate(scenario, w2), rate(f"{scenario}, same bytes", "ceiling uvicorn w2")
            if ours and bare:
                check(f"{backend}: {scenario} ≥ 0.5× ceiling (w2)", ours / bare, 0.5, "×")
        check(
            f"{backend}: counts for 10 ≥ 17,000/s (w2)",
            rate("counts for 10 stories", w2),
            17_000,
            "/s",
        )
        check(f"{backend}: posting ≥ 1,000/s (w2)", rate("posting comments", w2), 1_000, "/s")
        for c in cases:
            if c.scenario == "posting comments" and c.server.startswith(f"tribune {backend}"):
                failed = c.posting.get("failures", 0) or "stored" not in c.posting
                lines.append(
                    f"| {c.server}: every acknowledged comment stored | {acked_vs_stored(c)} | "
                    f"| {'FAILURE' if failed else 'met'} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="SQLite only, short runs: < 3 minutes")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--repeats", type=int)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--backends",
        default=None,
        help="comma-separated: sqlite, postgresql (default: both; --quick: sqlite)",
    )
    parser.add_argument("--no-isso", action="store_true", help="skip the peer (re-measuring us)")
    args = parser.parse_args()
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.repeats = args.repeats or (1 if args.quick else 3)
    sizes = [200, 2000] if args.quick else [200, 2000, 100_000]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    if not (ANCHORS / "servers.sh").exists():
        raise SystemExit(f"the anchor scripts are not at {ANCHORS} (set TRIBUNE_ANCHORS)")
    STATE.mkdir(parents=True, exist_ok=True)
    workdir = STATE / "tribune"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()

    cases = []
    if not args.no_isso:
        print("Isso: setting up and seeding (first run only) ...", flush=True)
        prepare_isso()
        cases = run_isso(args, sizes)

    wanted = (args.backends or ("sqlite" if args.quick else "sqlite,postgresql")).split(",")
    backends = []
    if "sqlite" in wanted:
        backends.append(("sqlite", f"sqlite:///{workdir / 'bench.db'}"))
    if "postgresql" in wanted and (postgresql := asyncio.run(fresh_postgresql())):
        backends.append(("postgresql", postgresql))
    body = page = b""
    listed: dict[str, bytes] = {}
    for backend, url in backends:
        print(f"Tribune on {backend}: seeding {', '.join(f'{s:,}' for s in sizes)} ...", flush=True)
        prepared = asyncio.run(prepare_tribune(url, sizes))
        for workers in (1, 2):
            cases += run_tribune(backend, url, workers, prepared, args, workdir)
        if not body:
            with running_server(url, workdir, TRIBUNE_DEMO="0") as base:
                small = prepared["threads"][200]
                body = httpx.get(f"{base}/api/v1/stories/{small}/comments").content
                slug = httpx.get(f"{base}/api/v1/stories/{small}").json()["slug"]
                page = httpx.get(f"{base}/stories/{slug}", headers={"accept-encoding": ""}).content
                for scenario, path in LISTINGS:
                    plain = {"accept-encoding": ""}
                    listed[scenario] = httpx.get(base + path, headers=plain).content
    for workers in (1, 2):
        cases.append(ceiling(body, workers, args, "thread 200, same bytes"))
        cases.append(ceiling(page, workers, args, "story page 200, same bytes"))
        for scenario, _ in LISTINGS:
            cases.append(ceiling(listed[scenario], workers, args, f"{scenario}, same bytes"))

    table = report(cases) + "\n\n" + targets(cases)
    print("\n" + table)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"compare-{stamp}.json").write_text(json.dumps([asdict(c) for c in cases], indent=2))
    (RESULTS / f"compare-{stamp}.md").write_text(table + "\n")
    print(f"\nresults: bench/results/compare-{stamp}.json and .md")


if __name__ == "__main__":
    main()
