"""A reader's own data (SECURITY.md's privacy promises; issue 15's readers' rights): with the
edit tokens of their comments, during the edit window, a reader downloads everything kept of
them and erases them, from the API (the embed) or from the browser that posted them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.helpers import csrf_of
from tribune.app import create_app
from tribune.settings import Settings
from tribune.storage.tables import comments

pytestmark = pytest.mark.anyio


async def post(client: httpx.AsyncClient, story: dict[str, Any], **fields: Any) -> Any:
    answer = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "Ana", "email": "ana@example.org", "website": "https://ana.example"} | fields,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_reader_downloads_what_is_kept_of_their_comments(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await post(client, story, body="My *words*")
    answer = await client.post("/api/v1/comments/mine", json={"tokens": [mine["edit_token"]]})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    (kept,) = answer.json()["comments"]
    assert kept["id"] == mine["id"] and kept["body"] == "My *words*"
    assert kept["email"] == "ana@example.org" and kept["website"] == "https://ana.example"
    assert kept["story"]["title"] == story["title"] and kept["address_hash_kept"] is True
    for bad in ([], ["forged"], "x", [mine["edit_token"]] * 51):
        refused = await client.post("/api/v1/comments/mine", json={"tokens": bad})
        assert refused.status_code == 422 and set(refused.json()["errors"]) == {"tokens"}


async def test_erasing_keeps_nothing_of_the_author_and_only_the_place_replies_need(
    client: httpx.AsyncClient, story: dict[str, Any], app: Any
) -> None:
    alone = await post(client, story, body="Nobody answered this")
    answered = await post(client, story, body="This one was answered")
    await post(client, story, body="An answer", name="Bo", parent_id=answered["id"])
    tokens = [alone["edit_token"], answered["edit_token"]]
    erased = await client.post("/api/v1/comments/mine/erase", json={"tokens": tokens})
    assert erased.status_code == 200 and erased.json() == {"erased": [alone["id"], answered["id"]]}
    async with app.state.db.read() as conn:
        rows = {row.id: row for row in await conn.execute(select(comments))}
    assert alone["id"] not in rows
    placeholder = rows[answered["id"]]
    assert placeholder.status == "deleted"
    for column in (
        "name",
        "email",
        "website",
        "avatar",
        "email_hash",
        "client_hash",
        "fingerprint",
    ):
        assert getattr(placeholder, column) is None, column
    assert placeholder.body_md == "" and placeholder.body_html == ""
    thread = (await client.get(f"/api/v1/stories/{story['id']}/comments?sort=newest")).json()
    assert "Nobody answered this" not in str(thread) and "An answer" in str(thread)
    again = await client.post("/api/v1/comments/mine", json={"tokens": [answered["edit_token"]]})
    assert again.status_code == 404


async def test_one_token_that_does_not_hold_erases_nothing(
    settings: Settings, story: dict[str, Any]
) -> None:
    closed = create_app(settings.model_copy(update={"edit_minutes": 0}))
    transport = httpx.ASGITransport(app=closed)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        old = await post(client, story, body="Past its window")
        refused = await client.post(
            "/api/v1/comments/mine/erase", json={"tokens": [old["edit_token"]]}
        )
        assert refused.status_code == 403
        async with closed.state.db.read() as conn:
            kept = (
                await conn.execute(select(comments.c.name).where(comments.c.id == old["id"]))
            ).one()
        assert kept.name == "Ana"
    await closed.state.db.dispose()


async def test_the_browser_that_posted_needs_no_tokens(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = f"/stories/{story['slug']}"
    token = await csrf_of(client, page)
    posted = await client.post(
        f"{page}/comments", data={"name": "Cy", "body": "From the form", "csrf_token": token}
    )
    assert posted.status_code == 303
    mine = await client.post("/api/v1/comments/mine", json={})
    assert [c["body"] for c in mine.json()["comments"]] == ["From the form"]
    stranger = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    async with stranger:
        nothing = await stranger.post("/api/v1/comments/mine", json={})
        assert nothing.status_code == 422
