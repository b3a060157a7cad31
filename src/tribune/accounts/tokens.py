"""Staff API tokens: how a newsroom's CMS (or a script) proves who it is to the staff API.

A token is a random secret with a recognisable prefix (``trb_``, so a secret scanner or a
person reading a config file knows it for what it is), shown once when it is made. The
database keeps only its SHA-256: a leaked table opens nothing, and a secret is found by its
hash through the unique index, so no comparison of secrets happens at all (nothing for a
timing attack to measure). Each token has one scope; revoking it ends it at once. When it was
last used is noted at most once a minute, so a busy CMS does not make every call a write.
Making and revoking a token are in the audit log; the secret never is.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tribune.accounts.service import Staff, audit
from tribune.exceptions import Conflict, FieldErrors, Invalid, NotFound
from tribune.fields import INVISIBLE, is_control
from tribune.storage import tokens as store
from tribune.storage.engine import Database
from tribune.vocabulary import AuditAction, TokenScope

PREFIX = "trb_"
SECRET_MAX = 200  # far longer than any we make: anything longer is not looked up
NAME_MAX = 100
USE_NOTED_EVERY = timedelta(minutes=1)
NOT_CREATED = "The token was not created"
SCOPE_WORDS = {
    TokenScope.stories: "write, edit and delete stories",
    TokenScope.moderation: "moderate comments",
}


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who is calling with a valid token: the token, its scope, and who made it."""

    id: int
    name: str
    scope: TokenScope
    created_by: int | None  # staff id; None when made from the command line


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who a staff API call is from: a token, or a signed-in staff member's session."""

    token: TokenIdentity | None = None
    staff: Staff | None = None

    @property
    def staff_id(self) -> int | None:
        """The staff member answerable for the call: the session's, or the token's maker."""
        if self.staff is not None:
            return self.staff.id
        return self.token.created_by if self.token is not None else None


def _now() -> datetime:
    return datetime.now(UTC)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def validate(name: str, scope: str) -> FieldErrors:
    errors: FieldErrors = {}
    name = name.strip()
    if not name:
        errors["name"] = "Please give the token a name: the system or person that will use it."
    elif any(is_control(c) or c in INVISIBLE for c in name):
        errors["name"] = (
            "The token's name must be one line of text, without control or invisible characters."
        )
    elif len(name) > NAME_MAX:
        errors["name"] = (
            f"The token's name can be at most {NAME_MAX} characters; this one has {len(name)}."
        )
    if scope not in TokenScope.__members__:
        choices = " or ".join(TokenScope)
        errors["scope"] = f"Please choose what the token may do: {choices}."
    return errors


def _row(row: Any) -> dict[str, Any]:
    found = dict(row)
    found["scope"] = TokenScope(found["scope"])
    return found


async def create(
    db: Database, name: str, scope: str, by: Staff | None
) -> tuple[dict[str, Any], str]:
    """Make a token (``by`` None: from the command line); returns it and its secret, which
    is never available again."""
    errors = validate(name, scope)
    if errors:
        raise Invalid(NOT_CREATED, errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    async with db.transaction() as conn:
        token_id = await store.insert_token(
            conn,
            {
                "name": name.strip(),
                "scope": TokenScope(scope),
                "token_hash": secret_hash(secret),
                "created_at": _now(),
                "created_by": by.id if by else None,
            },
        )
        detail = {"name": name.strip(), "scope": scope}
        await audit(conn, by, AuditAction.token_create, f"token {token_id}", detail=detail)
        row = await store.token_by_id(conn, token_id)
    assert row is not None
    return _row(row), secret


async def revoke(db: Database, token_id: int, by: Staff | None) -> dict[str, Any]:
    """End a token at once; raises NotFound for no such token, Conflict for one already
    revoked."""
    async with db.transaction() as conn:
        row = await store.token_by_id(conn, token_id)
        if row is None:
            raise NotFound(f"There is no token {token_id}")
        if not await store.revoke_token(conn, token_id, _now()):
            raise Conflict(f"The token “{row['name']}” was already revoked")
        detail = {"name": row["name"], "scope": row["scope"]}
        await audit(conn, by, AuditAction.token_revoke, f"token {token_id}", detail=detail)
        row = await store.token_by_id(conn, token_id)
    assert row is not None
    return _row(row)


async def list_tokens(db: Database) -> list[dict[str, Any]]:
    """Every token, newest first: name, scope, when made and by whom (``created_by_name``),
    last used, revoked."""
    async with db.read() as conn:
        return [_row(row) for row in await store.all_tokens(conn)]


async def authenticate(db: Database, secret: str) -> TokenIdentity | None:
    """The token this secret is, if it is one in force."""
    if not secret.startswith(PREFIX) or len(secret) > SECRET_MAX:
        return None
    async with db.read() as conn:
        row = await store.token_by_hash(conn, secret_hash(secret))
    if row is None or row["revoked_at"] is not None:
        return None
    now = _now()
    if row["last_used_at"] is None or now - row["last_used_at"] >= USE_NOTED_EVERY:
        async with db.transaction() as conn:
            await store.mark_used(conn, row["id"], now, now - USE_NOTED_EVERY)
    return TokenIdentity(row["id"], row["name"], TokenScope(row["scope"]), row["created_by"])
