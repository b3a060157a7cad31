"""Who staff are and what each role may do; logging in without giving away who has an account.

Passwords are hashed with argon2id. A session is a random token in an HttpOnly cookie; the
database keeps only its SHA-256, so a leaked table opens no sessions. Failed logins are
counted per account (a keyed hash of the e-mail as typed, whether or not it exists) and per
client: after a few the answer slows down, after more the pair is locked for a while. Every
staff action goes to the audit log through ``audit``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tribune.exceptions import FieldErrors, Invalid
from tribune.fields import check_email, check_name
from tribune.keys import Keys
from tribune.storage import accounts as store
from tribune.storage import moderation as moderation_store
from tribune.storage.engine import Conn, Database
from tribune.vocabulary import AuditAction, BanKind, CommentStatus, Permission, Role

SESSION_HOURS = 12
EMAIL_SHOWN = 254  # characters of a failed login's e-mail kept in the audit log
PASSWORD_MIN = 12
PASSWORD_MAX = 1024
SLOW_AFTER = 3  # failures before answers slow down
SLOW_STEP_SECONDS = 1.0  # each further failure adds this much, up to 5 steps
LOCK_AFTER = 5  # failures before the account (or client) is locked
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
WRONG_LOGIN = "The e-mail address or the password is not right"
NOT_ADDED = "The staff member was not added"
NOT_REMOVED = "The staff member was not removed"
NOT_CHANGED = "The staff member was not changed"
CHOOSE_ROLE = "Please choose a role: moderator, editor or admin"

# What each role may do. Admins may do everything.
PERMISSIONS: dict[Permission, set[Role]] = {
    Permission.signed_in: set(Role),
    Permission.moderate: {Role.admin, Role.moderator},
    Permission.ban: {Role.admin, Role.moderator},
    Permission.stories: {Role.admin, Role.moderator, Role.editor},
    Permission.publish: {Role.admin, Role.editor},
    Permission.tokens: {Role.admin},
    Permission.rules: {Role.admin},
    Permission.site: {Role.admin},
    Permission.staff: {Role.admin},
    Permission.audit: {Role.admin},
    Permission.imports: {Role.admin},
    Permission.commenters: {Role.admin},
}

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both answers take as long. Made on the
    first such login, not at import: a hash costs 0.1 s of CPU and 64 MB, which every worker's
    start-up paid (and every `tribune` command)."""
    return _hasher.hash(secrets.token_urlsafe(16))


