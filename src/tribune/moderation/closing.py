"""Comments close by themselves some days after a story is published (the rules page's
"Days after publishing that comments close"): a sweep on every worker closes what is due, as
an editor would, so the page, the API and the rules all see an ordinary closed story.

Each sweep closes the stories that came of age since the last one (the site remembers how far
it has closed, CLOSED_UNTIL): a story an editor opens again stays open."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from tribune.accounts.service import audit
from tribune.live.broker import Broker
from tribune.moderation.config import rule_config
from tribune.storage import moderation as settings_store
from tribune.storage import stories as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction, CommentMode, EventKind

log = logging.getLogger("tribune.closing")

SWEEP_SECONDS = 60.0
CLOSED_UNTIL = "comments.closed_until"  # stories published before this were swept


async def close_old(db: Database, events: Broker | None = None) -> list[int]:
    """Close the discussion of every published story that reached the setting's age since
    the last sweep; returns their ids."""
    days = (await rule_config(db)).close_after_days
    if not days:
        return []
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    async with db.read() as conn:
        since = _moment(await settings_store.setting(conn, CLOSED_UNTIL))
        if since is not None and since >= cutoff:
            return []
        due = await store.open_between(conn, since, cutoff, limit=1)
    async with db.transaction() as conn:
        closed = await store.close_between(conn, since, cutoff) if due else []
        await settings_store.put_setting(conn, CLOSED_UNTIL, cutoff.isoformat(), now)
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


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


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
