"""Screening: every new or edited comment goes through the rules before it is stored.

The rules (rules.py) judge the text against facts read in one query on the raw path (the
story's comment mode, a recent duplicate, the author's earlier comments, a ban in force).
Scoring happens on this machine: no reader's words leave it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tribune.exceptions import NotAllowed
from tribune.moderation import rules
from tribune.moderation.config import rule_config
from tribune.moderation.rules import Decision, RuleConfig, Submission, Verdict
from tribune.storage import moderation as store
from tribune.storage import raw
from tribune.storage.engine import Database
from tribune.vocabulary import BanKind, CommentMode, CommentStatus

# Shorter texts ("Agreed.", "Thanks!") are said by many readers in good faith: never duplicates.
DUPLICATE_MIN_CHARS = 20
RULE_ORDER = {rule.name: index for index, rule in enumerate(rules.RULES)}
STATUS_OF = {
    Decision.approve: CommentStatus.approved,
    Decision.hold: CommentStatus.pending,
    Decision.reject: CommentStatus.rejected,
}


class StoryClosed(NotAllowed):
    def __init__(self) -> None:
        super().__init__("Comments are closed on this story")


class Banned(NotAllowed):
    """The author is banned; the message says until when and why."""


@dataclass(frozen=True, slots=True)
class Screening:
    status: CommentStatus
    verdicts: list[Verdict]
    # What the comment would get if the same text turns out to have been stored since
    # ``duplicate_since`` after all (posted at the same moment, screened before either was
    # stored): the write checks once more. None when that would change nothing.
    if_duplicate: Screening | None = None
    duplicate_since: datetime | None = None

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


def _judge(config: RuleConfig, submission: Submission) -> Screening:
    verdicts = rules.evaluate(submission, config)
    return Screening(STATUS_OF[rules.outcome(verdicts)], verdicts)


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
    story_recent: int = 0,
    site_recent: int = 0,
) -> Screening | None:
    """Run the rules on a new comment; None when there is no such story. Raises StoryClosed
    or Banned when the comment may not be posted at all. ``story_recent`` and
    ``site_recent`` are the new comments of the last minute (the surge rule)."""
    config = await rule_config(db)
    now = datetime.now(UTC)
    facts = await raw.screening_facts(
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
        hashes = {BanKind.email: email_hash, BanKind.client: client_hash}
        async with db.read() as conn:
            ban = await store.active_ban(conn, hashes, now)
        if ban is not None:
            raise Banned(ban_message(ban))
    if facts["comment_mode"] == CommentMode.closed:
        raise StoryClosed
    submission = Submission(
        body=body,
        body_html=body_html,
        name=name,
        website=website,
        is_duplicate=bool(facts["duplicate"]) and len(body) >= DUPLICATE_MIN_CHARS,
        prior_comments=int(bool(facts["has_posted"])),
        story_premoderated=facts["comment_mode"] == CommentMode.premoderated,
        story_first_comment_hold=bool(facts["first_comment_hold"]),
        story_recent=story_recent,
        site_recent=site_recent,
    )
    verdict = _judge(config, submission)
    if not submission.is_duplicate and len(body) >= DUPLICATE_MIN_CHARS:
        # The rules are independent: the twin is these verdicts and the duplicate rule's.
        found = rules.check_one("duplicate", replace(submission, is_duplicate=True), config)
        if found is not None:
            found_all = sorted([*verdict.verdicts, found], key=lambda v: RULE_ORDER[v.rule])
            twin = Screening(STATUS_OF[rules.outcome(found_all)], found_all)
            if twin.status != verdict.status:
                since = now - timedelta(minutes=config.duplicate_minutes)
                return replace(verdict, if_duplicate=twin, duplicate_since=since)
    return verdict


def rescreen_edit(config: RuleConfig, row: Any, story: Any, body: str, body_html: str) -> Screening:
    """The rules again on an edited body, with the story's mode and first-comment hold, as
    for a new comment (a duplicate of itself is no duplicate). Raises StoryClosed."""
    if story["comment_mode"] == CommentMode.closed:
        raise StoryClosed
    return _judge(
        config,
        Submission(
            body=body,
            body_html=body_html,
            name=row["name"] or "",
            website=row["website"],
            # An approved comment let its author in; a held one stays held whatever the rules.
            prior_comments=int(row["status"] == CommentStatus.approved),
            story_premoderated=story["comment_mode"] == CommentMode.premoderated,
            story_first_comment_hold=bool(story["first_comment_hold"]),
        ),
    )
