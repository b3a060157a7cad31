"""Encoded thread pages are reused until the thread changes, on any instance; the fast lane
answers the hottest reads itself, with exactly the bytes and headers of the route."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.helpers import BASE_URL
from tribune.app import create_app
from tribune.settings import Settings
from tribune.web.fastlane import FastLane

pytestmark = pytest.mark.anyio


async def teapot(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@contextmanager
def lane_alone(app: Any) -> Iterator[None]:
    """Put a teapot where the framework was, behind the fast lane: whatever still answers
    200 is the lane's own answer."""
    assert app.middleware_stack is not None, "send a request first: the stack is built then"
    layer = app.middleware_stack
    while not isinstance(layer, FastLane):
        layer = layer.app
    framework, layer.app = layer.app, teapot
    try:
        yield
    finally:
        layer.app = framework


def same_answer(first: httpx.Response, second: httpx.Response) -> None:
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert sorted(first.headers.multi_items()) == sorted(second.headers.multi_items())


async def test_repeated_reads_reuse_the_encoded_page(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    cache = app.state.thread_cache
    path = f"/api/v1/stories/{story['id']}/comments"
    first = await client.get(path)
    assert cache.stores == 1
    for headers in ({}, {"accept-encoding": "gzip"}, {}):
        again = await client.get(path, headers=headers)
        assert again.json() == first.json()
    assert cache.stores == 1  # encoded once for this version, served three more times
    gzipped = await client.get(path, headers={"accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    await client.post(path, json={"name": "N", "body": "a new comment moves the version"})
    assert (await client.get(path)).json()["total"] == 6
    assert cache.stores == 2


async def test_a_write_on_another_instance_is_seen_at_once(
    client: httpx.AsyncClient, settings: Settings, story: dict[str, Any]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    assert (await client.get(path)).json()["total"] == 5
    other = create_app(settings)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as b:
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
        {"sort": "oldest", "limit": "50"},  # the defaults, spelled out: the same page
    ],
)
async def test_the_fast_lane_answers_exactly_as_the_route(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any], query: dict[str, str]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    # A parameter the lane does not know sends the request to the route, which ignores it.
    by_route = {
        encoding: await client.get(
            path, params={**query, "via": "route"}, headers={"accept-encoding": encoding}
        )
        for encoding in ("identity", "gzip")
    }
    stores = app.state.thread_cache.stores
    with lane_alone(app):
        for encoding, from_route in by_route.items():
            from_lane = await client.get(path, params=query, headers={"accept-encoding": encoding})
            same_answer(from_lane, from_route)
    assert app.state.thread_cache.stores == stores  # the lane encoded nothing


async def test_the_fast_lane_leaves_what_it_cannot_answer_to_the_route(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    await client.get(path)  # the first page is cached
    with lane_alone(app):
        assert (await client.get(path)).status_code == 200
        for params in ({"sort": "replies"}, {"limit": "７"}, {"sort": "sideways"}, {"x": "1"}):
            assert (await client.get(path, params=params)).status_code == 418  # not the lane
    await client.post(path, json={"name": "N", "body": "a change: the cached page is old"})
    with lane_alone(app):
        assert (await client.get(path)).status_code == 418
    assert (await client.get(path, params={"limit": "７"})).status_code == 422


@pytest.mark.parametrize("stories", [0, 3, 100])
async def test_counts_from_the_fast_lane_match_the_route(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any], stories: int
) -> None:
    # Tuples: a list of (str, str) is no list of httpx's param pairs (lists are invariant).
    ids = tuple(("story", str(story["id"] + n)) for n in range(stories))
    by_route = {
        encoding: await client.get(
            "/api/v1/counts", params=(*ids, ("via", "route")), headers={"accept-encoding": encoding}
        )
        for encoding in ("identity", "gzip")
    }
    with lane_alone(app):
        for encoding, from_route in by_route.items():
            from_lane = await client.get(
                "/api/v1/counts", params=ids, headers={"accept-encoding": encoding}
            )
            same_answer(from_lane, from_route)
        if stories:
            assert from_lane.json()["counts"][str(story["id"])] == 5
        too_many = (("story", "1"),) * 101
        assert (await client.get("/api/v1/counts", params=too_many)).status_code == 418


async def test_counts_move_at_once_after_a_post(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/api/v1/counts?story={story['id']}"
    assert (await client.get(path)).json() == {"counts": {str(story["id"]): 5}}
    await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "N", "body": "one more"}
    )
    assert (await client.get(path)).json() == {"counts": {str(story["id"]): 6}}


async def test_story_pages_share_one_rendering_of_the_thread_per_version(
    app: Any, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    pages = []
    for _ in range(3):  # three readers with nothing of their own on the page
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as reader:
            pages.append(await reader.get(path))
    assert app.state.page_cache.stores == 1
    assert len({page.content for page in pages}) == 1  # one page: no token of anyone's
    assert all("set-cookie" not in page.headers for page in pages)
