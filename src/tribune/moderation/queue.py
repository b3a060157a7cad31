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
from tribune.moderation.bans import ban, days_problem, expiry, sample
from tribune.storage import accounts as accounts_store
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
UNDO_WINDOW = timedelta(minutes=10)  # the page offers undo for seconds; the server allows this
NOTHING_TO_BAN = (
    "Comment {id} has no address to ban its author by (it was imported, or came without one): "
    "nothing was banned"
)
# What undo may put back: the queue's own actions (an undo is not undone).
UNDOABLE = tuple(AuditAction.of(action) for action in ModerationAction)

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
    """A page of the queue: the pending tab oldest first (a queue is worked in order, and
    ``before`` is then the id the next page starts after), the others newest first. Each
    item has its story, parent, author history, how many commenters share its address, the
    earlier comment it repeats, what an edit changed, and its reports; then the cursor of
    the next page, and the pending and reported counts."""
    oldest_first = tab == QueueTab.pending
    async with db.read() as conn:
        rows = await store.queue_page(
            conn,
            statuses=TAB_STATUSES[tab],
            reported=tab == QueueTab.reported,
            story_id=story_id,
            rule=rule,
            before=before,
            limit=limit + 1,
            oldest_first=oldest_first,
        )
        page = [dict(row) for row in rows[:limit]]
        reported = await store.reports_for(conn, [item["id"] for item in page])
        sharing = await store.commenters_at(
            conn, [item["client_hash"] for item in page if item["client_hash"]]
        )
        repeats = [
            item["id"]
            for item in page
            if any(v.get("rule") == "duplicate" for v in item["verdicts"] or [])
        ]
        twins = await store.earlier_twins(conn, repeats)
        history: dict[tuple[str | None, str | None], tuple[int, int]] = {}
        for item in page:
            author = (item["email_hash"], item["client_hash"])
            if author not in history:
                history[author] = await store.author_history(conn, *author)
            posted, rejected = history[author]
            item["author_posted"] = posted
            item["author_rejected"] = rejected
            item["reports"] = [dict(r) for r in reported.get(item["id"], [])]
            # Everyone who posted from this address, the author among them.
            item["commenters_here"] = sharing.get(item["client_hash"] or "", 0)
            item["bannable"] = bool(item["client_hash"])
            twin = twins.get(item["id"])
            item["duplicate_of"] = dict(twin) if twin else None
            item["changes"] = None
            if item["previous_body_md"] is not None and item["status"] == CommentStatus.pending:
                item["changes"] = changes(item["previous_body_md"], item["body_md"])
        pending, reported_count = await store.waiting_counts(conn)
    following = page[-1]["id"] if len(rows) > limit else None
    return page, following, {QueueTab.pending: pending, QueueTab.reported: reported_count}


async def ban_preview(db: Database, ids: list[int]) -> list[dict[str, Any]]:
    """What banning the authors of these comments would bar: each comment (name, story, the
    start of its text), whether it has an address to ban by, and how many commenters have
    posted from that address (the author among them)."""
    if not ids:
        raise Invalid(NOT_TAKEN, {"ids": "Select at least one comment"})
    if len(ids) > ACT_MAX:
        raise Invalid(NOT_TAKEN, {"ids": f"At most {ACT_MAX} comments at a time"})
    async with db.read() as conn:
        found = await store.comment_labels(conn, ids)
        sharing = await store.commenters_at(
            conn, [row["client_hash"] for row in found.values() if row["client_hash"]]
        )
    if missing := sorted(set(ids) - set(found)):
        raise Invalid(NOT_TAKEN, {"ids": f"There is no comment {missing[0]}"})
    return [
        dict(row)
        | {
            "sample": sample(row["body_md"]),
            "bannable": bool(row["client_hash"]),
            "commenters_here": sharing.get(row["client_hash"] or "", 0),
        }
        for row in (found[i] for i in sorted(set(ids)))
    ]


