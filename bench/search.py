"""`make bench` scenario: search over 10,000 stories and 100,000 comments.

Seeds a fresh database (SQLite, and PostgreSQL when reachable) with stories and comments of
varied text: a vocabulary of some 3,000 words drawn with Zipf-like frequencies (the commonest
English words first, as in real text), so that a word's document frequency runs from nearly
every document down to a handful. Serves it with `tribune serve --workers 2` and drives
`GET /api/v1/search?q=` with wrk on loopback, rotating through queries of moderate frequency
(single words found in 0.25-0.75% of the documents, two-word queries, a phrase, an
exclusion, a stories-only and a comments-only filter). Prints requests/s, p50 and p99, and each
result against the target (500 requests/s, p99 under 50 ms), then the same for the
first page of the stories API on the same server, as a reference for what the machine
gives at that moment (shared machines vary); writes JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import running_server

from tribune.storage import migrate
from tribune.storage.engine import Database
from tribune.storage.tables import comments, stories, threads

RESULTS = Path(__file__).resolve().parent / "results"
LUA = Path(__file__).resolve().parent / "search.lua"
POSTGRESQL_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE = "tribune_bench_search"
TARGET_RPS = 500
TARGET_P99_MS = 50.0
BATCH = 2_000
WARM_SECONDS = 3

# The commonest English words, in about their order of frequency: the head of any news text.
_COMMON = (
    "the of and to a in is that for it was on with he as be at by this had not are but from "
    "or have an they which one you were her all she there would their we him been has when "
    "who will more no if out so said what up its about into than them can only other new "
    "some could time these two may then do first any my now such like our over man me even "
    "most made after also did many before must through back years where much your way well "
    "down should because each just those people how too little state good very make world "
    "still own see men work long get here between both life being under never day same "
    "another know while last might us great old year off come since against go came right "
    "used take three"
)
COMMON = _COMMON.split()
# News words, so that some queries read like a reader's.
_NEWS = (
    "election ceasefire border talks minister report sources troops summit vote market "
    "economy refugees analysis claims officials statement region crisis parliament court "
    "police budget protest strike energy climate health school hospital president "
    "government opposition coalition referendum sanctions inflation harbour flood storm "
    "drought wildfire vaccine"
)
NEWS = _NEWS.split()
ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "br"]
ONSETS += ["tr", "st", "pl", "gr", "sh", "ch", "th", "w", "z", "cl", "dr", "fr", "sp", "j"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y"]
CODAS = ["", "", "n", "r", "l", "s", "t", "m", "nd", "st", "rk", "x", "ng", "ck"]


def vocabulary(rng: random.Random, size: int = 3_000) -> list[str]:
    """Common words first, then news words and made-up ones: rank 0 is the commonest."""
    words = list(dict.fromkeys(COMMON))
    made: set[str] = set(words)
    news = [w for w in NEWS if w not in made]
    made |= set(news)
    invented: list[str] = []
    while len(words) + len(news) + len(invented) < size:
        syllables = rng.choice([2, 2, 3, 3, 4])
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables))
        word += rng.choice(CODAS)
        if word not in made:
            made.add(word)
            invented.append(word)
    # News words sit among the middle ranks, where moderate-frequency queries come from.
    middle = invented[:300] + news + invented[300:]
    return words + middle


class Zipf:
    """Draws vocabulary ranks with probability proportional to 1 / (rank + 1)."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1 / (r + 1) for r in range(len(words))))

    def text(self, count: int) -> str:
        total = self.cumulative[-1]
        picks = (bisect.bisect(self.cumulative, self.rng.random() * total) for _ in range(count))
        return " ".join(self.words[min(i, len(self.words) - 1)] for i in picks)

    def sentence(self, low: int, high: int) -> str:
        words = self.text(self.rng.randint(low, high))
        return words[:1].upper() + words[1:] + "."


def story_row(zipf: Zipf, rng: random.Random, n: int, start: datetime) -> dict[str, Any]:
    title = zipf.sentence(5, 10).rstrip(".")
    paragraphs = [
        " ".join(zipf.sentence(8, 22) for _ in range(rng.randint(3, 6)))
        for _ in range(rng.randint(3, 7))
    ]
    body = "\n\n".join(paragraphs)
    moment = start + timedelta(minutes=n)
    status = "published" if rng.random() < 0.95 else rng.choice(["draft", "unpublished"])
    return {
        "slug": f"story-{n}",
        "title": title[:300],
        "lead": zipf.sentence(15, 30),
        "body_md": body,
        "body_html": "".join(f"<p>{p}</p>" for p in paragraphs),
        "status": status,
        "published_at": moment,
        "updated_at": moment,
    }


