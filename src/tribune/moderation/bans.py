"""Bans: an author's keyed e-mail or address hash barred from commenting, with an expiry
and a reason. Every ban added or lifted is written to the audit log in its transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tribune.accounts.service import Staff, audit
from tribune.exceptions import FieldErrors, Invalid, NotFound
from tribune.fields import check_note
from tribune.storage import accounts as accounts_store
from tribune.storage import moderation as store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import AuditAction, BanKind

BAN_DAYS_MAX = 3650
# An address is often shared (an office, a mobile carrier, a library): a ban on one ends by
# itself unless staff choose "no expiry". An e-mail hash is one person's.
BAN_DAYS_DEFAULT = 7
NO_EXPIRY = 0  # ban_days that asks for no expiry, explicitly
DAYS_RANGE = f"Days must be between 1 and {BAN_DAYS_MAX}, or no expiry"
SAMPLE_CHARS = 140
SOURCES = 2000  # recent "ban.add" entries read for the comment each ban was made from


def expiry(kind: BanKind, days: int | None, now: datetime) -> datetime | None:
    """When a ban of ``days`` ends: None (not given) is the kind's default, NO_EXPIRY never."""
    if days is None:
        days = BAN_DAYS_DEFAULT if kind == BanKind.client else NO_EXPIRY
    return now + timedelta(days=days) if days != NO_EXPIRY else None


def days_problem(days: int | None) -> str | None:
    if days is not None and days != NO_EXPIRY and not 1 <= days <= BAN_DAYS_MAX:
        return DAYS_RANGE
    return None


def sample(text: str | None) -> str:
    """The start of a comment's text, on one line, for a page that lists many."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= SAMPLE_CHARS else flat[: SAMPLE_CHARS - 1].rstrip() + "…"


async def ban(
    conn: Conn,
    hashes: dict[BanKind, str | None],
    *,
    by: Staff,
    reason: str,
    expires_at: datetime | None,
    target: str,
) -> list[int]:
    """Ban every given hash inside the caller's transaction; returns the new ban ids."""
    created = []
    for kind, value in hashes.items():
        if not value:
            continue
        created.append(
            await store.insert_ban(
                conn,
                {
                    "kind": kind,
                    "value": value,
                    "reason": reason,
                    "created_at": datetime.now(UTC),
                    "expires_at": expires_at,
                    "created_by": by.id,
                },
            )
        )
    await audit(
        conn,
        by,
        AuditAction.ban_add,
        target,
        reason=reason,
        detail={"bans": created, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    return created


async def add_ban(
    db: Database, kind: str, value: str, *, by: Staff, reason: str, days: int | None
) -> int:
    """A ban entered by hand on the bans page (a hash copied from the queue); ``days`` None
    is the kind's default (an address: BAN_DAYS_DEFAULT), NO_EXPIRY none."""
    errors: FieldErrors = {}
    if kind not in frozenset(BanKind):
        errors["kind"] = "Kind must be email or client"
    value = value.strip().lower()
    if not (len(value) == 32 and all(c in "0123456789abcdef" for c in value)):
        errors["value"] = "Hash must be the 32 hexadecimal characters shown in the queue"
    if problem := days_problem(days):
        errors["days"] = problem
    if problem := check_note(reason, "Reason"):
        errors["reason"] = problem
    if errors:
        raise Invalid("The ban was not added", errors)
    expires = expiry(BanKind(kind), days, datetime.now(UTC))
    async with db.transaction() as conn:
        ids = await ban(
            conn,
            {BanKind(kind): value},
            by=by,
            reason=reason,
            expires_at=expires,
            target=f"{kind} {value}",
        )
    return ids[0]


async def lift_ban(db: Database, ban_id: int, *, by: Staff) -> None:
    async with db.transaction() as conn:
        if not await store.lift_ban(conn, ban_id, datetime.now(UTC)):
            raise NotFound(f"There is no ban {ban_id} in force")
        await audit(conn, by, AuditAction.ban_lift, f"ban {ban_id}")


async def bans_in_force(db: Database) -> list[dict[str, Any]]:
    """Bans in force, newest first, each with who it names: the comment it was made from in
    the queue, else the newest comment by that hash (``subject``, with a ``sample`` of its
    text, and ``from_queue``) and, for an address, how many commenters posted from it."""
    async with db.read() as conn:
        found = [dict(row) for row in await store.bans_in_force(conn, datetime.now(UTC))]
        clients = [ban["value"] for ban in found if ban["kind"] == BanKind.client]
        sharing = await store.commenters_at(conn, clients)
        made_from: dict[int, int] = {}  # ban id: the comment "Ban author" was pressed on
        for entry in await accounts_store.audit_of_action(conn, AuditAction.ban_add, SOURCES):
            word, _, number = (entry["target"] or "").partition(" ")
            if word == "comment" and number.isdigit():
                for ban_id in (entry["detail"] or {}).get("bans") or []:
                    made_from[int(ban_id)] = int(number)
        sources = await store.comment_labels(conn, list(set(made_from.values())))
        for ban in found:
            source = sources.get(made_from.get(ban["id"], 0))
            subject = source or await store.latest_comment_by(
                conn, BanKind(ban["kind"]), ban["value"]
            )
            ban["subject"] = dict(subject) if subject else None
            if subject:
                ban["subject"]["sample"] = sample(subject["body_md"])
                ban["subject"]["from_queue"] = source is not None
            ban["commenters"] = sharing.get(ban["value"], 0) if ban["kind"] == "client" else 1
    return found
