"""The stories API and health endpoints, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.factories import make_story

pytestmark = pytest.mark.anyio


async def test_list_stories_newest_first_with_counts(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    await make_story(app.state.db, title="Later story", published_at=later)
    response = await client.get("/api/v1/stories")
    assert response.status_code == 200
    listed = response.json()
    assert [s["title"] for s in listed["stories"]] == ["Later story", story["title"]]
    demo = listed["stories"][1]
    assert demo["comment_count"] == 5
    assert demo["url"] == f"http://testserver/stories/{story['slug']}"
    assert demo["source_url"] == "https://on.rt.com/a37e"
    assert [t["name"] for t in demo["tags"]] == ["Putin", "Turkey", "Syria"]
    assert demo["tags"][0]["url"] == "http://testserver/tags/putin"
    assert demo["published_at"].endswith("Z")
    assert listed["next_cursor"] is None


async def test_list_stories_pages_with_cursor(client: httpx.AsyncClient, app: Any) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(5):
        await make_story(app.state.db, title=f"Story {i}", published_at=start + timedelta(days=i))
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/stories", params=params)).json()
        seen += [s["title"] for s in page["stories"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Story {i}" for i in (4, 3, 2, 1, 0)]


async def test_list_stories_rejects_bad_cursor_and_limit(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/stories", params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "cursor" in response.json()["errors"]
    for limit in ("0", "101", "abc"):
        response = await client.get("/api/v1/stories", params={"limit": limit})
        assert response.status_code == 422
        assert "limit" in response.json()["errors"]


async def test_get_story_has_body_html(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    response = await client.get(f"/api/v1/stories/{story['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == story["title"]
    assert '<a href="/tags/putin" class="hashtag" rel="noopener">#Putin</a>' in body["body_html"]
    assert body["promo_links"][0] == {
        "text": "Subscribe to RT!",
        "url": "https://www.youtube.com/channel/UCpwvZwUam-URkxB7g4USKpg?sub_confirmation=1",
    }


async def test_unknown_story_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/stories/999", "/api/v1/stories/999/comments"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "There is no story 999"


async def test_out_of_range_ids_are_422_not_500(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/stories/99999999999999999999", "/api/v1/stories/0", "/api/v1/stories/x"):
        response = await client.get(path)
        assert response.status_code == 422, path
        assert "story_id" in response.json()["errors"]


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_openapi_lists_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    assert set(spec["paths"]) >= {
        "/api/v1/stories",
        "/api/v1/stories/{story_id}",
        "/api/v1/stories/{story_id}/comments",
        "/healthz",
        "/readyz",
    }
    post = spec["paths"]["/api/v1/stories/{story_id}/comments"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["name", "body"]
