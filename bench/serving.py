"""`make bench`: serving as a user runs it (issue 16) — start-up, memory, nginx in front, and
(with --servers) which HTTP server.

1. Start-up and memory. A SQLite database, migrated, with a 100,000-comment story (and a
   200-comment one): `tribune serve` as a user starts it (the real command, its default
   single worker, then --workers 2) is timed from the process's start to the first 200 from
   /readyz (median of --starts, 5 by default). After the 100,000-comment story page, its
   API thread pages (every sort, pages along the cursor) and a few other pages were read,
   each worker's resident memory (VmRSS). Targets: ready in under 2 s, under 150 MB a worker.
2. nginx. The README's nginx block (proxy_cache), as the tests build it from the README, in
   front of one `tribune serve --workers 2`; wrk -t1 -c50 reads the 200-comment story page
   through it, and the same bytes as a static file from a second server block of the same
   nginx (same TLS, same worker). Both over TLS as the block is written, and both again over
   plain HTTP (a listen without TLS added to each block: what the proxy itself costs, without
   the encryption both pay). Every answer's X-Cache is counted from nginx's log: the page must
   be served from the cache. Target: ≥ 0.5× the static rate.
3. --servers: Tribune's own app on the hot requests (the story page for an anonymous reader,
   the thread API, counts for 10 stories, posting) under uvicorn with httptools and uvloop
   (what `tribune serve` runs), uvicorn with h11, and granian (ASGI; when installed:
   `pip install granian`), 2 workers each, interleaved, median of --repeats.

    python bench/serving.py                    # 1 and 2: about 4 minutes
    python bench/serving.py --servers          # and 3: about 12 more
    python bench/serving.py --only servers     # 3 alone
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
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.security.test_nginx import NGINX, certificate, nginx_conf, running_nginx  # noqa: E402
from tests.server import TRIBUNE, free_port, running_server, tribune_env  # noqa: E402

from bench.compare import measure, wrk  # noqa: E402
from bench.seed import seed_story  # noqa: E402
from tribune.storage import migrate  # noqa: E402
from tribune.storage.engine import Database  # noqa: E402
from tribune.stories.service import StoryDraft, publish  # noqa: E402

RESULTS = ROOT / "bench" / "results"
POST_LUA = ROOT / "bench" / "tribune_post.lua"
READY_SECONDS = 2.0
WORKER_MB = 150.0
NGINX_RATIO = 0.5


@dataclass
class Target:
    name: str
    measured: float
    goal: float
    unit: str
    most: bool  # the goal is a ceiling (time, memory), not a floor

    @property
    def met(self) -> bool:
        return self.measured <= self.goal if self.most else self.measured >= self.goal

    @property
    def ratio(self) -> float:
        return self.goal / self.measured if self.most else self.measured / self.goal

    def line(self) -> str:
        return (
            f"| {self.name} | {self.measured:,.2f}{self.unit} | ×{self.ratio:.2f} "
            f"| {'met' if self.met else 'MISSED'} |"
        )


# The database ------------------------------------------------------------------------------


async def prepare(url: str, big: int) -> dict[str, Any]:
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        started = time.perf_counter()
        small = await seed_story(db, "Two hundred comments", 200, seed=1)
        large = await seed_story(db, f"{big:,} comments", big, seed=2)
        quiet = [
            await publish(db, StoryDraft(title=f"Quiet {i}", body_md="Text.")) for i in range(8)
        ]
        post_to = await publish(db, StoryDraft(title="Posting target", body_md="Text."))
        print(f"  seeded 200 + {big:,} comments in {time.perf_counter() - started:.0f} s")
    finally:
        await db.dispose()
    return {"small": small, "large": large, "counts": [small, large, *quiet], "post_to": post_to}


def slug_of(base: str, story: int) -> str:
    return str(httpx.get(f"{base}/api/v1/stories/{story}", timeout=30).json()["slug"])


# 1. Start-up and memory -----------------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields start after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(proc.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def workers_of(pid: int) -> list[int]:
    """The processes answering requests: uvicorn's spawned workers, or the process itself
    when it runs one (uvicorn then serves in the process it was started in)."""
    spawned = []
    for child in children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command and b"resource_tracker" not in command:
            spawned.append(child)
    return spawned or [pid]


@contextmanager
def started_serve(
    url: str, workdir: Path, workers: int | None, **env: str
) -> Iterator[tuple[str, int, float, list[float]]]:
    """`tribune serve` as a user starts it (no TRIBUNE_* but the database's address, unless
    given); yields its base URL, its pid, the seconds from the process's start to the first
    200 from /readyz, and the CPU seconds its processes (the command's, each worker's) had
    used by then."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [TRIBUNE, "serve", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRIBUNE_")}
    # An installed Tribune has its bytecode; an environment that says not to write any (this
    # project's machines do) would make every start compile Tribune's modules again.
    clean.pop("PYTHONDONTWRITEBYTECODE", None)
    clean["PYTHONPYCACHEPREFIX"] = str(workdir / "bytecode")
    log = workdir / f"serve-{port}.log"
    with log.open("wb") as out:
        began = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603  (our own command)
            command,
            cwd=workdir,
            env=clean | {"TRIBUNE_DATABASE_URL": url} | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(timeout=30) as client:
            while True:
                try:
                    # A connection made before a worker accepts waits in the backlog: the
                    # answer comes when it is ready. A fresh connection each time.
                    if client.get(f"{base}/readyz", headers={"connection": "close"}).is_success:
                        ready = time.perf_counter() - began
                        spawned = [p for p in workers_of(process.pid) if p != process.pid]
                        cpu = [cpu_seconds(p) for p in [process.pid, *spawned]]
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.perf_counter() - began > 60:
                    raise RuntimeError(f"tribune serve did not start:\n{log.read_text()}")
                time.sleep(0.01)
        yield base, process.pid, ready, cpu
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_everything(base: str, prepared: dict[str, Any], workers: int) -> None:
    """What a busy site's workers serve: the 100,000-comment story's page and its API pages
    in every sort and along the cursor, the 200-comment story, the home page, the lists,
    counts, a search and the feeds; on fresh connections (each may reach another worker),
    then wrk on the heaviest so that every worker has served them."""
    large, small = prepared["large"], prepared["small"]
    api = f"{base}/api/v1/stories/{large}/comments"
    slug, small_slug = slug_of(base, large), slug_of(base, small)
    counts = "&".join(f"story={i}" for i in prepared["counts"])
    pages = [
        f"{base}/stories/{slug}",
        f"{base}/stories/{slug}?sort=newest",
        f"{base}/stories/{small_slug}",
        f"{base}/",
        f"{base}/api/v1/stories",
        f"{base}/api/v1/stories/{small}/comments",
        f"{base}/api/v1/counts?{counts}",
        f"{base}/search?q=ceasefire",
        f"{base}/api/v1/search?q=border+talks",
        f"{base}/feeds/stories.atom",
        f"{base}/feeds/comments.atom",
        f"{base}/feeds/stories/{slug}/comments.atom",
    ]
    for sort in ("oldest", "newest", "top", "replies"):
        pages.append(f"{api}?sort={sort}")
    for _ in range(2 * workers):
        for page in pages:
            answer = httpx.get(page, timeout=60, headers={"connection": "close"})
            assert answer.status_code == 200, (page, answer.status_code)
        cursor: str | None = None
        for _ in range(20):  # twenty pages along the thread
            answer = httpx.get(api, params={"cursor": cursor} if cursor else {}, timeout=60)
            cursor = answer.json()["next_cursor"]
            if not cursor:
                break
    for page in (pages[0], f"{api}?sort=top", pages[2]):
        wrk(page, 2, 20)