class LoginRefused(Exception):
    """Wrong credentials or locked; the message is safe to show (it names no account)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    email: str
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return self.role in PERMISSIONS[permission]

    @classmethod
    def from_row(cls, row: Any) -> Staff:
        return cls(id=row["id"], email=row["email"], name=row["name"], role=Role(row["role"]))


def _now() -> datetime:
    return datetime.now(UTC)


def check_password(password: str) -> str | None:
    if len(password) < PASSWORD_MIN:
        return f"Password must be at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"Password must be at most {PASSWORD_MAX} characters"
    return None


def validate_staff(email: str, name: str, role: str, password: str) -> FieldErrors:
    errors: FieldErrors = {}
    if not email.strip():
        errors["email"] = "Please enter an e-mail address"
    elif problem := check_email(email):
        errors["email"] = problem
    if problem := check_name(name):
        errors["name"] = problem
    if not role:
        errors["role"] = CHOOSE_ROLE
    elif role not in Role.__members__:
        errors["role"] = "Role must be admin, moderator or editor"
    if problem := check_password(password):
        errors["password"] = problem
    return errors


async def create_staff(
    db: Database,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    by: Staff | None = None,
) -> Staff:
    """Add a staff member (``by`` None: from the command line)."""
    errors = validate_staff(email, name, role, password)
    if errors:
        raise Invalid(NOT_ADDED, errors)
    address = email.strip().casefold()
    async with db.transaction() as conn:
        if await store.staff_by_email(conn, address) is not None:
            raise Invalid(NOT_ADDED, {"email": "There is already a staff member with this e-mail"})
        staff_id = await store.insert_staff(
            conn,
            {
                "email": address,
                "name": name.strip(),
                "role": role,
                "password_hash": _hasher.hash(password),
                "created_at": _now(),
            },
        )
        member = Staff(id=staff_id, email=address, name=name.strip(), role=Role(role))
        await audit(conn, by, AuditAction.staff_add, f"staff {staff_id}", detail={"role": role})
    return member


async def remove_staff(db: Database, staff_id: int, *, by: Staff) -> None:
    async with db.transaction() as conn:
        row = await store.staff_by_id(conn, staff_id)
        if row is None:
            raise Invalid(NOT_REMOVED, {"staff": f"There is no staff member {staff_id}"})
        if row["role"] == Role.admin and await store.admin_ids_for_update(conn) == [staff_id]:
            raise Invalid(NOT_REMOVED, {"staff": "The last admin cannot be removed"})
        await store.delete_staff(conn, staff_id)
        detail = {"name": row["name"]}
        await audit(conn, by, AuditAction.staff_remove, f"staff {staff_id}", detail=detail)


async def change_role(db: Database, staff_id: int, role: str, *, by: Staff) -> Staff:
    """Give a staff member another role; the last admin keeps theirs."""
    if role not in Role.__members__:
        raise Invalid(
            NOT_CHANGED,
            {"role": CHOOSE_ROLE if not role else "Role must be admin, moderator or editor"},
        )
    async with db.transaction() as conn:
        admins = await store.admin_ids_for_update(conn)
        row = await store.staff_by_id(conn, staff_id)
        if row is None:
            raise Invalid(NOT_CHANGED, {"staff": f"There is no staff member {staff_id}"})
        if row["role"] == Role.admin and role != Role.admin and admins == [staff_id]:
            raise Invalid(
                NOT_CHANGED,
                {"staff": f"{row['name']} is the last admin: make someone else an admin first"},
            )
        if row["role"] != role:
            await store.update_role(conn, staff_id, Role(role))
            detail = {"name": row["name"], "from": row["role"], "to": role}
            await audit(conn, by, AuditAction.staff_role, f"staff {staff_id}", detail=detail)
    return Staff(id=staff_id, email=row["email"], name=row["name"], role=Role(role))


async def reset_password(db: Database, staff_id: int, password: str, *, by: Staff) -> None:
    """Set a staff member's password (they tell it to them); their other sessions end."""
    if problem := check_password(password):
        raise Invalid(NOT_CHANGED, {"password": problem})
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with db.transaction() as conn:
        row = await store.staff_by_id(conn, staff_id)
        if row is None:
            raise Invalid(NOT_CHANGED, {"staff": f"There is no staff member {staff_id}"})
        await store.update_password(conn, staff_id, password_hash)
        if staff_id != by.id:
            await store.delete_sessions_of(conn, staff_id)
        detail = {"name": row["name"]}
        await audit(conn, by, AuditAction.staff_password, f"staff {staff_id}", detail=detail)


async def all_staff(db: Database) -> list[Staff]:
    async with db.read() as conn:
        return [Staff.from_row(row) for row in await store.all_staff(conn)]


# Logging in ------------------------------------------------------------------------------------


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False


async def log_in(
    db: Database, keys: Keys, email: str, password: str, client_hash: str | None
) -> tuple[Staff, str]:
    """Check the credentials; returns the staff member and a new session token, or raises
    LoginRefused with the same message whether or not the e-mail has an account."""
    now = _now()
    counters = [f"account:{keys.login_key(email)}"]
    if client_hash:
        counters.append(f"client:{client_hash}")
    async with db.read() as conn:
        found = await store.failures(conn, counters)
        row = await store.staff_by_email(conn, email.strip().casefold())
    live = [f for f in found.values() if now - f["first_at"] < FAILURE_WINDOW]
    locked = [
        f["locked_until"] for f in found.values() if f["locked_until"] and f["locked_until"] > now
    ]
    if locked:
        wait = int((max(locked) - now).total_seconds()) + 1
        minutes = (wait + 59) // 60
        raise LoginRefused(
            f"Too many failed logins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            retry_after=wait,
        )
    recent = max((f["failures"] for f in live), default=0)
    if recent >= SLOW_AFTER:
        # Each further guess costs the guesser seconds, not our CPU (the loop stays free).
        await asyncio.sleep(min(recent - SLOW_AFTER + 1, 5) * SLOW_STEP_SECONDS)
    # Argon2 runs in a thread: ~50 ms of CPU that must not stall every other request.
    good = await asyncio.to_thread(_verify, row["password_hash"] if row else None, password)
    async with db.transaction() as conn:
        if row is None or not good:
            for key in counters:
                current = found.get(key)
                if current is None or now - current["first_at"] >= FAILURE_WINDOW:
                    count, first = 1, now  # a new window of failures
                else:
                    count, first = current["failures"] + 1, current["first_at"]
                until = now + LOCK_FOR if count >= LOCK_AFTER else None
                await store.set_failures(conn, key, count, first, until)
            # Which account was tried, as typed (never the password): staff reading the log
            # see a colleague's typo, or someone guessing at an address.
            tried = email.strip()[:EMAIL_SHOWN]
            await audit(
                conn,
                None,
                AuditAction.login_failed,
                "",
                detail={"account": row is not None, "email": tried},
            )
        else:
            for key in counters:
                await store.clear_failures(conn, key)
            member = Staff.from_row(row)
            token = secrets.token_urlsafe(32)
            await store.insert_session(
                conn, _token_hash(token), member.id, now, now + timedelta(hours=SESSION_HOURS)
            )
            await audit(conn, member, AuditAction.login, f"staff {member.id}")
    if row is None or not good:
        raise LoginRefused(WRONG_LOGIN)
    return member, token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def session_staff(db: Database, token: str | None) -> Staff | None:
    if not token or len(token) > 100:
        return None
    async with db.read() as conn:
        row = await store.session_staff(conn, _token_hash(token), _now())
    return None if row is None else Staff.from_row(row)


