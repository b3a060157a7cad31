"""Imports started from the admin upload page. The instance that received the file imports it
in the background, the same import ``tribune import`` runs, and writes its progress to the
imports table every second: the page that follows it may be answered by any instance. A row
whose heartbeat stopped belonged to a server that went away mid-import; importing the file
again completes what it stored (nothing is stored twice)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tribune import urls
from tribune.accounts.service import Staff, audit
from tribune.exceptions import Invalid, NotFound
from tribune.importers import page as page_dumps
from tribune.importers.markup import recognise
from tribune.importers.service import (
    ARCHIVE_IMPORTS,
    CHECKING,
    KINDS,
    ArchiveSummary,
    ImportRefused,
    Progress,
    described,
    import_page,
)
from tribune.storage import imports as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
STOPPED_AFTER = timedelta(seconds=30)  # a heartbeat this old: its server went away
RECENT = 20  # imports the upload page lists
RUNNING = ("checking", "storing")
NOT_KIND = "This file is not one Tribune imports: " + ", ".join(KINDS.values())
UNEXPECTED = (
    "The import stopped on an unexpected error, and what it had stored was taken back. "
    "The server's log has the details."
)
SHUT_DOWN = (
    "The server shut down during the import, and what it had stored was taken back. "
    "Upload the file again."
)
WENT_AWAY = (
    "The server running this import stopped answering. Upload the file again: what it had "
    "stored stays, and nothing is stored twice."
)


def _now() -> datetime:
    return datetime.now(UTC)


def choose_kind(path: Path, kind: str, *, dry_run: bool, site: str) -> str:
    """The kind to import the upload as (recognised from its content for "auto"); Invalid,
    naming the field, when it cannot be."""
    if kind == "auto":
        found = recognise(path)
        if found is None:
            raise Invalid(NOT_KIND, {"file": NOT_KIND})
        kind = found
    elif kind not in KINDS:
        raise Invalid("Choose the kind of file", {"kind": "Choose one of the kinds listed"})
    if kind == "page" and dry_run:
        words = "A page dump is imported as it is read: untick “Only check”"
        raise Invalid(words, {"dry_run": words})
    if site and (kind != "isso" or urls.origin(site) is None):
        words = "The site is the address Isso served (https://blog.example), for an Isso database"
        raise Invalid(words, {"site": words})
    return kind


class Imports:
    """The imports this instance runs; the app stops them (each taking back what it stored)
    when it shuts down."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.running: dict[int, asyncio.Task[None]] = {}

    async def start(
        self,
        path: Path,
        *,
        kind: str,
        filename: str,
        dry_run: bool,
        site: str,
        by: Staff,
    ) -> int:
        """Record the import and start it; the file at ``path`` is the import's (it removes
        it when done)."""
        now = _now()
        async with self.db.transaction() as conn:
            import_id = await store.add(
                conn,
                {
                    "kind": kind,
                    "filename": filename[:255],
                    "size": path.stat().st_size,
                    "dry_run": dry_run,
                    "state": CHECKING,
                    "staff_id": by.id,
                    "started_at": now,
                    "updated_at": now,
                },
            )
            detail = {"kind": kind, "dry_run": dry_run, "file": filename[:255]}
            await audit(conn, by, AuditAction.import_start, f"import {import_id}", detail=detail)
        task = asyncio.create_task(self._run(import_id, path, kind, dry_run, site))
        self.running[import_id] = task
        task.add_done_callback(lambda _: self.running.pop(import_id, None))
        return import_id

    async def wait(self, import_id: int) -> None:
        """Until this instance's import is over (tests, shutdown)."""
        task = self.running.get(import_id)
        if task is not None:
            await asyncio.wait([task])

    async def stop(self) -> None:
        for task in list(self.running.values()):
            task.cancel()
        if self.running:
            await asyncio.wait(list(self.running.values()))

    async def _run(self, import_id: int, path: Path, kind: str, dry_run: bool, site: str) -> None:
        counts = {"stories_found": 0, "comments_found": 0, "comments_done": 0}
        phase = [CHECKING]

        def progress(now_in: str, rows: int) -> None:
            phase[0] = now_in
            if now_in == CHECKING:
                counts["stories_found"] += 1
                counts["comments_found"] += rows
            else:
                counts["comments_done"] += rows

        async def heartbeat() -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                await self._change(import_id, {"state": phase[0], **counts})

        beating = asyncio.create_task(heartbeat())
        outcome: dict[str, Any]
        try:
            summary = await self._import(path, kind, dry_run, site, progress)
            outcome = {"state": "done", "summary": asdict(summary)}
        except ImportRefused as exc:
            outcome = {"state": "failed", "error": str(exc)}
        except asyncio.CancelledError:
            outcome = {"state": "failed", "error": SHUT_DOWN}
            raise
        except Exception:
            log.exception("import %d failed", import_id)
            outcome = {"state": "failed", "error": UNEXPECTED}
        finally:
            beating.cancel()
            path.unlink(missing_ok=True)
            final = outcome | {"finished_at": _now()}
            if final.get("summary"):
                done = final["summary"]
                counts = {
                    "stories_found": done["stories_found"],
                    "comments_found": done["comments_found"],
                    "comments_done": 0 if dry_run else done["comments_found"],
                }
            await self._change(import_id, final | counts)

    async def _import(
        self, path: Path, kind: str, dry_run: bool, site: str, progress: Progress
    ) -> ArchiveSummary:
        if kind != "page":
            options = {"site": site or None} if kind == "isso" else {}
            summary: ArchiveSummary = await ARCHIVE_IMPORTS[kind](
                self.db, path, dry_run=dry_run, progress=progress, **options
            )
            return summary
        size = path.stat().st_size
        if size > page_dumps.MAX_BYTES:  # refused before it is read into memory
            raise ImportRefused(page_dumps.too_large(size))
        result = await import_page(self.db, await asyncio.to_thread(path.read_bytes))
        return ArchiveSummary(
            stories_found=1,
            comments_found=result.comments_seen,
            stories_created=int(result.story_created),
            stories_attached=int(not result.story_created),
            comments_added=result.comments_added,
        )

    async def _change(self, import_id: int, values: dict[str, Any]) -> None:
        async with self.db.transaction() as conn:
            await store.change(conn, import_id, values | {"updated_at": _now()})