def startup(
    url: str, workdir: Path, prepared: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    print("\n1. Start-up: `tribune serve` to the first 200 from /readyz (migrated database)")
    times: dict[str, list[float]] = {"default": [], "--workers 2": []}
    cpus: dict[str, list[list[float]]] = {"default": [], "--workers 2": []}
    variants: dict[str, int | None] = {"default": None, "--workers 2": 2}
    # One start not timed: the page cache then holds the code and the database, as it does
    # on a server that ran before, and the bytecode is written.
    with started_serve(url, workdir, None):
        pass
    loads = [os.getloadavg()[0]]
    for _ in range(args.starts):
        for name, workers in variants.items():  # interleaved
            with started_serve(url, workdir, workers) as (_, _, ready, cpu):
                times[name].append(ready)
                cpus[name].append(cpu)
        loads.append(os.getloadavg()[0])
    result: dict[str, Any] = {"ready_s": {}, "cpu_s": cpus, "runs_s": times, "rss_mb": {}}
    for name, runs in times.items():
        result["ready_s"][name] = statistics.median(runs)
        cpu = [statistics.median(c[i] for c in cpus[name]) for i in range(len(cpus[name][0]))]
        print(
            f"  {name:<12} median {statistics.median(runs):.2f} s"
            f"  (runs: {', '.join(f'{t:.2f}' for t in runs)});"
            f" CPU by then (median): {' + '.join(f'{c:.2f}' for c in cpu)} s"
        )
    print(
        f"  (the machine's load average meanwhile: {min(loads):.1f}–{max(loads):.1f} on"
        f" {os.cpu_count()} cores; what others run there slows every start)"
    )
    print("  resident memory after the 100,000-comment story's page, API pages and others:")
    for name, workers in variants.items():
        with started_serve(url, workdir, workers) as (base, pid, _, _):
            read_everything(base, prepared, workers or 1)
            answering = workers_of(pid)
            sizes = [rss_mb(p) for p in answering]
            supervisor = rss_mb(pid) if answering != [pid] else None
        result["rss_mb"][name] = sizes
        extra = f"; the supervising process {supervisor:.0f} MB" if supervisor else ""
        print(f"  {name:<12} per worker: {', '.join(f'{s:.0f} MB' for s in sizes)}{extra}")
    return result


# 2. nginx in front -----------------------------------------------------------------------------


def counted(log: Path) -> Counter[str]:
    return Counter(log.read_text().split()) if log.exists() else Counter()


def wrk_any(url: str, seconds: int, connections: int) -> dict[str, float]:
    """bench.compare.wrk, which takes plain http on loopback only, or the same over TLS."""
    if url.startswith("http://"):
        return wrk(url, seconds, connections)
    if not url.startswith("https://127.0.0.1:"):
        raise SystemExit(f"refusing a non-loopback target: {url}")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
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

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rate.group(1)),
        "p50_ms": millis("50%"),
        "p99_ms": millis("99%"),
        "errors": errors + (int(non2xx.group(1)) if non2xx else 0),
    }


