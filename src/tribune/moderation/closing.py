"""Comments close by themselves some days after a story is published (the rules page's
"Days after publishing that comments close"): a sweep on every worker closes what is due, as
an editor would, so the page, the API and the rules all see an ordinary closed story."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from tribune.accounts.service import audit
from tribune.live.broker import Broker
from tribune.moderation.config import rule_config
from tribune.storage import stories as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction, CommentMode, EventKind

log = logging.getLogger("tribune.closing")

SWEEP_SECONDS = 60.0


async def close_old(db: Database, events: Broker | None = None) -> list[int]:
    """Close the discussion of every published story older than the setting; their ids.
    An editor may open one again: it stays open until the setting next finds it (raise the
    setting to keep old stories open)."""
    days = (await rule_config(db)).close_after_days
    if not days:
        return []
    cutoff = datetime.now(UTC) - timedelta(days=days)
    async with db.read() as conn:
        if not await store.open_before(conn, cutoff, limit=1):
            return []
    async with db.transaction() as conn:
        closed = await store.close_before(conn, cutoff)
        for story_id in closed:
            await audit(
                conn,
                None,
                AuditAction.story_comment_mode,
                f"story {story_id}",
                detail={"mode": CommentMode.closed, "after_days": days},
                name="Comments closing",
            )
    if events is not None:
        for story_id in closed:
            await events.publish(story_id, EventKind.story, {"comment_mode": CommentMode.closed})
    return closed


async def run(db: Database, events: Broker, every: float = SWEEP_SECONDS) -> None:
    """Sweep until cancelled; a failure is logged once and waited out."""
    failing = False
    while True:
        try:
            if closed := await close_old(db, events):
                log.info("closed comments on %d stories", len(closed))
            failing = False
        except Exception:
            if not failing:
                log.warning("old stories' comments cannot be closed now", exc_info=True)
            failing = True
        await asyncio.sleep(every)
