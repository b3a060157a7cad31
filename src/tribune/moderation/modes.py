"""Who may comment on a story: open, pre-moderated (everything held) or closed."""

from __future__ import annotations

from tribune.accounts.service import Staff, audit
from tribune.exceptions import Invalid, NotFound
from tribune.live.broker import Broker
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction, CommentMode, EventKind


async def set_story_mode(
    db: Database,
    story_id: int,
    mode: str,
    first_comment_hold: bool,
    *,
    by: Staff,
    events: Broker,
) -> None:
    """Open, pre-moderate or close a story's discussion; open pages hear of it live."""
    if mode not in frozenset(CommentMode):
        errors = {"mode": "Mode must be open, premoderated or closed"}
        raise Invalid("The mode was not changed", errors)
    async with db.transaction() as conn:
        if not await story_store.set_comment_mode(
            conn, story_id, CommentMode(mode), first_comment_hold
        ):
            raise NotFound(f"There is no story {story_id}")
        await audit(
            conn,
            by,
            AuditAction.story_comment_mode,
            f"story {story_id}",
            detail={"mode": mode, "first_comment_hold": first_comment_hold},
        )
    await events.publish(story_id, EventKind.story, {"comment_mode": mode})
