"""Moderation: screening every new or edited comment, reader reports, bans, the staff queue
and its actions. Scoring happens here, on this machine: no reader's words leave it.

A comment is screened by the rules (moderation/rules.py) against facts read in one query
(the story's comment mode, a recent duplicate, the author's earlier comments, a ban in force).
Every staff action is written to the audit log in the transaction that performs it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from tribune.accounts.service import Staff, audit
from tribune.comments.threads import to_public
from tribune.moderation import rules
from tribune.moderation.rules import Decision, RuleConfig, Submission, Verdict
from tribune.storage import moderation as store
from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.storage.tables import CommentMode, CommentStatus
from tribune.web.ratelimit import RateLimiter

RULES_KEY = "moderation.rules"
CONFIG_SECONDS = 2.0  # how long a worker trusts its copy of the rule settings
# Shorter texts ("Agreed.", "Thanks!") are said by many readers in good faith: never duplicates.
DUPLICATE_MIN_CHARS = 20
REPORT_REASONS = ("spam", "abuse", "off-topic", "misinformation", "other")
REPORT_TEXT_MAX = 500
BAN_KINDS = ("email", "client")
ACTIONS = ("approve", "reject", "ban", "feature", "unfeature")
MODES = tuple(CommentMode)
STATUS_OF = {
    Decision.approve: CommentStatus.approved,
    Decision.hold: CommentStatus.pending,
    Decision.reject: CommentStatus.rejected,
}


class StoryClosed(Exception):
    pass


class Banned(Exception):
    """The author is banned; the message says until when and why."""


class InvalidReport(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class AlreadyReported(Exception):
    pass


class InvalidAction(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _now() -> datetime:
    return datetime.now(UTC)


# Rule settings, cached briefly per worker -------------------------------------------------------


async def rule_config(db: Database) -> RuleConfig:
    """The site's rule settings: defaults until staff change them. Each worker re-reads them
    at most every CONFIG_SECONDS, so a change reaches every instance within that time."""
    cached = db.settings_cache.get(RULES_KEY)
    if cached is not None and time.monotonic() - cached[0] < CONFIG_SECONDS:
        config: RuleConfig = cached[1]
        return config
    async with db.read() as conn:
        stored = await store.setting(conn, RULES_KEY)
    try:
        config = RuleConfig.model_validate(stored) if stored else RuleConfig()
    except ValidationError:
        config = RuleConfig()  # settings written by an older version: fall back, never fail
    db.settings_cache[RULES_KEY] = (time.monotonic(), config)
    return config


async def save_rule_config(db: Database, data: dict[str, Any], *, by: Staff) -> RuleConfig:
    """Validate and store new rule settings; raises ValidationError naming each bad field."""
    config = RuleConfig.model_validate(data)
    async with db.transaction() as conn:
        before = await store.setting(conn, RULES_KEY)
        await store.put_setting(conn, RULES_KEY, config.model_dump(mode="json"), _now())
        await audit(
            conn,
            by,
            "rules.change",
            "moderation rules",
            detail={"before": before, "after": config.model_dump(mode="json")},
        )
    db.settings_cache.pop(RULES_KEY, None)
    return config


# Screening ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Screening:
    status: CommentStatus
    verdicts: list[Verdict]

    def stored(self) -> list[dict[str, str]] | None:
        return [
            {"rule": v.rule, "decision": v.decision.value, "reason": v.reason}
            for v in self.verdicts
        ] or None


def ban_message(ban: Any) -> str:
    until = ban["expires_at"]
    when = f"until {until:%d %B %Y %H:%M} UTC" if until else "indefinitely"
    reason = f" Reason: {ban['reason']}" if ban["reason"] else ""
    return f"You are banned from commenting {when}.{reason}"


async def screen(
    db: Database,
    story_id: int,
    *,
    body: str,
    body_html: str,
    name: str,
    website: str | None,
    email_hash: str | None,
    client_hash: str | None,
    fingerprint: str,
) -> Screening | None:
    """Run the rules on a new comment; None when there is no such story. Raises StoryClosed
    or Banned when the comment may not be posted at all."""
    config = await rule_config(db)
    now = _now()
    facts = await store.screening_facts(
        db,
        story_id,
        fingerprint=fingerprint,
        since=now - timedelta(minutes=config.duplicate_minutes),
        email_hash=email_hash,
        client_hash=client_hash,
        now=now,
    )
    if facts is None:
        return None
    if facts["ban_id"] is not None:
        async with db.read() as conn:
            ban = await store.active_ban(conn, {"email": email_hash, "client": client_hash}, now)
        if ban is not None:
            raise Banned(ban_message(ban))
    if facts["comment_mode"] == CommentMode.closed:
        raise StoryClosed(story_id)
    submission = Submission(
        body=body,
        body_html=body_html,
        name=name,
        website=website,
        is_duplicate=bool(facts["duplicate"]) and len(body) >= DUPLICATE_MIN_CHARS,
        prior_comments=int(bool(facts["has_posted"])),
        story_premoderated=facts["comment_mode"] == CommentMode.premoderated,
        story_first_comment_hold=bool(facts["first_comment_hold"]),
    )
    verdicts = rules.evaluate(submission, config)
    return Screening(STATUS_OF[rules.outcome(verdicts)], verdicts)


def rescreen_edit(config: RuleConfig, row: Any, body: str, body_html: str) -> Screening:
    """The rules again on an edited body (a duplicate of itself is no duplicate)."""
    submission = Submission(
        body=body,
        body_html=body_html,
        name=row["name"] or "",
        website=row["website"],
        prior_comments=1,  # the author has posted: this very comment
    )
    verdicts = rules.evaluate(submission, config)
    return Screening(STATUS_OF[rules.outcome(verdicts)], verdicts)


# Reader reports --------------------------------------------------------------------------------


async def report(
    db: Database,
    comment_id: int,
    data: dict[str, Any],
    *,
    voter_id: str | None,
    client_hash: str | None,
    limiter: RateLimiter | None = None,
) -> dict[str, Any]:
    """Record a reader's report. After ``reports_to_hide`` reports an approved comment is
    hidden until a moderator looks at it. Raises InvalidReport, AlreadyReported, or
    LookupError for a comment readers cannot see, or RateLimited."""
    reason, text = data.get("reason"), data.get("text")
    errors: dict[str, str] = {}
    if reason not in REPORT_REASONS:
        errors["reason"] = "Reason must be one of: " + ", ".join(REPORT_REASONS)
    if text is not None and not isinstance(text, str):
        errors["text"] = "Text must be text"
    elif isinstance(text, str):
        text = text.strip() or None
        if text and len(text) > REPORT_TEXT_MAX:
            errors["text"] = f"Text must be at most {REPORT_TEXT_MAX} characters"
        elif text and any(ord(c) < 32 and c not in "\t\n" for c in text):
            errors["text"] = "Text must not contain control characters"
    if reason == "other" and not text and "reason" not in errors:
        errors["text"] = "Please say what is wrong with this comment"
    if errors:
        raise InvalidReport(errors)
    config = await rule_config(db)
    if limiter is not None:
        # Mass reporting can hide a thread; reports get a limit of their own (2x posting).
        await limiter.hit(config.rate_per_minute * 2, f"report:{client_hash or voter_id}")
    threshold = config.reports_to_hide
    async with db.transaction() as conn:
        rows = await store.comments_for_update(conn, [comment_id])
        if not rows or rows[0]["status"] != CommentStatus.approved:
            raise LookupError(comment_id)
        row = rows[0]
        if await store.report_of(conn, comment_id, voter_id, client_hash):
            raise AlreadyReported(comment_id)
        count = await store.insert_report(
            conn,
            {
                "comment_id": comment_id,
                "reason": reason,
                "text": text,
                "voter_id": voter_id,
                "client_hash": client_hash,
                "created_at": _now(),
            },
        )
        hidden = threshold > 0 and count >= threshold
        if hidden:
            verdict = {
                "rule": "reports",
                "decision": Decision.hold.value,
                "reason": f"held: {count} reader reports",
            }
            await store.set_status(
                conn, row, CommentStatus.pending, {"verdicts": [*(row["verdicts"] or []), verdict]}
            )
    if hidden:
        await db.announce(row["story_id"], "delete", {"id": comment_id})
    return {"comment_id": comment_id, "reported": True, "hidden": hidden}


# Bans ----------------------------------------------------------------------------------------


async def ban(
    conn: AsyncConnection,
    hashes: dict[str, str | None],
    *,
    by: Staff,
    reason: str,
    expires_at: datetime | None,
    target: str,
) -> list[int]:
    """Ban every given hash ({"email": ..., "client": ...}); returns the new ban ids."""
    created = []
    for kind, value in hashes.items():
        if kind not in BAN_KINDS or not value:
            continue
        created.append(
            await store.insert_ban(
                conn,
                {
                    "kind": kind,
                    "value": value,
                    "reason": reason,
                    "created_at": _now(),
                    "expires_at": expires_at,
                    "created_by": by.id,
                },
            )
        )
    await audit(
        conn,
        by,
        "ban.add",
        target,
        reason=reason,
        detail={"bans": created, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return created


async def add_ban(
    db: Database, kind: str, value: str, *, by: Staff, reason: str, days: int | None
) -> int:
    """A ban entered by hand on the bans page (a hash copied from the queue)."""
    errors: dict[str, str] = {}
    if kind not in BAN_KINDS:
        errors["kind"] = "Kind must be email or client"
    value = value.strip().lower()
    if not (len(value) == 32 and all(c in "0123456789abcdef" for c in value)):
        errors["value"] = "Hash must be the 32 hexadecimal characters shown in the queue"
    if days is not None and not 1 <= days <= 3650:
        errors["days"] = "Days must be between 1 and 3650, or empty for no expiry"
    if errors:
        raise InvalidAction(errors)
    expires = _now() + timedelta(days=days) if days else None
    async with db.transaction() as conn:
        ids = await ban(
            conn, {kind: value}, by=by, reason=reason, expires_at=expires, target=f"{kind} {value}"
        )
    return ids[0]


async def lift_ban(db: Database, ban_id: int, *, by: Staff) -> None:
    async with db.transaction() as conn:
        if not await store.lift_ban(conn, ban_id, _now()):
            raise InvalidAction({"ban": f"There is no ban {ban_id} in force"})
        await audit(conn, by, "ban.lift", f"ban {ban_id}")


async def bans_in_force(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        return [dict(row) for row in await store.bans_in_force(conn, _now())]


# The queue ------------------------------------------------------------------------------------

TABS = ("pending", "reported", "approved", "rejected", "all")
QUEUE_PAGE = 50


async def queue(
    db: Database,
    tab: str,
    *,
    story_id: int | None = None,
    rule: str | None = None,
    before: int | None = None,
    limit: int = QUEUE_PAGE,
) -> tuple[list[dict[str, Any]], int | None, dict[str, int]]:
    """A page of the queue, newest first: each item with its story, parent, author history
    and reports; the cursor of the next page; and the pending and reported counts."""
    async with db.read() as conn:
        rows = await store.queue_page(conn, tab, story_id, rule, before, limit + 1)
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
        counts = await store.tab_counts(conn)
    following = page[-1]["id"] if len(rows) > limit else None
    return page, following, counts


async def act(
    db: Database,
    ids: list[int],
    action: str,
    *,
    by: Staff,
    reason: str = "",
    ban_days: int | None = None,
) -> list[dict[str, Any]]:
    """Approve, reject, ban the author of, feature or unfeature the given comments, in one
    transaction with an audit entry each. Returns each comment's id and new status."""
    if action not in ACTIONS:
        raise InvalidAction({"action": "Action must be one of: " + ", ".join(ACTIONS)})
    if not ids:
        raise InvalidAction({"ids": "Select at least one comment"})
    if len(ids) > 500:
        raise InvalidAction({"ids": "At most 500 comments at a time"})
    if not all(1 <= comment_id < 2**63 for comment_id in ids):
        raise InvalidAction({"ids": "Ids must be comment ids (positive whole numbers)"})
    if ban_days is not None and not 1 <= ban_days <= 3650:
        raise InvalidAction({"ban_days": "Days must be between 1 and 3650, or empty for no expiry"})
    reason = reason.strip()[:1000]
    now = _now()
    done = []
    news: list[tuple[int, str, dict[str, Any]]] = []  # announced once committed
    async with db.transaction() as conn:
        rows = await store.comments_for_update(conn, sorted(set(ids)))
        if len(rows) != len(set(ids)):
            missing = sorted(set(ids) - {row["id"] for row in rows})
            raise InvalidAction({"ids": f"There is no comment {missing[0]}"})
        for row in rows:
            if row["status"] == CommentStatus.deleted:
                raise InvalidAction({"ids": f"Comment {row['id']} was deleted by its author"})
            target = f"comment {row['id']}"
            moderated = {
                "moderated_at": now,
                "moderated_by": by.id,
                "moderation_note": reason or None,
            }
            was_visible = row["status"] == CommentStatus.approved
            featured = bool(row["featured"])
            if action == "approve":
                await store.set_status(conn, row, CommentStatus.approved, moderated)
                await store.clear_reports(conn, row["id"])
                status = CommentStatus.approved
                if not was_visible:
                    news.append((row["story_id"], "comment", to_public(row) | {"status": status}))
            elif action in ("reject", "ban"):
                await store.set_status(conn, row, CommentStatus.rejected, moderated)
                status = CommentStatus.rejected
                if was_visible:
                    news.append((row["story_id"], "delete", {"id": row["id"]}))
                if action == "ban":
                    expires = now + timedelta(days=ban_days) if ban_days else None
                    await ban(
                        conn,
                        {"email": row["email_hash"], "client": row["client_hash"]},
                        by=by,
                        reason=reason,
                        expires_at=expires,
                        target=target,
                    )
            else:
                featured = action == "feature"
                await store.set_featured(conn, row, featured)
                status = CommentStatus(row["status"])
            await audit(conn, by, f"comment.{action}", target, reason=reason)
            done.append({"id": row["id"], "status": status.value, "featured": featured})
    for story_id, kind, data in news:
        await db.announce(story_id, kind, data)
    return done


# Stories' comment modes -----------------------------------------------------------------------


async def set_story_mode(
    db: Database, story_id: int, mode: str, first_comment_hold: bool, *, by: Staff
) -> None:
    """Open, pre-moderate or close a story's discussion."""
    if mode not in CommentMode.__members__:
        raise InvalidAction({"mode": "Mode must be open, premoderated or closed"})
    async with db.transaction() as conn:
        if not await story_store.set_comment_mode(conn, story_id, mode, first_comment_hold):
            raise InvalidAction({"story": f"There is no story {story_id}"})
        await audit(
            conn,
            by,
            "story.comment_mode",
            f"story {story_id}",
            detail={"mode": mode, "first_comment_hold": first_comment_hold},
        )
    await db.announce(story_id, "story", {"comment_mode": mode})