def comment_row(
    zipf: Zipf, rng: random.Random, story_id: int, number: int, start: datetime
) -> dict[str, Any]:
    body = " ".join(zipf.sentence(5, 18) for _ in range(rng.randint(1, 5)))
    roll = rng.random()
    status = "approved" if roll < 0.93 else "pending" if roll < 0.97 else "rejected"
    return {
        "story_id": story_id,
        "depth": 0,
        "number": number,
        "name": f"Reader {rng.randrange(20_000)}",
        "body_md": body,
        "body_html": f"<p>{body}</p>",
        "status": status,
        "created_at": start + timedelta(seconds=number),
    }


async def seed(url: str, story_count: int, comment_count: int) -> list[str]:
    """Seed the stories and comments; return the vocabulary, commonest first."""
    rng = random.Random(13)  # noqa: S311  (repeatable test data, not secrets)
    words = vocabulary(rng)
    zipf = Zipf(words, rng)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        began = time.perf_counter()
        for offset in range(0, story_count, BATCH):
            rows = [
                story_row(zipf, rng, n, start)
                for n in range(offset, min(offset + BATCH, story_count))
            ]
            async with db.transaction() as conn:
                result = await conn.execute(insert(stories).returning(stories.c.id), rows)
                ids = [row[0] for row in result]
                await conn.execute(insert(threads), [{"story_id": i} for i in ids])
        async with db.read() as conn:
            story_ids = [r[0] for r in await conn.execute(text("SELECT id FROM stories"))]
        # Comments crowd on some stories, as on a real site: a few long threads, many short.
        weights = list(itertools.accumulate(1 / (r + 1) ** 0.7 for r in range(len(story_ids))))
        numbers: dict[int, int] = {}
        for offset in range(0, comment_count, BATCH):
            rows = []
            for _ in range(min(BATCH, comment_count - offset)):
                at = bisect.bisect(weights, rng.random() * weights[-1])
                story_id = story_ids[min(at, len(story_ids) - 1)]
                numbers[story_id] = numbers.get(story_id, 0) + 1
                rows.append(comment_row(zipf, rng, story_id, numbers[story_id], start))
            async with db.transaction() as conn:
                await conn.execute(insert(comments), rows)
    finally:
        await db.dispose()
    if not url.startswith("sqlite"):
        # What autovacuum does on a live site: statistics, and the GIN indexes' pending
        # entries merged (fresh from a bulk load, the planner shuns them for a scan).
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("VACUUM ANALYZE")
        finally:
            await connection.close()
    print(
        f"  seeded {story_count:,} stories and {comment_count:,} comments"
        f" in {time.perf_counter() - began:.0f} s"
    )
    return words


def queries(words: list[str], rng: random.Random) -> list[dict[str, str]]:
    """Queries of moderate frequency: single words of the lower ranks (each in some 0.25-0.75%
    of the documents: 300-800 of them), pairs of middle ranks, a phrase, an exclusion, and
    the type filters. Stop words are no query: both databases leave them out."""
    rare, middle = words[1_000:], words[400:1_500]
    made: list[dict[str, str]] = []
    for _ in range(120):
        made.append({"q": rng.choice(rare)})
    for _ in range(50):
        made.append({"q": f"{rng.choice(middle)} {rng.choice(middle)}"})
    for _ in range(10):
        made.append({"q": f'"{rng.choice(words[:60])} {rng.choice(rare)}"'})
    for _ in range(10):
        made.append({"q": f"{rng.choice(rare)} -{rng.choice(middle)}"})
    for kind in ("stories", "comments"):
        for _ in range(10):
            made.append({"q": rng.choice(rare), "type": kind})
    rng.shuffle(made)
    return made


