"""Encoded thread pages are reused until the thread changes, on any instance."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tribune.app import create_app
from tribune.settings import Settings

pytestmark = pytest.mark.anyio


async def test_repeated_reads_reuse_the_encoded_page(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    first = await client.get(path)
    cached = dict(app.state.thread_cache._entries)
    second = await client.get(path)
    assert first.content == second.content
    assert dict(app.state.thread_cache._entries) == cached  # same entry object, no re-encode
    gzipped = await client.get(path, headers={"accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.json() == first.json()


async def test_a_write_on_another_instance_is_seen_at_once(
    client: httpx.AsyncClient, settings: Settings, story: dict[str, Any]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    assert (await client.get(path)).json()["total"] == 5
    other = create_app(settings)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as b:
        posted = await b.post(path, json={"name": "B", "body": "from instance B"})
        first_id = (await client.get(path)).json()["comments"][0]["id"]
        await b.post(f"/api/v1/comments/{first_id}/votes", json={"value": 1})
    await other.state.db.dispose()
    page = (await client.get(path)).json()
    assert page["total"] == 6
    assert page["comments"][-1]["id"] == posted.json()["id"]
    assert page["comments"][0]["score"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sort": "newest", "limit": "2"},
        {"sort": "top"},
        {"limit": "5"},
    ],
)
async def test_the_fast_lane_answers_exactly_as_the_route(
    client: httpx.AsyncClient, story: dict[str, Any], query: dict[str, str]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    for encoding in ("identity", "gzip"):
        headers = {"accept-encoding": encoding}
        from_route = await client.get(path, params=query, headers=headers)  # fills the cache
        from_lane = await client.get(path, params=query, headers=headers)
        assert from_lane.status_code == from_route.status_code == 200
        assert from_lane.content == from_route.content
        assert sorted(from_lane.headers.multi_items()) == sorted(from_route.headers.multi_items())


@pytest.mark.parametrize("stories", [0, 3, 100])
async def test_counts_from_the_fast_lane_match_the_route(
    client: httpx.AsyncClient, story: dict[str, Any], stories: int
) -> None:
    # The lane takes only `story` parameters; one more (ignored by the route) sends the same
    # question to the route.
    ids = [("story", str(story["id"] + n)) for n in range(stories)]
    for encoding in ("identity", "gzip"):
        headers = {"accept-encoding": encoding}
        from_lane = await client.get("/api/v1/counts", params=ids, headers=headers)
        from_route = await client.get("/api/v1/counts", params=[*ids, ("x", "1")], headers=headers)
        assert from_lane.status_code == from_route.status_code == 200
        assert from_lane.content == from_route.content
        assert sorted(from_lane.headers.multi_items()) == sorted(from_route.headers.multi_items())
    if stories:
        assert from_lane.json()["counts"][str(story["id"])] == 5


async def test_counts_move_at_once_after_a_post(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/api/v1/counts?story={story['id']}"
    assert (await client.get(path)).json() == {"counts": {str(story["id"]): 5}}
    await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "N", "body": "one more"}
    )
    assert (await client.get(path)).json() == {"counts": {str(story["id"]): 6}}