async def log_out(db: Database, token: str, member: Staff) -> None:
    async with db.transaction() as conn:
        await store.delete_session(conn, _token_hash(token))
        await audit(conn, member, AuditAction.logout, f"staff {member.id}")


# The audit log ---------------------------------------------------------------------------------


async def audit(
    conn: Conn,
    actor: Staff | None,
    action: AuditAction,
    target: str,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    name: str | None = None,
) -> None:
    """Record a staff action inside the transaction that performs it; ``name`` says who
    acted when no staff member did (an API token, the schedule)."""
    await store.insert_audit(
        conn,
        {
            "at": _now(),
            "staff_id": actor.id if actor else None,
            "actor": actor.name if actor else name or _anonymous_actor(action),
            "action": action,
            "target": target,
            "reason": reason,
            "detail": detail,
        },
    )


def _anonymous_actor(action: AuditAction) -> str:
    signing_in = action in (AuditAction.login, AuditAction.login_failed)
    return "(not signed in)" if signing_in else "command line"


async def audit_entries(db: Database, before: int | None, limit: int = 100) -> list[dict[str, Any]]:
    async with db.read() as conn:
        return [dict(row) for row in await store.audit_page(conn, before, limit)]


# The audit log in words ------------------------------------------------------------------------

ACTION_WORDS: dict[str, str] = {
    AuditAction.login: "Signed in",
    AuditAction.login_failed: "Failed sign-in",
    AuditAction.logout: "Signed out",
    AuditAction.staff_add: "Added a staff member",
    AuditAction.staff_remove: "Removed a staff member",
    AuditAction.staff_role: "Changed a role",
    AuditAction.staff_password: "Set a password",
    AuditAction.rules_change: "Changed the moderation rules",
    AuditAction.ban_add: "Banned",
    AuditAction.ban_lift: "Lifted a ban",
    AuditAction.comment_approve: "Approved a comment",
    AuditAction.comment_reject: "Rejected a comment",
    AuditAction.comment_ban: "Rejected a comment and banned its author",
    AuditAction.comment_feature: "Featured a comment",
    AuditAction.comment_unfeature: "Stopped featuring a comment",
    AuditAction.comment_undo: "Undid an action on a comment",
    AuditAction.story_comment_mode: "Changed a story's comments",
    AuditAction.story_create: "Wrote a new story",
    AuditAction.story_save: "Saved a story",
    AuditAction.story_publish: "Published a story",
    AuditAction.story_schedule: "Scheduled a story",
    AuditAction.story_unpublish: "Unpublished a story",
    AuditAction.story_delete: "Deleted a story",
    AuditAction.story_restore: "Restored a story's revision",
    AuditAction.token_create: "Created an API token",
    AuditAction.token_revoke: "Revoked an API token",
    AuditAction.commenter_lookup: "Looked up a commenter's comments by e-mail",
    AuditAction.commenter_export: "Exported a commenter's comments",
    AuditAction.commenter_erase: "Erased a commenter's comments",
    AuditAction.import_start: "Started an import",
}
SAMPLE = 80


