"""`make bench` scenario: publishing stories, and schedules firing, do not slow thread reads.

Seeds a 200-comment story into a fresh SQLite database, serves it with `tribune serve` (2
workers, the default configuration but for the log level), and drives wrk at its first
thread page and at its story page twice: while nothing else happens, and while a newsroom's
CMS publishes a story through the staff API every PUBLISH_EVERY seconds and a batch of
scheduled stories comes due. Prints requests/s, p99 and the ratio busy/quiet; writes JSON
under bench/results/. The rounds alternate (quiet, busy, quiet, busy) so drift shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import TRIBUNE, running_server, tribune_env

from bench.seed import seed_story
from bench.thread_pages import RESULTS, wrk
from tribune.storage import migrate
from tribune.storage.engine import Database

PUBLISH_EVERY = 0.2  # seconds between two stories the CMS publishes


async def prepare(url: str) -> int:
    db = Database(url, pool_size=2)
    try:
        await migrate.upgrade(db)
        return await seed_story(db, "Two hundred comments", 200, seed=1)
    finally:
        await db.dispose()


def token(url: str, workdir: Path) -> str:
    made = subprocess.run(  # noqa: S603  (our own CLI)
        [TRIBUNE, "token", "create", "--name", "bench CMS", "--scope", "stories"],
        env=tribune_env(url),
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


class Newsroom(threading.Thread):
    """Publishes a story every PUBLISH_EVERY seconds, and schedules a dozen to come due in
    the middle of the round, until stopped."""

    def __init__(self, base: str, secret: str, seconds: int) -> None:
        super().__init__(daemon=True)
        self.base, self.seconds = base, seconds
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.stop = threading.Event()
        self.published = 0
        self.failed = 0
        self.refusals: dict[str, int] = {}

    def run(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=10) as cms:
            due = datetime.now(UTC) + timedelta(seconds=self.seconds / 2)
            for n in range(12):
                # A loaded server may take a while to answer: never a time already past.
                when = max(due, datetime.now(UTC) + timedelta(seconds=1))
                self._post(cms, {"status": "scheduled", "publish_at": when.isoformat()}, n)
            n = 100
            while not self.stop.wait(PUBLISH_EVERY):
                n += 1
                self._post(cms, {"status": "published"}, n)

    def _post(self, cms: httpx.Client, state: dict[str, str], n: int) -> None:
        story = {
            "title": f"Council story number {n} at {time.monotonic():.3f}",
            "lead": "What the council decided on Tuesday night.",
            "body": "The council voted on the pier. #Harbour\n\n" + "More of the story. " * 40,
            **state,
        }
        try:
            answer = cms.post("/api/v1/stories", json=story)
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
        else:
            if answer.status_code == 201:
                self.published += 1
                return
            kind = f"{answer.status_code} {answer.text[:80]}"
        self.failed += 1
        self.refusals[kind] = self.refusals.get(kind, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        story_id = asyncio.run(prepare(url))
        secret = token(url, workdir)
        with running_server(
            url, workdir, workers=2, TRIBUNE_DEMO="0", TRIBUNE_LOG_LEVEL="warning"
        ) as base:
            slug = httpx.get(f"{base}/api/v1/stories/{story_id}").json()["slug"]
            targets = {
                "thread API": f"{base}/api/v1/stories/{story_id}/comments",
                "story page": f"{base}/stories/{slug}",
            }
            for name, target in targets.items():
                wrk(target, 2, args.connections)  # warm the caches
                for round_ in range(2):
                    for busy in (False, True):
                        newsroom = Newsroom(base, secret, args.seconds) if busy else None
                        if newsroom:
                            newsroom.start()
                        result = wrk(target, args.seconds, args.connections)
                        if newsroom:
                            newsroom.stop.set()
                            newsroom.join()
                            result["published"] = newsroom.published
                            result["failed"] = newsroom.failed
                            if newsroom.refusals:
                                print(f"  refused: {newsroom.refusals}")
                        rows.append({"read": name, "busy": busy, "round": round_, **result})
                        print(
                            f"  {name:<11} {'publishing' if busy else 'quiet':<10} "
                            f"{result['rps']:>9,.0f} req/s  p99 {result['p99_ms']:6.1f} ms"
                            + (
                                f"  ({newsroom.published} stories published, "
                                f"{newsroom.failed} refused)"
                                if newsroom
                                else ""
                            )
                        )
    print("\nbusy / quiet (same read, same round):")
    found = {(r["read"], r["round"], r["busy"]): r for r in rows}
    for name in ("thread API", "story page"):
        for round_ in range(2):
            ratio = found[name, round_, True]["rps"] / found[name, round_, False]["rps"]
            print(f"  {name:<11} round {round_ + 1}: x{ratio:.2f}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"publishing-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(rows, indent=2))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
