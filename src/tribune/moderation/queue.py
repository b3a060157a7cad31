"""The moderation queue and what staff do in it: approve, reject, ban the author, feature.

Every action is written to the audit log in the transaction that performs it, and readers
of the story's live stream hear of it once it is committed.
"""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tribune import public
from tribune.accounts.service import Staff, audit
from tribune.exceptions import Invalid
from tribune.fields import check_note
from tribune.live.broker import Broker
from tribune.moderation.bans import BAN_DAYS_MAX, DAYS_RANGE, ban
from tribune.storage import moderation as store
from tribune.storage.engine import Database
from tribune.vocabulary import (
    AuditAction,
    BanKind,
    CommentStatus,
    EventKind,
    ModerationAction,
    QueueTab,
)

QUEUE_PAGE = 50
ACT_MAX = 500  # comments in one bulk action
NOT_TAKEN = "The action was not taken"
REWRITE = 0.4  # below this share of words kept, an edit is shown as old text, then new

# What each tab shows: comments in these statuses (and reported ones only, for "reported").
TAB_STATUSES: dict[QueueTab, tuple[CommentStatus, ...]] = {
    QueueTab.pending: (CommentStatus.pending,),
    QueueTab.reported: (CommentStatus.approved, CommentStatus.pending, CommentStatus.deleted),
    QueueTab.approved: (CommentStatus.approved,),
    QueueTab.rejected: (CommentStatus.rejected,),
    QueueTab.all: (CommentStatus.approved, CommentStatus.pending, CommentStatus.rejected),
}


def changes(before: str, after: str) -> list[tuple[str, str]]:
    """What an edit changed, word by word: ("same" | "removed" | "added", text) runs; a
    rewrite, the old text and then the new."""
    old, new = re.findall(r"\s*\S+\s*", before), re.findall(r"\s*\S+\s*", after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < REWRITE:
        return [("removed", before), ("added", after)]
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(new[j1:j2])))
    return runs


async def queue(
    db: Database,
    tab: QueueTab,
    *,
    story_id: int | None = None,
    rule: str | None = None,
    before: int | None = None,
    limit: int = QUEUE_PAGE,
) -> tuple[list[dict[str, Any]], int | None, dict[QueueTab, int]]:
    """A page of the queue, newest first: each item with its story, parent, author history
    and reports; the cursor of the next page; and the pending and reported counts."""
    async with db.read() as conn:
        rows = await store.queue_page(
            conn,
            statuses=TAB_STATUSES[tab],
            reported=tab == QueueTab.reported,
            story_id=story_id,
            rule=rule,
            before=before,
            limit=limit + 1,
        )
        page = [dict(row) for row in rows[:limit]]
        reported = await store.reports_for(conn, [item["id"] for item in page])
        history: dict[tuple[str | None, str | None], tuple[int, int]] = {}
        for item in page:
            author = (item["email_hash"], item["client_hash"])
            if author not in history:
                history[author] = await store.author_history(conn, *author)
            posted, rejected = history[author]
            item["author_posted"] = posted
            item["author_rejected"] = rejected
            item["reports"] = [dict(r) for r in reported.get(item["id"], [])]
            if item["previous_body_md"] is not None and item["status"] == CommentStatus.pending:
                item["changes"] = changes(item["previous_body_md"], item["body_md"])
        pending, reported_count = await store.waiting_counts(conn)
    following = page[-1]["id"] if len(rows) > limit else None
    return page, following, {QueueTab.pending: pending, QueueTab.reported: reported_count}


def _checked(ids: list[int], action: str, ban_days: int | None, reason: str) -> ModerationAction:
    if action not in frozenset(ModerationAction):
        errors = {"action": "Action must be one of: " + ", ".join(ModerationAction)}
    elif not ids:
        errors = {"ids": "Select at least one comment"}
    elif len(ids) > ACT_MAX:
        errors = {"ids": f"At most {ACT_MAX} comments at a time"}
    elif not all(1 <= comment_id < 2**63 for comment_id in ids):
        errors = {"ids": "Ids must be comment ids (positive whole numbers)"}
    elif ban_days is not None and not 1 <= ban_days <= BAN_DAYS_MAX:
        errors = {"ban_days": DAYS_RANGE}
    elif problem := check_note(reason, "Reason"):
        errors = {"reason": problem}
    else:
        return ModerationAction(action)
    raise Invalid(NOT_TAKEN, errors)


async def act(
    db: Database,
    ids: list[int],
    action: str,
    *,
    by: Staff,
    events: Broker,
    reason: str = "",
    ban_days: int | None = None,
) -> list[dict[str, Any]]:
    """Approve, reject, ban the author of, feature or unfeature the given comments, in one
    transaction with an audit entry each. Returns each comment's id and new status."""
    chosen = _checked(ids, action, ban_days, reason)
    reason = reason.strip()[:1000]
    now = datetime.now(UTC)
    done = []
    news: list[tuple[int, EventKind, dict[str, Any]]] = []  # announced once committed
    async with db.transaction() as conn:
        rows = await store.comments_for_update(conn, sorted(set(ids)))
        if len(rows) != len(set(ids)):
            missing = sorted(set(ids) - {row["id"] for row in rows})
            raise Invalid(NOT_TAKEN, {"ids": f"There is no comment {missing[0]}"})
        for row in rows:
            if row["status"] == CommentStatus.deleted:
                raise Invalid(NOT_TAKEN, {"ids": f"Comment {row['id']} was deleted by its author"})
            target = f"comment {row['id']}"
            moderated = {
                "moderated_at": now,
                "moderated_by": by.id,
                "moderation_note": reason or None,
            }
            was_visible = row["status"] == CommentStatus.approved
            featured = bool(row["featured"])
            if chosen == ModerationAction.approve:
                status = CommentStatus.approved
                await store.set_status(conn, row, status, moderated)
                await store.clear_reports(conn, row["id"])
                if not was_visible:
                    comment = public.comment(row) | {"status": status}
                    news.append((row["story_id"], EventKind.comment, comment))
            elif chosen in (ModerationAction.reject, ModerationAction.ban):
                status = CommentStatus.rejected
                await store.set_status(conn, row, status, moderated)
                if was_visible:
                    news.append((row["story_id"], EventKind.delete, {"id": row["id"]}))
                if chosen == ModerationAction.ban:
                    # By the address it came from: the e-mail is unverified, and banning it
                    # would let anyone get a stranger's address banned by typing it.
                    await ban(
                        conn,
                        {BanKind.client: row["client_hash"]},
                        by=by,
                        reason=reason,
                        expires_at=now + timedelta(days=ban_days) if ban_days else None,
                        target=target,
                    )
            else:
                featured = chosen == ModerationAction.feature
                await store.set_featured(conn, row, featured)
                status = CommentStatus(row["status"])
            await audit(conn, by, AuditAction.of(chosen), target, reason=reason)
            done.append({"id": row["id"], "status": status.value, "featured": featured})
    for story_id, kind, data in news:
        await events.publish(story_id, kind, data)
    return done