def _checked(ids: list[int], action: str, ban_days: int | None, reason: str) -> ModerationAction:
    if action not in frozenset(ModerationAction):
        errors = {"action": "Action must be one of: " + ", ".join(ModerationAction)}
    elif not ids:
        errors = {"ids": "Select at least one comment"}
    elif len(ids) > ACT_MAX:
        errors = {"ids": f"At most {ACT_MAX} comments at a time"}
    elif not all(1 <= comment_id < 2**63 for comment_id in ids):
        errors = {"ids": "Ids must be comment ids (positive whole numbers)"}
    elif problem := days_problem(ban_days):
        errors = {"ban_days": problem}
    elif problem := check_note(reason, "Reason"):
        errors = {"reason": problem}
    else:
        return ModerationAction(action)
    raise Invalid(NOT_TAKEN, errors)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _state(row: Any) -> dict[str, Any]:
    """What an action changes on a comment, as JSON, for the audit log and undo."""
    return {
        "status": row["status"],
        "featured": bool(row["featured"]),
        "moderated_at": _iso(row["moderated_at"]),
        "moderated_by": row["moderated_by"],
        "moderation_note": row["moderation_note"],
    }


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
    """Approve, reject, ban the author of, feature or unfeature the given comments, or undo
    the caller's last action on them, in one transaction with an audit entry each (what it
    changed, so that it can be undone). ``ban_days`` None: the default for an address ban;
    NO_EXPIRY: none. Returns each comment's id and new status."""
    chosen = _checked(ids, action, ban_days, reason)
    if chosen == ModerationAction.undo:
        return await undo(db, ids, by=by, events=events)
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
            if chosen == ModerationAction.ban and not row["client_hash"]:
                raise Invalid(NOT_TAKEN, {"ids": NOTHING_TO_BAN.format(id=row["id"])})
            target = f"comment {row['id']}"
            moderated = {
                "moderated_at": now,
                "moderated_by": by.id,
                "moderation_note": reason or None,
            }
            before = _state(row)
            detail: dict[str, Any] = {"before": before}
            was_visible = row["status"] == CommentStatus.approved
            featured = bool(row["featured"])
            if chosen == ModerationAction.approve:
                status = CommentStatus.approved
                await store.set_status(conn, row, status, moderated)
                if row["report_count"]:
                    cleared = await store.report_rows(conn, row["id"])
                    detail["reports"] = [{k: _iso(v) for k, v in r.items()} for r in cleared]
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
                    detail["bans"] = await ban(
                        conn,
                        {BanKind.client: row["client_hash"]},
                        by=by,
                        reason=reason,
                        expires_at=expiry(BanKind.client, ban_days, now),
                        target=target,
                    )
            else:
                featured = chosen == ModerationAction.feature
                await store.set_featured(conn, row, featured)
                status = CommentStatus(row["status"])
            detail["after"] = {"status": status.value, "featured": featured}
            await audit(conn, by, AuditAction.of(chosen), target, reason=reason, detail=detail)
            done.append({"id": row["id"], "status": status.value, "featured": featured})
    for story_id, kind, data in news:
        await events.publish(story_id, kind, data)
    return done


async def undo(db: Database, ids: list[int], *, by: Staff, events: Broker) -> list[dict[str, Any]]:
    """Put back what the caller's last action on each comment changed (its status, featured
    mark, moderation note, the reports an approval cleared, the bans it made), if it was
    theirs, within UNDO_WINDOW, and nothing changed the comment since; audited."""
    now = datetime.now(UTC)
    done = []
    news: list[tuple[int, EventKind, dict[str, Any]]] = []
    async with db.transaction() as conn:
        rows = await store.comments_for_update(conn, sorted(set(ids)))
        if len(rows) != len(set(ids)):
            missing = sorted(set(ids) - {row["id"] for row in rows})
            raise Invalid(NOT_TAKEN, {"ids": f"There is no comment {missing[0]}"})
        for row in rows:
            target = f"comment {row['id']}"
            entry = await accounts_store.last_audit_of(conn, target, UNDOABLE)
            detail = (entry["detail"] or {}) if entry else {}
            if (
                entry is None
                or entry["action"] == AuditAction.comment_undo
                or entry["staff_id"] != by.id
                or entry["at"] < now - UNDO_WINDOW
                or "before" not in detail
            ):
                raise Invalid(
                    NOT_TAKEN, {"ids": f"Comment {row['id']}: there is no recent action to undo"}
                )
            after = detail.get("after", {})
            if after.get("status") != row["status"] or after.get("featured") != bool(
                row["featured"]
            ):
                raise Invalid(
                    NOT_TAKEN,
                    {"ids": f"Comment {row['id']} has changed since: nothing was undone"},
                )
            before = detail["before"]
            status = CommentStatus(before["status"])
            was_visible = row["status"] == CommentStatus.approved
            restored = {
                "moderated_at": datetime.fromisoformat(before["moderated_at"])
                if before.get("moderated_at")
                else None,
                "moderated_by": before.get("moderated_by"),
                "moderation_note": before.get("moderation_note"),
            }
            await store.set_status(conn, row, status, restored)
            if bool(row["featured"]) != bool(before["featured"]):
                await store.set_featured(conn, row, bool(before["featured"]))
            if detail.get("reports"):
                await store.restore_reports(conn, row["id"], detail["reports"])
            for ban_id in detail.get("bans") or []:
                await store.lift_ban(conn, ban_id, now)
            if was_visible and status != CommentStatus.approved:
                news.append((row["story_id"], EventKind.delete, {"id": row["id"]}))
            elif not was_visible and status == CommentStatus.approved:
                comment = public.comment(row) | {"status": status}
                news.append((row["story_id"], EventKind.comment, comment))
            await audit(
                conn,
                by,
                AuditAction.comment_undo,
                target,
                detail={
                    "undid": entry["id"],
                    "action": entry["action"],
                    "before": _state(row),
                    "after": {"status": status.value, "featured": bool(before["featured"])},
                    "lifted": detail.get("bans") or [],
                },
            )
            done.append(
                {"id": row["id"], "status": status.value, "featured": bool(before["featured"])}
            )
    for story_id, kind, data in news:
        await events.publish(story_id, kind, data)
    return done
