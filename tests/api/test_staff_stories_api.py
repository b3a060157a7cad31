"""The staff stories API a newsroom's CMS pushes stories with, on both databases: tokens and
scopes, creating in each status, the same checks and messages as the editor's form, slug
conflicts, changes and their conflicts, deletes, and drafts nowhere public."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.helpers import post_comment
from tribune.accounts import tokens
from tribune.accounts.service import audit_entries

pytestmark = pytest.mark.anyio

STORY = {
    "title": "Harbour council votes to rebuild the old pier",
    "body": "The council voted 7 to 2. #Harbour",
    "lead": "Ten years of argument end.",
    "tags": ["Council"],
    "source_url": "https://example.org/pier",
}


@pytest.fixture
async def cms(app: Any) -> dict[str, str]:
    """A token of each scope, as an admin made them."""
    _, stories_secret = await tokens.create(app.state.db, "Newsroom CMS", "stories", None)
    _, moderation_secret = await tokens.create(app.state.db, "Mod bot", "moderation", None)
    return {
        "stories": f"Bearer {stories_secret}",
        "moderation": f"Bearer {moderation_secret}",
    }


async def test_tokens_and_scopes(client: httpx.AsyncClient, cms: dict[str, str]) -> None:
    none = await client.post("/api/v1/stories", json=STORY)
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    wrong = await client.post(
        "/api/v1/stories", json=STORY, headers={"Authorization": "Bearer trb_nope"}
    )
    assert wrong.status_code == 401
    other = await client.post(
        "/api/v1/stories", json=STORY, headers={"Authorization": cms["moderation"]}
    )
    assert other.status_code == 403


async def test_a_cms_pushes_a_draft_then_publishes_it(
    app: Any, client: httpx.AsyncClient, reader: httpx.AsyncClient, cms: dict[str, str]
) -> None:
    auth = {"Authorization": cms["stories"]}
    made = await client.post("/api/v1/stories", json=STORY, headers=auth)
    assert made.status_code == 201, made.text
    story = made.json()
    assert made.headers["location"] == f"/api/v1/stories/{story['id']}"
    assert story["status"] == "draft" and story["publish_at"] is None
    assert story["short_url"].startswith("http://testserver/s/")
    assert [t["slug"] for t in story["tags"]] == ["council", "harbour"]
    assert story["revision"] == 1 and story["body"] == STORY["body"]
    # A draft is the CMS's to read, and nobody else's.
    assert (await client.get(made.headers["location"], headers=auth)).json()["id"] == story["id"]
    assert (await reader.get(made.headers["location"])).status_code == 404
    assert (await reader.get(f"/stories/{story['slug']}")).status_code == 404
    published = await client.patch(
        made.headers["location"], json={"status": "published"}, headers=auth
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    public = (await reader.get(made.headers["location"])).json()
    assert public["title"] == STORY["title"] and "status" not in public
    assert (await reader.get(f"/stories/{story['slug']}")).status_code == 200
    # The audit log names the token.
    actors = {entry["actor"] for entry in await audit_entries(app.state.db, None)}
    assert "API token “Newsroom CMS”" in actors


async def test_scheduled_stories_need_a_future_time(
    client: httpx.AsyncClient, cms: dict[str, str]
) -> None:
    auth = {"Authorization": cms["stories"]}
    missing = await client.post(
        "/api/v1/stories", json={**STORY, "status": "scheduled"}, headers=auth
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == {
        "publish_at": "Please give the date and time to publish the story at."
    }
    when = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    made = await client.post(
        "/api/v1/stories",
        json={**STORY, "status": "scheduled", "publish_at": when.isoformat()},
        headers=auth,
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "scheduled"
    assert datetime.fromisoformat(made.json()["publish_at"]) == when
    naive = await client.post(
        "/api/v1/stories",
        json={**STORY, "status": "scheduled", "publish_at": "2030-01-01T09:00"},
        headers=auth,
    )
    assert "RFC 3339" in naive.json()["errors"]["publish_at"]


async def test_every_bad_field_is_named_with_the_editors_words(
    client: httpx.AsyncClient, cms: dict[str, str]
) -> None:
    auth = {"Authorization": cms["stories"]}
    answer = await client.post(
        "/api/v1/stories",
        json={"body": 5, "tags": "not a list", "status": "live", "colour": "red"},
        headers=auth,
    )
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert set(errors) == {"title", "body", "tags", "colour"}
    assert errors["title"] == "Send the story's title"
    assert errors["colour"].startswith("Unknown field “colour”")
    answer = await client.post(
        "/api/v1/stories",
        json={**STORY, "title": " ", "source_url": "javascript:alert(1)", "slug": "Bad Slug"},
        headers=auth,
    )
    errors = answer.json()["errors"]
    assert errors["title"] == "Please give the story a title."
    assert errors["source_url"].startswith("Read more link: ")
    assert "slug" in errors
    status = await client.post("/api/v1/stories", json={**STORY, "status": "live"}, headers=auth)
    assert status.json()["errors"] == {
        "status": "Status must be draft, scheduled, published or unpublished"
    }
    listed = await client.get("/api/v1/stories")
    assert listed.json()["stories"] == []


async def test_a_slug_in_use_is_409(client: httpx.AsyncClient, cms: dict[str, str]) -> None:
    auth = {"Authorization": cms["stories"]}
    assert (
        await client.post("/api/v1/stories", json={**STORY, "slug": "pier"}, headers=auth)
    ).status_code == 201
    taken = await client.post(
        "/api/v1/stories", json={**STORY, "title": "Other", "slug": "pier"}, headers=auth
    )
    assert taken.status_code == 409
    assert "already used by" in taken.json()["errors"]["slug"]


async def test_a_change_from_an_old_revision_is_a_conflict(
    client: httpx.AsyncClient, cms: dict[str, str]
) -> None:
    auth = {"Authorization": cms["stories"]}
    location = (await client.post("/api/v1/stories", json=STORY, headers=auth)).headers["location"]
    first = await client.patch(location, json={"title": "New title", "revision": 1}, headers=auth)
    assert first.status_code == 200 and first.json()["revision"] == 2
    stale = await client.patch(location, json={"lead": "Mine", "revision": 1}, headers=auth)
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["changed"] == ["title"] and problem["revision"] == 2
    after = (await client.get(location, headers=auth)).json()
    assert after["lead"] == STORY["lead"]  # nothing written
    # Without a revision, the change applies to whatever is current.
    assert (await client.patch(location, json={"lead": "Mine"}, headers=auth)).status_code == 200


async def test_delete_and_its_comments(
    app: Any, client: httpx.AsyncClient, reader: httpx.AsyncClient, cms: dict[str, str]
) -> None:
    auth = {"Authorization": cms["stories"]}
    made = await client.post("/api/v1/stories", json={**STORY, "status": "published"}, headers=auth)
    location = made.headers["location"]
    assert (await post_comment(reader, made.json()["id"], "First!")).status_code == 201
    refused = await client.delete(location, headers=auth)
    assert refused.status_code == 409 and "1 comment" in refused.json()["detail"]
    assert (await client.delete(location + "?with_comments=true", headers=auth)).status_code == 204
    assert (await client.get(location, headers=auth)).status_code == 404
    assert (await client.delete(location, headers=auth)).status_code == 404