def _sample(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= SAMPLE else flat[: SAMPLE - 1].rstrip() + "…"


# Their entries hold counts only: the address looked up is in no entry.
COMMENTER_ACTIONS = (
    AuditAction.commenter_lookup,
    AuditAction.commenter_export,
    AuditAction.commenter_erase,
)


def _commenter_counts(action: str, detail: dict[str, Any]) -> str:
    count = detail.get("comments", 0)
    comments = f"{count} comment{'s' if count != 1 else ''}"
    if action == AuditAction.commenter_lookup:
        return f"{comments} found"
    if action == AuditAction.commenter_export:
        return f"{comments} exported"
    return (
        f"{comments} erased: {detail.get('removed', 0)} removed, "
        f"{detail.get('placeholders', 0)} kept as empty placeholders for their replies"
    )


async def describe_audit(db: Database, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each entry with ``what`` (the action in words), ``about`` (the person or comment it
    concerns, with ``href`` where there is a page) and ``changes`` (lines of what changed)."""

    def ids(kind: str) -> list[int]:
        found = []
        for entry in entries:
            word, _, number = (entry["target"] or "").partition(" ")
            if word == kind and number.isdigit():
                found.append(int(number))
        return found

    async with db.read() as conn:
        comments = await moderation_store.comment_labels(conn, ids("comment"))
        bans = await moderation_store.bans_by_id(conn, ids("ban"))
        staff_names = {row["id"]: row["name"] for row in await store.all_staff(conn)}
        subjects: dict[tuple[str, str], Any] = {}
        for entry in entries:
            word, _, value = (entry["target"] or "").partition(" ")
            hashed = None
            if word in ("client", "email"):
                hashed = (word, value)
            elif word == "ban" and value.isdigit() and int(value) in bans:
                ban = bans[int(value)]
                hashed = (ban["kind"], ban["value"])
            if hashed and hashed not in subjects:
                subjects[hashed] = await moderation_store.latest_comment_by(
                    conn, BanKind(hashed[0]), hashed[1]
                )
    described = []
    for entry in entries:
        detail = entry["detail"] or {}
        word, _, value = (entry["target"] or "").partition(" ")
        about: dict[str, Any] = {"text": entry["target"], "href": None}
        changes: list[str] = []
        if word == "comment" and value.isdigit():
            row = comments.get(int(value))
            if row is not None:
                visible = row["status"] == CommentStatus.approved
                about = {
                    "text": f"comment #{row['number']} by {row['name'] or 'Anonymous'}: "
                    f"“{_sample(row['body_md'])}”",
                    "href": f"/comments/{row['id']}"
                    if visible
                    else f"/stories/{row['story_slug']}",
                }
            if "after" in detail and "before" in detail:
                was, now = detail["before"].get("status"), detail["after"].get("status")
                if was != now:
                    changes.append(f"{was} → {now}")
        elif word == "staff" and value.isdigit():
            name = staff_names.get(int(value)) or detail.get("name") or f"staff member {value}"
            about = {"text": name, "href": None}
            if entry["action"] == AuditAction.staff_role:
                changes.append(f"{detail.get('from')} → {detail.get('to')}")
            elif entry["action"] == AuditAction.staff_add and detail.get("role"):
                changes.append(f"as {detail['role']}")
        elif word in ("ban", "client", "email"):
            key: tuple[str, str] | None = None
            if word == "ban" and value.isdigit() and int(value) in bans:
                key = (bans[int(value)]["kind"], bans[int(value)]["value"])
            elif word != "ban":
                key = (word, value)
            subject = subjects.get(key) if key else None
            by = "address" if key and key[0] == BanKind.client else "e-mail"
            if subject is not None:
                about = {
                    "text": f"{subject['name'] or 'Anonymous'} (by {by}), who last wrote "
                    f"comment #{subject['number']}: “{_sample(subject['body_md'])}”",
                    "href": f"/comments/{subject['id']}"
                    if subject["status"] == CommentStatus.approved
                    else None,
                }
            elif key:
                about = {"text": f"an {by} with no comments", "href": None}
        elif word == "token" and value.isdigit():
            about = {"text": f"“{detail.get('name', value)}” ({detail.get('scope')})", "href": None}
        elif word == "import" and value.isdigit():
            checked = " (only checked)" if detail.get("dry_run") else ""
            about = {
                "text": f"{detail.get('file', value)}, as {detail.get('kind')}{checked}",
                "href": f"/admin/imports/{value}",
            }
        elif word == "story" and value.isdigit():
            about = {"text": f"story {value}", "href": None}
            if "mode" in detail:
                hold = ", first comments held" if detail.get("first_comment_hold") else ""
                changes.append(f"comments: {detail['mode']}{hold}")
        if entry["action"] in COMMENTER_ACTIONS:
            changes.append(_commenter_counts(entry["action"], detail))
        if entry["action"] == AuditAction.rules_change:
            changes = [str(line) for line in detail.get("changes") or []]
        elif entry["action"] == AuditAction.login_failed:
            tried = detail.get("email")
            about = {"text": f"as “{tried}”" if tried else "", "href": None}
            if "account" in detail:
                changes.append("an existing account" if detail["account"] else "no such account")
        elif entry["action"] == AuditAction.ban_add and "expires_at" in detail:
            until = detail["expires_at"]
            changes.append(f"until {until[:16].replace('T', ' ')} UTC" if until else "no expiry")
        described.append(
            entry
            | {
                "what": ACTION_WORDS.get(entry["action"], entry["action"]),
                "about": about,
                "changes": changes,
            }
        )
    return described
