"""Reader reports: one per reader (their voter cookie) per comment; reports from enough
addresses hide a comment until a moderator looks (the "reports" rule). Readers behind one
address each have their own report; the address bounds how many of them report one comment
in an hour, and counts once toward hiding it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tribune.exceptions import Conflict, FieldErrors, Invalid, NotAllowed, NotFound
from tribune.fields import check_note
from tribune.live.broker import Broker
from tribune.moderation import rules
from tribune.moderation.config import rule_config
from tribune.moderation.rules import Submission
from tribune.ratelimit import (
    ADDRESS_FACTOR,
    CAP_WINDOW,
    RateLimited,
    RateLimiter,
    cap_retry_after,
)
from tribune.readers import Reader
from tribune.storage import moderation as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.vocabulary import CommentStatus, EventKind, ReportReason

REPORT_TEXT_MAX = 500
REPORTERS_PER_ADDRESS = 10  # the default of TRIBUNE_REPORTERS_PER_ADDRESS
THANKS = "Thank you, a moderator will look at it."


class AlreadyReported(Conflict):
    def __init__(self) -> None:
        super().__init__("You have already reported this comment. " + THANKS)


class TooManyReporters(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            "Many people on your network have already reported this comment in the last "
            "hour, so a moderator will look at it. Your report was not needed",
        )


REASON_MISSING = "Please choose what is wrong with this comment"


async def reported(db: Database, comment_id: int, voter_id: str | None) -> dict[str, Any] | None:
    """A comment this reader reported, as its thanks page names it (``id``, ``number``,
    ``story_slug``, ``story_title``), even once reports or a moderator hid it; else None."""
    if voter_id is None:
        return None
    async with db.read() as conn:
        row = await store.reported_story(conn, comment_id, voter_id)
    if row is None:
        return None
    return {
        "id": row["id"],
        "number": row["number"],
        "story_slug": row["slug"],
        "story_title": row["title"],
    }


def _checked(data: dict[str, Any]) -> tuple[ReportReason, str | None]:
    reason, text = data.get("reason"), data.get("text")
    errors: FieldErrors = {}
    if not isinstance(reason, str) or reason not in frozenset(ReportReason):
        # The form shows the labels; the API's values are in its schema, named here too.
        values = ", ".join(f"“{value}”" for value in ReportReason)
        errors["reason"] = (
            REASON_MISSING if reason in (None, "") else f"{REASON_MISSING}: one of {values}"
        )
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
    reporters_per_address: int = REPORTERS_PER_ADDRESS,
) -> dict[str, Any]:
    """Record a reader's report. Raises Invalid, AlreadyReported, NotFound for a comment
    readers cannot see, RateLimited, or TooManyReporters when the reader's address already
    added ``reporters_per_address`` reports of this comment in the last hour. Reports from
    enough addresses hold an approved comment until a moderator looks at it."""
    reason, text = _checked(data)
    if reader.voter_id is None:
        raise NotAllowed("Reports need a voter cookie: please allow cookies for this site")
    config = await rule_config(db)
    if limiter is not None:
        # Mass reporting can hide a thread; reports get a limit of their own (2x posting),
        # per reader and, looser, per address.
        per_reader = config.rate_per_minute * 2
        await limiter.hit_each(
            [
                (per_reader, f"report:voter:{reader.voter_id}"),
                (per_reader * ADDRESS_FACTOR, f"report:client:{reader.client_hash}"),
            ]
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
        if await store.report_of(conn, comment_id, reader.voter_id):
            raise AlreadyReported
        now = datetime.now(UTC)
        if reader.client_hash is not None:
            # The comment's row is locked: its reports are counted one at a time.
            count, oldest = await store.recent_reporters(
                conn, comment_id, reader.client_hash, now - CAP_WINDOW
            )
            if count >= reporters_per_address:
                raise TooManyReporters(cap_retry_after(oldest, now))
        await store.insert_report(
            conn,
            {
                "comment_id": comment_id,
                "reason": reason,
                "text": text,
                "voter_id": reader.voter_id,
                "client_hash": reader.client_hash,
                "created_at": now,
            },
        )
        submission = Submission(
            body=row["body_md"],
            body_html=row["body_html"],
            name=row["name"] or "",
            reports=await store.reporting_addresses(conn, comment_id),
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
