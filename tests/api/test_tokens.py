"""Staff API tokens: made by admins (page or command line), shown once and stored only as a
hash, one scope each, revocable, last use noted; and the staff API's dependency, which takes a
token of its scope (401 without a valid one, 403 for another scope) or an editor's session."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import Depends, FastAPI

from tests.helpers import client_at, csrf_of, staff_member
from tribune.accounts import tokens
from tribune.accounts.deps import token_with
from tribune.accounts.service import Staff, create_staff
from tribune.accounts.tokens import ApiCaller
from tribune.exceptions import Conflict, Invalid, NotFound
from tribune.settings import Settings
from tribune.storage.engine import Database
from tribune.storage.tables import api_tokens, audit_log
from tribune.vocabulary import TokenScope
from tribune.web import errors
from tribune.web.cookies import CSRF_COOKIE

pytestmark = pytest.mark.anyio

SECRET = re.compile(r"trb_[A-Za-z0-9_-]{43}")
StoriesCaller = Annotated[ApiCaller, Depends(token_with(TokenScope.stories))]


async def table_text(db: Database, *tables: sa.Table) -> str:
    """Every row of these tables, as text: where a secret would show if it were stored."""
    async with db.read() as conn:
        rows = [row for table in tables for row in (await conn.execute(sa.select(table))).all()]
    return "\n".join(repr(tuple(row)) for row in rows)


# The service ---------------------------------------------------------------------------------


async def test_a_token_is_stored_only_as_its_hash_and_never_logged(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    row, secret = await tokens.create(db, "  Newsroom CMS ", "stories", None)
    assert SECRET.fullmatch(secret)
    assert row["name"] == "Newsroom CMS" and row["scope"] == TokenScope.stories
    assert row["last_used_at"] is None and row["revoked_at"] is None
    assert await tokens.authenticate(db, secret) is not None
    assert await tokens.authenticate(db, secret[:-1] + "x") is None
    await tokens.revoke(db, row["id"], None)
    assert await tokens.authenticate(db, secret) is None

    stored = await table_text(db, api_tokens, audit_log)
    assert secret not in stored and secret[4:] not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() in stored  # the hash, and only it
    assert secret[4:] not in caplog.text
    assert "token_hash" not in repr(await tokens.list_tokens(db))


async def test_two_tokens_have_different_secrets(db: Database) -> None:
    _, first = await tokens.create(db, "One", "stories", None)
    _, second = await tokens.create(db, "Two", "stories", None)
    assert first != second


NO_NAME = {"name": "Please give the token a name: the system or person that will use it."}
LONG = {"name": "The token's name can be at most 100 characters; this one has 101."}
LINE = {
    "name": "The token's name must be one line of text, without control or invisible characters."
}
SCOPE = {"scope": "Please choose what the token may do: stories or moderation."}


@pytest.mark.parametrize(
    ("name", "scope", "expected"),
    [
        ("", "stories", NO_NAME),
        ("   ", "stories", NO_NAME),
        ("x" * 101, "stories", LONG),
        ("CMS\nsecond line", "stories", LINE),
        ("CMS\u200b", "stories", LINE),
        ("CMS", "", SCOPE),
        ("CMS", "admin", SCOPE),
        ("CMS", "Stories", SCOPE),
        ("", "", NO_NAME | SCOPE),
    ],
)
async def test_a_refused_token_names_each_field(
    db: Database, name: str, scope: str, expected: dict[str, str]
) -> None:
    with pytest.raises(Invalid) as refused:
        await tokens.create(db, name, scope, None)
    assert refused.value.errors == expected
    assert await tokens.list_tokens(db) == []


async def test_a_name_of_100_characters_is_fine(db: Database) -> None:
    row, _ = await tokens.create(db, "x" * 100, "moderation", None)
    assert row["name"] == "x" * 100 and row["scope"] == TokenScope.moderation


async def test_revoking_twice_or_an_unknown_token_says_so(db: Database) -> None:
    row, _ = await tokens.create(db, "CMS", "stories", None)
    await tokens.revoke(db, row["id"], None)
    with pytest.raises(Conflict, match="was already revoked"):
        await tokens.revoke(db, row["id"], None)
    with pytest.raises(NotFound, match="There is no token 999"):
        await tokens.revoke(db, 999, None)


async def test_last_use_is_noted_at_most_once_a_minute(db: Database) -> None:
    row, secret = await tokens.create(db, "CMS", "stories", None)

    async def last_used() -> datetime | None:
        found = [t for t in await tokens.list_tokens(db) if t["id"] == row["id"]]
        return found[0]["last_used_at"]  # type: ignore[no-any-return]

    await tokens.authenticate(db, secret)
    first = await last_used()
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    await tokens.authenticate(db, secret)
    assert await last_used() == first  # a second call within the minute writes nothing
    earlier = first - timedelta(minutes=2)
    async with db.transaction() as conn:
        await conn.execute(sa.update(api_tokens).values(last_used_at=earlier))
    await tokens.authenticate(db, secret)
    later = await last_used()
    assert later is not None and later > first


async def test_creating_and_revoking_are_audited_without_the_secret(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    member = await staff_member(app, "admin", "second@example.org")
    row, secret = await tokens.create(app.state.db, "Wire feed", "moderation", member)
    await tokens.revoke(app.state.db, row["id"], member)
    async with app.state.db.read() as conn:
        query = sa.select(audit_log.c.action, audit_log.c.target, audit_log.c.staff_id)
        entries = (await conn.execute(query.order_by(audit_log.c.id))).all()
    assert [tuple(e) for e in entries if e.action.startswith("token.")] == [
        ("token.create", f"token {row['id']}", member.id),
        ("token.revoke", f"token {row['id']}", member.id),
    ]
    page = (await admin.get("/admin/audit")).text
    assert "Created an API token" in page and "Revoked an API token" in page
    assert "“Wire feed” (moderation)" in page
    assert secret not in page


# The dependency ------------------------------------------------------------------------------


def probe_app(db: Database, settings: Settings) -> FastAPI:
    """A minimal application with one staff API route behind token_with(stories)."""
    probe = FastAPI()
    probe.state.db = db
    probe.state.settings = settings
    errors.install(probe)

    @probe.get("/api/v1/probe")
    async def read(caller: StoriesCaller) -> dict[str, Any]:
        return {
            "token": caller.token.name if caller.token else None,
            "staff": caller.staff.name if caller.staff else None,
            "staff_id": caller.staff_id,
        }

    @probe.post("/api/v1/probe")
    async def write(caller: StoriesCaller) -> dict[str, Any]:
        return await read(caller)

    return probe


@pytest.fixture
async def probe(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with client_at(probe_app(db, settings)) as client:
        yield client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def staff_member_in(db: Database) -> Staff:
    return await create_staff(
        db, email="maker@example.org", name="Maker", role="admin", password="x" * 12
    )


async def test_a_token_of_the_scope_passes(db: Database, probe: httpx.AsyncClient) -> None:
    member = await staff_member_in(db)
    _, secret = await tokens.create(db, "CMS", "stories", member)
    for method in ("GET", "POST"):
        answer = await probe.request(method, "/api/v1/probe", headers=bearer(secret))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"token": "CMS", "staff": None, "staff_id": member.id}
    lower = await probe.get("/api/v1/probe", headers={"Authorization": f"bearer  {secret}"})
    assert lower.status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer trb_wrong", "Bearer not-even-ours", "Basic dXNlcjpwYXNz", "trb_x"],
)
async def test_no_valid_token_is_401_with_www_authenticate(
    db: Database, probe: httpx.AsyncClient, header: str | None
) -> None:
    await tokens.create(db, "CMS", "stories", None)
    headers = {"Authorization": header} if header else {}
    answer = await probe.post("/api/v1/probe", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 401


async def test_a_revoked_token_is_401_at_once(db: Database, probe: httpx.AsyncClient) -> None:
    row, secret = await tokens.create(db, "CMS", "stories", None)
    assert (await probe.get("/api/v1/probe", headers=bearer(secret))).status_code == 200
    await tokens.revoke(db, row["id"], None)
    answer = await probe.get("/api/v1/probe", headers=bearer(secret))
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "revoked" in answer.json()["detail"]


async def test_a_token_of_another_scope_is_403(db: Database, probe: httpx.AsyncClient) -> None:
    _, secret = await tokens.create(db, "Moderation bot", "moderation", None)
    answer = await probe.post("/api/v1/probe", headers=bearer(secret))
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert "insufficient_scope" in answer.headers["www-authenticate"]
    assert "may moderate comments, not write, edit and delete stories" in answer.json()["detail"]


async def test_an_editor_session_passes_with_the_csrf_header_and_a_moderator_does_not(
    app: FastAPI, editor: httpx.AsyncClient, moderator: httpx.AsyncClient
) -> None:
    # The same route on the real application, whose login gives the sessions.
    async def probe(caller: StoriesCaller) -> dict[str, Any]:
        return {"staff": caller.staff.name if caller.staff else None}

    app.router.add_api_route("/api/v1/probe", probe, methods=["GET", "POST"])
    assert (await editor.get("/api/v1/probe")).json() == {"staff": "Editor"}
    csrf = editor.cookies[CSRF_COOKIE]
    assert (await editor.post("/api/v1/probe")).status_code == 403  # no CSRF header
    posted = await editor.post("/api/v1/probe", headers={"X-CSRF-Token": csrf})
    assert posted.status_code == 200
    assert (await moderator.get("/api/v1/probe")).status_code == 403


# The page ----------------------------------------------------------------------------------


async def create_on_page(admin: httpx.AsyncClient, **form: str) -> httpx.Response:
    token = await csrf_of(admin, "/admin/tokens")
    return await admin.post("/admin/tokens", data={"csrf_token": token, **form})


async def test_an_admin_creates_sees_once_and_revokes_a_token(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    empty = (await admin.get("/admin/tokens")).text
    assert '<a href="/admin/tokens" aria-current="page">API tokens</a>' in empty
    assert "No tokens yet." in empty

    made = await create_on_page(admin, name="Newsroom CMS", scope="stories")
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    secrets = SECRET.findall(made.text)
    assert len(secrets) == 1, "the secret is shown, once"
    secret = secrets[0]
    assert "it is shown only this once" in made.text
    assert f'value="{secret}"' in made.text

    listed = (await admin.get("/admin/tokens")).text
    assert secret not in listed and not SECRET.search(listed)
    assert "<bdi>Newsroom CMS</bdi>" in listed
    assert "by <bdi>Admin</bdi>" in listed
    assert "<td>never</td>" in listed and "in force" in listed

    assert await tokens.authenticate(app.state.db, secret) is not None
    assert "<td>never</td>" not in (await admin.get("/admin/tokens")).text

    row_id = (await tokens.list_tokens(app.state.db))[0]["id"]
    confirm = await admin.get(f"/admin/tokens/{row_id}/revoke")
    assert confirm.status_code == 200
    assert f'action="/admin/tokens/{row_id}/revoke"' in confirm.text
    assert "cannot be brought back" in confirm.text
    token = await csrf_of(admin, f"/admin/tokens/{row_id}/revoke")
    revoked = await admin.post(f"/admin/tokens/{row_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == f"/admin/tokens?revoked={row_id}"
    page = (await admin.get(revoked.headers["location"])).text
    assert "was revoked: it no longer works" in page and "revoked <time" in page
    assert await tokens.authenticate(app.state.db, secret) is None
    again = await admin.post(f"/admin/tokens/{row_id}/revoke", data={"csrf_token": token})
    assert again.status_code == 409 and "was already revoked" in again.text


async def test_a_refused_token_shows_the_messages_and_keeps_what_was_typed(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    answer = await create_on_page(admin, name="x" * 101, scope="")
    assert answer.status_code == 422
    assert "The token&#39;s name can be at most 100 characters; this one has 101." in answer.text
    assert "Please choose what the token may do: stories or moderation." in answer.text
    assert 'value="' + "x" * 101 + '"' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert await tokens.list_tokens(app.state.db) == []


async def test_token_forms_need_the_csrf_token(app: FastAPI, admin: httpx.AsyncClient) -> None:
    await admin.get("/admin/tokens")
    forged = await admin.post("/admin/tokens", data={"name": "CMS", "scope": "stories"})
    assert forged.status_code == 403
    assert await tokens.list_tokens(app.state.db) == []
    row, secret = await tokens.create(app.state.db, "CMS", "stories", None)
    forged = await admin.post(f"/admin/tokens/{row['id']}/revoke", data={"csrf_token": "x" * 43})
    assert forged.status_code == 403
    assert await tokens.authenticate(app.state.db, secret) is not None


async def test_only_admins_see_or_make_tokens(
    app: FastAPI,
    editor: httpx.AsyncClient,
    moderator: httpx.AsyncClient,
    reader: httpx.AsyncClient,
) -> None:
    row, _ = await tokens.create(app.state.db, "CMS", "stories", None)
    for member in (editor, moderator):
        page = await member.get("/admin/tokens")
        assert page.status_code == 403
        assert "/admin/tokens" not in (await member.get("/admin/stories")).text  # not in the nav
        token = member.cookies[CSRF_COOKIE]
        made = await member.post(
            "/admin/tokens", data={"csrf_token": token, "name": "x", "scope": "stories"}
        )
        assert made.status_code == 403
        revoke = await member.post(f"/admin/tokens/{row['id']}/revoke", data={"csrf_token": token})
        assert revoke.status_code == 403
        assert (await member.get(f"/admin/tokens/{row['id']}/revoke")).status_code == 403
    away = await reader.get("/admin/tokens")
    assert away.status_code == 303 and away.headers["location"].startswith("/admin/login")
    assert [t["name"] for t in await tokens.list_tokens(app.state.db)] == ["CMS"]
    assert all(t["revoked_at"] is None for t in await tokens.list_tokens(app.state.db))


async def test_an_unknown_token_has_no_revoke_page(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/admin/tokens/999/revoke")).status_code == 404