def with_static(conf: str, workdir: Path, cert: Path, key: Path, ports: dict[str, int]) -> str:
    """The README block's configuration with nginx's log of each answer's cache status (in
    both servers alike), a plain-HTTP listen beside its TLS one, and a second server of the
    same nginx serving a file, on TLS and on plain HTTP."""
    log = f"access_log {workdir / 'cache.log'} cache_status buffer=64k flush=1s;"
    conf = conf.replace("http {", "http {\n    log_format cache_status $upstream_cache_status;", 1)
    conf = conf.replace(
        "server {",
        f"server {{\n    {log}\n    listen 127.0.0.1:{ports['page_plain']};",
        1,
    )
    listen = re.search(r"listen 127\.0\.0\.1:\d+ (.*);", conf)
    assert listen, "the README block's listen line"
    static = f"""
server {{
    {log}
    listen 127.0.0.1:{ports["static_tls"]} {listen.group(1)};
    listen 127.0.0.1:{ports["static_plain"]};
    ssl_certificate {cert};
    ssl_certificate_key {key};
    location / {{ root {workdir / "static"}; default_type text/html; }}
}}
"""
    head, _, _ = conf.rstrip().rpartition("}")
    return head + static + "}\n"


def behind_nginx(
    url: str, workdir: Path, prepared: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    print("\n2. The 200-comment story page through nginx (the README block, proxy_cache)")
    if not Path(NGINX).exists():
        print("  nginx is not installed (`make nginx`): skipped")
        return {}
    site = workdir / "nginx"
    shutil.rmtree(site, ignore_errors=True)
    (site / "static").mkdir(parents=True)
    cert, key, _ = certificate(site)
    upstream = free_port()
    ports = {name: free_port() for name in ("page_tls", "page_plain", "static_tls", "static_plain")}
    settings = {
        "TRIBUNE_TRUSTED_PROXIES": "127.0.0.1",
        "TRIBUNE_BASE_URL": f"https://127.0.0.1:{ports['page_tls']}",
        "TRIBUNE_LOG_LEVEL": "warning",
    }
    conf = with_static(
        nginx_conf(site, [upstream], ports["page_tls"], cert, key), site, cert, key, ports
    )
    log = site / "cache.log"
    result: dict[str, Any] = {}
    with (
        running_server(url, workdir, workers=2, port=upstream, env=settings) as direct,
        running_nginx(site, conf, ports["page_tls"]),
    ):
        path = f"/stories/{slug_of(direct, prepared['small'])}"
        page = httpx.get(direct + path, headers={"accept-encoding": ""}).content
        (site / "static" / "page.html").write_bytes(page)
        urls = {
            "page TLS": f"https://127.0.0.1:{ports['page_tls']}{path}",
            "static TLS": f"https://127.0.0.1:{ports['static_tls']}/page.html",
            "page plain": f"http://127.0.0.1:{ports['page_plain']}{path}",
            "static plain": f"http://127.0.0.1:{ports['static_plain']}/page.html",
            "tribune direct": direct + path,
        }
        with httpx.Client(verify=False, timeout=30) as client:  # noqa: S501  (our own proxy)
            for name, target in urls.items():
                answers = [client.get(target, headers={"accept-encoding": ""}) for _ in range(3)]
                assert all(a.status_code == 200 for a in answers), name
                assert answers[-1].content == page, f"{name} serves other bytes"
                if name.startswith("page"):
                    assert answers[-1].headers.get("x-cache") == "HIT", answers[-1].headers
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
        statuses: dict[str, Counter[str]] = {name: Counter() for name in urls}
        for _ in range(args.repeats):
            for name, target in urls.items():  # interleaved
                time.sleep(1.2)  # nginx flushes its log every second
                before = counted(log)
                runs[name].append(wrk_any(target, args.seconds, 50))
                time.sleep(1.2)
                statuses[name] += counted(log) - before
    for name, done in runs.items():
        rates = [r["rps"] for r in done]
        mid = sorted(done, key=lambda r: r["rps"])[len(done) // 2]
        result[name] = {"rps": statistics.median(rates), "runs": rates, **mid}
        shown = ", ".join(f"{k} {v:,}" for k, v in statuses[name].most_common() if k != "-")
        print(
            f"  {name:<15} {statistics.median(rates):>9,.0f} req/s  p50 {mid['p50_ms']:>6.2f} ms"
            f"  p99 {mid['p99_ms']:>7.2f} ms  errors {mid['errors']:.0f}"
            f"  (runs: {', '.join(f'{r:,.0f}' for r in rates)})"
            + (f"  X-Cache: {shown}" if shown else "")
        )
        result[name]["x_cache"] = dict(statuses[name])
    result["bytes"] = len(page)
    for scheme in ("TLS", "plain"):
        hits = statuses[f"page {scheme}"]
        share = hits["HIT"] / max(1, sum(n for k, n in hits.items() if k != "-"))
        result[f"hit share {scheme}"] = share
        print(f"  page {scheme}: {share:.1%} of the answers were cache HITs")
    print(f"  ({len(page):,} bytes a page)")
    return result


# 3. HTTP servers ------------------------------------------------------------------------------


def server_commands(port: int) -> dict[str, list[str]]:
    app = "tribune.app:app_from_env"
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        app,
        "--port",
        str(port),
        "--workers",
        "2",
        "--no-access-log",
        "--no-server-header",
        "--timeout-graceful-shutdown",
        "5",
        "--log-level",
        "warning",
    ]
    commands = {
        "tribune serve (uvicorn)": [TRIBUNE, "serve", "--port", str(port), "--workers", "2"],
        "uvicorn httptools uvloop": [*uvicorn, "--http", "httptools", "--loop", "uvloop"],
        "uvicorn h11 uvloop": [*uvicorn, "--http", "h11", "--loop", "uvloop"],
    }
    granian = Path(sys.executable).with_name("granian")
    if granian.exists():
        commands["granian asgi"] = [
            str(granian),
            "--interface",
            "asgi",
            "--factory",
            app,
            "--port",
            str(port),
            "--workers",
            "2",
            "--loop",
            "uvloop",
            "--http",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    return commands


@contextmanager
def serving(name: str, command: list[str], url: str, workdir: Path, port: int) -> Iterator[str]:
    base = f"http://127.0.0.1:{port}"
    env = tribune_env(
        url,
        TRIBUNE_BASE_URL=base,
        TRIBUNE_DEMO="0",
        TRIBUNE_LOG_LEVEL="warning",
        TRIBUNE_RATE_LIMITS="off",
    )
    log = workdir / f"{name.split()[0]}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  (our own commands)
            command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=5).is_success:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def servers(
    url: str, workdir: Path, prepared: dict[str, Any], args: argparse.Namespace
) -> list[dict[str, Any]]:
    print("\n3. HTTP servers: Tribune's app, 2 workers, wrk -t1 -c50 (interleaved)")
    names = list(server_commands(0))
    if "granian asgi" not in names:
        print("  granian is not installed (pip install granian): left out")
    runs: dict[tuple[str, str], list[dict[str, float]]] = {}
    one = argparse.Namespace(repeats=1, seconds=args.seconds, connections=50)
    for _ in range(args.repeats):
        for name in names:
            port = free_port()
            with serving(name, server_commands(port)[name], url, workdir, port) as base:
                api = f"{base}/api/v1/stories"
                counts = "&".join(f"story={i}" for i in prepared["counts"])
                slug = slug_of(base, prepared["small"])
                scenarios = {
                    "story page 200": (f"{base}/stories/{slug}", None),
                    "thread API 200": (f"{api}/{prepared['small']}/comments", None),
                    "counts for 10": (f"{base}/api/v1/counts?{counts}", None),
                    "posting": (f"{api}/{prepared['post_to']}/comments", POST_LUA),
                }
                for scenario, (target, lua) in scenarios.items():
                    case = measure(scenario, name, target, one, lua)
                    runs.setdefault((scenario, name), []).append(asdict(case))
    rows = []
    for (scenario, name), done in runs.items():
        rates = [r["rps"] for r in done]
        mid = sorted(done, key=lambda r: r["rps"])[len(done) // 2]
        rows.append(
            {
                "scenario": scenario,
                "server": name,
                "rps": statistics.median(rates),
                "runs": rates,
                "p50_ms": mid["p50_ms"],
                "p99_ms": mid["p99_ms"],
                "errors": sum(r["errors"] for r in done),
            }
        )
    return rows


def server_table(rows: list[dict[str, Any]]) -> str:
    reference = {r["scenario"]: r["rps"] for r in rows if r["server"] == "tribune serve (uvicorn)"}
    lines = [
        "| scenario | server | req/s (median) | runs | p50 ms | p99 ms | errors | ×tribune serve |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: r["scenario"]):
        base = reference.get(r["scenario"])
        lines.append(
            f"| {r['scenario']} | {r['server']} | {r['rps']:,.0f} "
            f"| {' / '.join(f'{x:,.0f}' for x in r['runs'])} | {r['p50_ms']:.2f} "
            f"| {r['p99_ms']:.2f} | {r['errors']} | {r['rps'] / base if base else 0:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", action="store_true", help="also compare HTTP servers")
    parser.add_argument("--only", choices=("startup", "nginx", "servers"), help="one section alone")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--starts", type=int, default=5, help="timed starts of each variant")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    sections = (
        [args.only] if args.only else ["startup", "nginx"] + (["servers"] if args.servers else [])
    )
    workdir = Path(tempfile.mkdtemp(prefix="tribune-serving-"))
    url = f"sqlite:///{workdir / 'bench.db'}"
    results: dict[str, Any] = {}
    targets: list[Target] = []
    try:
        print(f"Seeding a SQLite database in {workdir} ...", flush=True)
        prepared = asyncio.run(prepare(url, args.comments))
        if "startup" in sections:
            results["startup"] = found = startup(url, workdir, prepared, args)
            for name, ready in found["ready_s"].items():
                targets.append(Target(f"ready in < 2 s ({name})", ready, READY_SECONDS, " s", True))
            for name, sizes in found["rss_mb"].items():
                targets.append(
                    Target(f"< 150 MB a worker ({name})", max(sizes), WORKER_MB, " MB", True)
                )
        if "nginx" in sections and (found := behind_nginx(url, workdir, prepared, args)):
            results["nginx"] = found
            for scheme in ("TLS", "plain"):
                ratio = found[f"page {scheme}"]["rps"] / found[f"static {scheme}"]["rps"]
                targets.append(
                    Target(
                        f"page through nginx ≥ 0.5× its static file ({scheme})",
                        ratio,
                        NGINX_RATIO,
                        "×",
                        False,
                    )
                )
        table = ""
        if "servers" in sections:
            results["servers"] = rows = servers(url, workdir, prepared, args)
            table = server_table(rows)
            print("\n" + table)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    summary = "\n".join(["| target | measured | ratio | |", "|---|---:|---:|---|"])
    summary += "".join("\n" + t.line() for t in targets)
    if targets:
        print("\n" + summary)
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"serving-{stamp}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"serving-{stamp}.md").write_text(summary + "\n\n" + table + "\n")
    print(f"\nresults: bench/results/serving-{stamp}.json and .md")


if __name__ == "__main__":
    main()