def wrk(base: str, paths: Path, seconds: int, connections: int) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(LUA), base, "--", str(paths)]
    out = subprocess.run(  # noqa: S603  (wrk from PATH with our own arguments)
        command, capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"^RESULT (\{.*\})$", out, re.MULTILINE)
    assert found, out
    return dict(json.loads(found.group(1)))


async def fresh_postgresql() -> str | None:
    try:
        # CREATE DATABASE cannot run inside a transaction: asyncpg runs it as it comes.
        admin = await asyncpg.connect(POSTGRESQL_ADMIN)
    except OSError as exc:
        print(f"PostgreSQL unavailable ({exc}); SQLite only")
        return None
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    return f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"


def run(backend: str, url: str, workdir: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    print(f"{backend}:")
    words = asyncio.run(seed(url, args.stories, args.comments))
    chosen = queries(words, random.Random(7))  # noqa: S311  (repeatable, not secrets)
    paths = workdir / f"search-paths-{backend}.txt"
    paths.write_text("".join(f"/api/v1/search?{urlencode(q)}\n" for q in chosen))
    rows = []
    # As a user gets it (pages remembered 10 s), then with every search ranked afresh.
    for remembered in ("10", "0"):
        with running_server(
            url,
            workdir,
            workers=args.workers,
            TRIBUNE_DEMO="0",
            TRIBUNE_LOG_LEVEL="warning",
            TRIBUNE_SEARCH_CACHE_SECONDS=remembered,
        ) as base:
            found = []
            for query in chosen:  # every query answers, and finds something: a fair test
                answer = httpx.get(f"{base}/api/v1/search", params=query, timeout=30)
                assert answer.status_code == 200, (query, answer.text)
                found.append(len(answer.json()["results"]))
            if remembered != "0":
                print(
                    f"  {len(chosen)} queries, {sum(1 for n in found if n):,} with results,"
                    f" {sum(found) / len(found):.1f} results a page on average"
                )
            # Both runs start warm (each worker's connections, SQLite's page cache, the
            # remembered pages): measured cold, the first run paid for the second's warmth.
            wrk(base, paths, WARM_SECONDS, args.connections)
            result = wrk(base, paths, args.seconds, args.connections)
            # The same server and load generator on a cheap read: what this machine gives.
            listing = workdir / "stories-path.txt"
            listing.write_text("/api/v1/stories?limit=20\n")
            reference = wrk(base, listing, args.seconds, args.connections)
        rows.append(_report(backend, args, remembered, result, reference))
    return rows


def _report(
    backend: str,
    args: argparse.Namespace,
    remembered: str,
    result: dict[str, float],
    reference: dict[str, float],
) -> dict[str, Any]:
    rps = result["requests"] / result["seconds"]
    reference_rps = reference["requests"] / reference["seconds"]
    met = rps >= TARGET_RPS and result["p99_ms"] < TARGET_P99_MS
    row = {"backend": backend, "workers": args.workers, "rps": rps, **result, "met": met}
    row["search_cache_seconds"] = int(remembered)
    row["stories_list_rps"] = reference_rps
    row["stories_list_p99_ms"] = reference["p99_ms"]
    how = "default (pages remembered 10 s)" if remembered != "0" else "every search ranked"
    print(f"  {how}:")
    print(
        f"    stories list {reference_rps:>7.0f} req/s  p50 {reference['p50_ms']:>6.2f} ms"
        f"  p99 {reference['p99_ms']:>6.2f} ms  (the reference: search ×{rps / reference_rps:.2f})"
    )
    print(
        f"    search API  {rps:>7.0f} req/s  p50 {result['p50_ms']:>6.2f} ms"
        f"  p99 {result['p99_ms']:>6.2f} ms  non-2xx {result['non_2xx']}"
        f"  ×{rps / TARGET_RPS:.2f} of the {TARGET_RPS} req/s target, p99"
        f" ×{result['p99_ms'] / TARGET_P99_MS:.2f} of {TARGET_P99_MS:.0f} ms:"
        f" {'met' if met else 'MISSED'}"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    workdir = Path(tempfile.mkdtemp(prefix="tribune-bench-search-"))
    rows = run("sqlite", f"sqlite:///{workdir / 'bench.db'}", workdir, args)
    postgresql = None if args.sqlite_only else asyncio.run(fresh_postgresql())
    if postgresql:
        rows += run("postgresql", postgresql, workdir, args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"search-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
