"""Reader reports: one per reader per comment; enough of them hide a comment until a
moderator looks (the "reports" rule)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tribune.exceptions import Conflict, FieldErrors, Invalid, NotFound
from tribune.fields import check_note
from tribune.live.broker import Broker
from tribune.moderation import rules
from tribune.moderation.config import rule_config
from tribune.moderation.rules import Submission
from tribune.ratelimit import RateLimiter
from tribune.readers import Reader
from tribune.storage import moderation as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import CommentStatus, EventKind, ReportReason

REPORT_TEXT_MAX = 500


class AlreadyReported(Conflict):
    def __init__(self) -> None:
        super().__init__("You have already reported this comment")


def _checked(data: dict[str, Any]) -> tuple[ReportReason, str | None]:
    reason, text = data.get("reason"), data.get("text")
    errors: FieldErrors = {}
    if not isinstance(reason, str) or reason not in frozenset(ReportReason):
        errors["reason"] = "Reason must be one of: " + ", ".join(ReportReason)
    if text is not None and not isinstance(text, str):
        errors["text"] = "Text must be text"
    elif isinstance(text, str):
        text = text.strip() or None
        if text and (problem := check_note(text, "Text", REPORT_TEXT_MAX)):
            errors["text"] = problem
    if reason == ReportReason.other and not text and "reason" not in errors:
        errors["text"] = "Please say what is wrong with this comment"
    if errors:
        raise Invalid("The report was not accepted", errors)
    return ReportReason(str(reason)), text


async def report(
    db: Database,
    comment_id: int,
    data: dict[str, Any],
    *,
    reader: Reader,
    events: Broker,
    limiter: RateLimiter | None = None,
) -> dict[str, Any]:
    """Record a reader's report. Raises Invalid, AlreadyReported, NotFound for a comment
    readers cannot see, or RateLimited. Enough reports hold an approved comment until a
    moderator looks at it."""
    reason, text = _checked(data)
    config = await rule_config(db)
    if limiter is not None:
        # Mass reporting can hide a thread; reports get a limit of their own (2x posting).
        await limiter.hit(
            config.rate_per_minute * 2, f"report:{reader.client_hash or reader.voter_id}"
        )
    async with db.transaction() as conn:
        rows = await store.comments_for_update(conn, [comment_id])
        if (
            not rows
            or rows[0]["status"] != CommentStatus.approved
            or await story_store.story_by_id(conn, rows[0]["story_id"]) is None  # unpublished
        ):
            raise NotFound(f"There is no comment {comment_id} to report")
        row = rows[0]
        if await store.report_of(conn, comment_id, reader.voter_id, reader.client_hash):
            raise AlreadyReported
        count = await store.insert_report(
            conn,
            {
                "comment_id": comment_id,
                "reason": reason,
                "text": text,
                "voter_id": reader.voter_id,
                "client_hash": reader.client_hash,
                "created_at": datetime.now(UTC),
            },
        )
        submission = Submission(
            body=row["body_md"], body_html=row["body_html"], name=row["name"] or "", reports=count
        )
        verdict = rules.check_one(rules.REPORTS, submission, config)
        if verdict is not None:
            held = {"rule": verdict.rule, "decision": verdict.decision, "reason": verdict.reason}
            await store.set_status(
                conn, row, CommentStatus.pending, {"verdicts": [*(row["verdicts"] or []), held]}
            )
    if verdict is not None:
        await events.publish(row["story_id"], EventKind.delete, {"id": comment_id})
    return {"comment_id": comment_id, "reported": True, "hidden": verdict is not None}