# What the pages show -------------------------------------------------------------------------


def _view(row: Any, now: datetime) -> dict[str, Any]:
    state = row["state"]
    if state in RUNNING and now - row["updated_at"] > STOPPED_AFTER:
        state = "stopped"
    view = dict(row)
    view["state"] = state
    view["running"] = state in RUNNING
    view["label"] = {
        "checking": "Checking the file",
        "storing": "Storing",
        "done": "Checked" if row["dry_run"] else "Imported",
        "failed": "Not imported",
        "stopped": "Stopped",
    }[state]
    view["kind_name"] = KINDS.get(row["kind"], row["kind"])
    size = row["size"]
    view["size_text"] = f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size / 1e3:,.1f} kB"
    view["error"] = WENT_AWAY if state == "stopped" else row["error"]
    found, done = row["comments_found"], row["comments_done"]
    view["percent"] = min(100, round(100 * done / found)) if state == "storing" and found else None
    summary = row["summary"]
    view["lines"] = (
        described(ArchiveSummary(**summary), row["kind"]) if state == "done" and summary else []
    )
    return view


async def one(db: Database, import_id: int) -> dict[str, Any]:
    async with db.read() as conn:
        row = await store.one(conn, import_id)
    if row is None:
        raise NotFound
    return _view(row, _now())


async def recent(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = await store.latest(conn, RECENT)
    now = _now()
    return [_view(row, now) for row in rows]
