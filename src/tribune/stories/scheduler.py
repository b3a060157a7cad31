"""Scheduled stories publish at their time without any request arriving: every worker of
every instance runs this loop, and the database makes each story publish exactly once."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from tribune.accounts.service import audit
from tribune.storage import editor as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.stories.editor import Content, Events
from tribune.vocabulary import AuditAction, EventKind, StoryStatus

log = logging.getLogger("tribune.scheduler")

# How often each worker looks for a story coming due: a read of one indexed row. The
# write that publishes happens only when one is due, so SQLite's writer is not taken for it.
POLL_SECONDS = 1.0


async def publish_due(db: Database, events: Events | None = None) -> list[int]:
    """Publish the scheduled stories whose time has come; returns their ids (none when
    another instance published them first)."""
    now = datetime.now(UTC)
    async with db.read() as conn:
        due = await store.next_due(conn)
    if due is None or due > now:
        return []
    async with db.transaction() as conn:
        published = await store.publish_due(conn, now)
        for row in published:
            await story_store.bump_version(conn, row["id"])
            saved = await store.revision(conn, row["id"], row["revision"] - 1)
            content = saved["content"] if saved else Content(title=row["title"]).as_dict()
            await store.add_revision(
                conn,
                {
                    "story_id": row["id"],
                    "number": row["revision"],
                    "saved_at": now,
                    "staff_id": None,
                    "actor": "Schedule",
                    "note": "Published on schedule",
                    "content": content,
                },
            )
            await audit(
                conn,
                None,
                AuditAction.story_publish,
                f"story {row['id']}",
                detail={"scheduled": True, "title": row["title"]},
                name="Schedule",
            )
    if events is not None:
        for row in published:
            data = {"comment_mode": row["comment_mode"], "status": StoryStatus.published}
            await events.publish(row["id"], EventKind.story, data)
    return [int(row["id"]) for row in published]


async def run(db: Database, events: Events, poll: float = POLL_SECONDS) -> None:
    """Publish due stories until cancelled. A failure (the database restarting) is logged
    once and waited out: the loop must outlive it."""
    failing = False
    while True:
        try:
            for story_id in await publish_due(db, events):
                log.info("published scheduled story %s", story_id)
            failing = False
        except Exception:
            if not failing:
                log.warning("scheduled stories cannot be published now", exc_info=True)
            failing = True
        await asyncio.sleep(poll)
