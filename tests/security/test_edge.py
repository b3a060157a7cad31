"""What every request meets first (web/edge.py): the Host must be the site's (B21b), and HEAD
answers wherever GET does (X13)."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from tests.helpers import client_at, posted
from tribune.app import create_app
from tribune.settings import Settings
from tribune.web.edge import Edge

pytestmark = pytest.mark.anyio

# Host ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/stories/x", "/api/v1/counts?story=1", "/api/v1/stories/1/comments"]
)
async def test_an_unknown_host_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"host": "evil.example"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Bad Request"
    assert "content-security-policy" in response.headers


async def test_the_base_url_host_is_served_on_any_port(client: httpx.AsyncClient) -> None:
    for host in ("testserver", "TestServer:8443", "testserver."):
        assert (await client.get("/", headers={"host": host})).status_code == 200, host


async def test_two_host_headers_are_refused(client: httpx.AsyncClient) -> None:
    # RFC 9112 §3.2; the framework would read the first, a check of the last would pass.
    hosts = [("host", "evil.example"), ("host", "testserver")]
    assert (await client.get("/", headers=hosts)).status_code == 400


async def test_a_request_without_host_is_served() -> None:
    """HTTP/1.0 may send none: nothing a client chose, the framework uses the server's
    address (and absolute links come from the base URL anyway)."""
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept", b"*/*")]}
    await Edge(app, hosts={"news.example"}, body_timeout=1)(scope, receive, send)
    assert sent[0]["status"] == 204


async def test_a_post_from_an_unknown_host_stores_nothing(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/api/v1/stories/{story['id']}/comments"
    refused = await client.post(
        path, json={"name": "N", "body": "Hello"}, headers={"host": "evil.example"}
    )
    assert refused.status_code == 400
    assert (await client.get(path)).json()["total"] == 5  # the demo story's own


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_probes_answer_whatever_the_host(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"host": "10.1.2.3:8000"})
    assert response.status_code == 200


async def test_allowed_hosts_adds_names(settings: Settings) -> None:
    extra = settings.model_copy(update={"allowed_hosts": "news.example, www.news.example"})
    app = create_app(extra)
    try:
        async with client_at(app) as client:
            for host in ("news.example", "www.news.example:443", "testserver"):
                assert (await client.get("/", headers={"host": host})).status_code == 200
            assert (await client.get("/", headers={"host": "news.example.evil"})).status_code == 400
    finally:
        await app.state.db.dispose()


def test_a_loopback_base_url_also_serves_the_loopback_names() -> None:
    assert Settings(base_url="http://127.0.0.1:8000").hosts() == {
        "127.0.0.1",
        "localhost",
        "[::1]",
    }
    assert Settings(base_url="http://localhost:8000").hosts() >= {"127.0.0.1", "[::1]"}
    assert Settings(base_url="https://news.example/").hosts() == {"news.example"}


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("a.example,B.example:8000", {"a.example", "b.example"}),
        ('["a.example", "[::1]:8000"]', {"a.example", "[::1]"}),
        (" a.example , ", {"a.example"}),
    ],
)
def test_allowed_hosts_is_a_comma_or_json_list(value: str, names: set[str]) -> None:
    settings = Settings(base_url="https://news.example", allowed_hosts=value)
    assert settings.hosts() == {"news.example", *names}


@pytest.mark.parametrize("value", ['["a.example", 1]', '{"a": 1}', "a b.example", "[oops"])
def test_a_malformed_allowed_hosts_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="allowed_hosts"):
        Settings(allowed_hosts=value)


# HEAD ------------------------------------------------------------------------------------------


async def test_head_answers_as_get_without_a_body(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    comment = await posted(client, story["id"])
    paths = [
        "/",
        f"/stories/{story['slug']}",
        f"/stories/{story['slug']}/thread",
        "/tags/putin",
        f"/comments/{comment['id']}",  # a redirect
        f"/avatars/{'0' * 16}.svg",
        "/api/v1/stories",
        f"/api/v1/stories/{story['id']}",
        f"/api/v1/stories/{story['id']}/comments",  # the route, then the fast lane
        f"/api/v1/stories/{story['id']}/comments",
        f"/api/v1/counts?story={story['id']}",
        f"/api/v1/counts?story={story['id']}",
        "/feeds/stories.atom",
        "/feeds/comments.atom",
        f"/feeds/stories/{story['slug']}/comments.atom",
        "/healthz",
        "/readyz",
        "/api/openapi.json",
        "/admin/login",
        "/admin/moderation",  # a redirect to sign in
        "/nowhere",  # 404
        "/api/v1/stories/999999",  # problem 404
    ]
    # The reader's CSRF cookie, so that no answer below sets a new one (the shared story page
    # sets none).
    await client.get("/admin/login")
    for path in paths:
        head = await client.head(path)
        get = await client.get(path)
        assert head.status_code == get.status_code, path
        # In any order: the fast lane orders its headers unlike the route that fills its cache.
        assert sorted(head.headers.multi_items()) == sorted(get.headers.multi_items()), path
        assert "content-length" in head.headers, path
        assert head.content == b"", path
    assert (await client.head(f"/stories/{story['slug']}")).status_code == 200


async def test_head_on_the_live_stream_answers_its_headers_and_ends(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    with anyio.fail_after(5):
        head = await client.head(f"/api/v1/stories/{story['id']}/events")
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    assert head.content == b""


@pytest.mark.parametrize("path", ["/admin/logout", "/comments/1/vote", "/api/v1/admin/moderation"])
async def test_head_on_post_only_routes_is_405(client: httpx.AsyncClient, path: str) -> None:
    head = await client.head(path)
    assert head.status_code == 405
    assert head.headers["allow"] == "POST"
    assert head.content == b""
