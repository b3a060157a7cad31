"""Atom feeds: valid, absolute links from the configured base URL, no private data."""

from __future__ import annotations

from typing import Any

import feedparser  # type: ignore[import-untyped]
import httpx
import pytest
from defusedxml import ElementTree  # type: ignore[import-untyped]

from tests.helpers import client_at
from tribune.app import create_app
from tribune.settings import Settings

pytestmark = pytest.mark.anyio


async def feed(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    ElementTree.fromstring(response.content)  # well-formed XML
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def test_stories_feed(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    parsed = await feed(client, "/feeds/stories.atom")
    assert [e.title for e in parsed.entries] == [story["title"]]
    entry = parsed.entries[0]
    assert entry.link == f"http://testserver/stories/{story['slug']}"
    assert entry.id.startswith("urn:uuid:")  # not a link: see the base URL test below
    assert "#Putin" in entry.content[0].value


async def test_story_comments_feed(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "Zoë ]]> <b>&", "body": "Feed me & <b>", "email": "zoe@example.org"},
    )
    response = await client.get(f"/feeds/stories/{story['slug']}/comments.atom")
    assert b"zoe@example.org" not in response.content
    parsed = await feed(client, f"/feeds/stories/{story['slug']}/comments.atom")
    assert len(parsed.entries) == 6
    newest = parsed.entries[0]
    assert newest.author == "Zoë ]]> <b>&"
    assert newest.link.startswith("http://testserver/comments/")
    assert "Feed me &amp; &lt;b&gt;" in newest.content[0].value
    assert parsed.entries[-1].author == "Anonymous"


async def test_site_comments_feed_and_autodiscovery(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    parsed = await feed(client, "/feeds/comments.atom")
    assert len(parsed.entries) == 5
    page = (await client.get(f"/stories/{story['slug']}")).text
    for href in (
        "/feeds/stories.atom",
        "/feeds/comments.atom",
        f"/feeds/stories/{story['slug']}/comments.atom",
    ):
        assert 'type="application/atom+xml"' in page and f'href="{href}"' in page


async def test_feed_links_ignore_the_host_header(settings: Settings, story: dict[str, Any]) -> None:
    # Another name the site answers to (TRIBUNE_ALLOWED_HOSTS; an unknown one gets 400).
    app = create_app(settings.model_copy(update={"allowed_hosts": "alias.example"}))
    try:
        async with client_at(app) as client:
            response = await client.get("/feeds/stories.atom", headers={"host": "alias.example"})
    finally:
        await app.state.db.dispose()
    assert response.status_code == 200
    assert b"alias.example" not in response.content


async def _ids(settings: Settings, base_url: str, paths: list[str]) -> list[str]:
    app = create_app(settings.model_copy(update={"base_url": base_url}))
    try:
        async with client_at(app) as client:
            host = {"host": base_url.split("://")[1]}
            feeds = [feedparser.parse((await client.get(p, headers=host)).content) for p in paths]
    finally:
        await app.state.db.dispose()
    for parsed in feeds:
        assert parsed.entries and all(e.link.startswith(base_url) for e in parsed.entries)
    return [parsed.feed.id for parsed in feeds] + [e.id for p in feeds for e in p.entries]


async def test_entry_ids_stay_when_the_base_url_changes(
    settings: Settings, story: dict[str, Any]
) -> None:
    """A site moved from port 8000 to its public name (or started on another port) must not
    show every entry again as new in feed readers: ids do not come from the base URL."""
    paths = [
        "/feeds/stories.atom",
        "/feeds/comments.atom",
        f"/feeds/stories/{story['slug']}/comments.atom",
    ]
    local = await _ids(settings, "http://127.0.0.1:8123", paths)
    public = await _ids(settings, "https://news.example.org", paths)
    assert local == public
    # Three feeds, one story, five comments (each in two feeds, with one id)
    assert len(local) == 3 + 1 + 5 + 5 and len(set(local)) == 3 + 1 + 5
    assert all(i.startswith("urn:uuid:") for i in local)
    assert not any("127.0.0.1" in i or "example" in i for i in local)


async def test_unknown_story_feed_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/feeds/stories/nope/comments.atom")).status_code == 404
