"""What many tests do the same way: read a form's CSRF token, post a comment through the API,
and sign a staff member in."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from tempfile import gettempdir
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from tribune.accounts import service as accounts
from tribune.app import create_app
from tribune.moderation.rules import RuleConfig
from tribune.settings import Settings
from tribune.storage.tables import comments

BASE_URL = "http://testserver"
PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_in(html: str) -> str:
    """The CSRF token of the (first) form in a page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    """The CSRF token of the page at path, as this client is given it. A page shared by
    every reader carries none (its forms are checked by the browser's Fetch Metadata, which
    this client does not send): the token then comes from a page with one of its own, as a
    browser sending no Fetch Metadata is given one by the refused form."""
    page = await client.get(path)
    found = CSRF_FIELD.search(page.text)
    if found is None and 'name="csrf_token" value=""' in page.text:
        page = await client.get("/admin/login")
        found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


async def post_comment(
    client: httpx.AsyncClient, story_id: int, body: str = "x", **fields: Any
) -> httpx.Response:
    """Post a comment through the API, as "Reader" unless fields name someone else."""
    return await client.post(
        f"/api/v1/stories/{story_id}/comments", json={"name": "Reader", "body": body, **fields}
    )


async def posted(
    client: httpx.AsyncClient, story_id: int, body: str = "x", **fields: Any
) -> dict[str, Any]:
    """The comment as the API answers a post it accepted."""
    response = await post_comment(client, story_id, body, **fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def held_for(app: FastAPI, comment_id: int) -> list[str]:
    """Why the rules held or rejected a comment, as staff see it in the queue (its author is
    told only that it awaits moderation, or was not published)."""
    async with app.state.db.read() as conn:
        result = await conn.execute(
            sa.select(comments.c.verdicts).where(comments.c.id == comment_id)
        )
        verdicts = result.scalar_one()
    return [v["reason"] for v in verdicts or []]


@cache
def openapi_document() -> dict[str, Any]:
    """/api/openapi.json as the app builds it (no database is opened for it)."""
    never_opened = f"sqlite:///{gettempdir()}/tribune-never-opened.db"
    return create_app(Settings(database_url=never_opened, secret_key="k" * 40)).openapi()


def client_at(app: FastAPI, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of the app connecting from address (rate limits and bans go by it)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 1234))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


async def staff_member(app: FastAPI, role: str, email: str | None = None) -> accounts.Staff:
    """A staff account with PASSWORD, named after its role (role@example.org by default)."""
    return await accounts.create_staff(
        app.state.db,
        email=email or f"{role}@example.org",
        name=role.capitalize(),
        role=role,
        password=PASSWORD,
    )


@asynccontextmanager
async def signed_in(
    app: FastAPI, role: str, address: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client signed in through the login form as a new staff member of that role."""
    member = await staff_member(app, role)
    async with client_at(app, address) as client:
        token = await csrf_of(client, "/admin/login")
        answer = await client.post(
            "/admin/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        yield client


def rule_form_numbers() -> dict[str, str]:
    """The rules form's number fields at their defaults, as a browser sends them: a test
    posting the form sends every field the page has, and a new setting is added once."""
    defaults = RuleConfig()
    return {
        name: str(getattr(defaults, name))
        for name, field in RuleConfig.model_fields.items()
        if field.annotation in (int, float)
    }
