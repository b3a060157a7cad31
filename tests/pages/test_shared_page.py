"""The story page every reader without state of their own gets: rendered once per thread
version and site settings, with no CSRF token and no cookie (so caches in front may keep it),
answered by the fast lane with a strong ETag (304 to If-None-Match), never stale; its forms
are checked by the browser's Fetch Metadata instead of a token."""

from __future__ import annotations

import gzip
import re
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers

from tests.helpers import CSRF_FIELD, client_at, csrf_in
from tribune.comments import pages
from tribune.comments.cache import SHARED_CACHE_CONTROL
from tribune.stories import service as stories

pytestmark = pytest.mark.anyio
SAME_ORIGIN = {"sec-fetch-site": "same-origin", "origin": "http://testserver"}


def shared_headers(answer: httpx.Response) -> None:
    assert answer.headers["cache-control"] == SHARED_CACHE_CONTROL
    assert "set-cookie" not in answer.headers
    assert set(re.split(r",\s*", answer.headers["vary"])) == {"Accept-Encoding", "Cookie"}
    assert re.fullmatch(r'"[0-9a-f]{24}(-gzip)?"', answer.headers["etag"])


async def test_anonymous_readers_share_one_page_without_a_token_or_a_cookie(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    first = await client.get(path)
    assert first.status_code == 200
    shared_headers(first)
    assert 'name="csrf_token" value=""' in first.text and not CSRF_FIELD.search(first.text)
    async with client_at(app) as other:
        theirs = await other.get(path)
    assert theirs.content == first.content and theirs.headers["etag"] == first.headers["etag"]
    assert app.state.page_cache.stores == 1  # rendered once


async def test_the_fast_lane_answers_a_kept_page_without_the_route(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/stories/{story['slug']}"
    first = await client.get(path)

    asked = []
    real = stories.story_by_slug

    async def counted(*args: Any) -> Any:
        asked.append(args)
        return await real(*args)

    monkeypatch.setattr(stories, "story_by_slug", counted)
    again = await client.get(path)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    shared_headers(again)
    assert "content-security-policy" in again.headers  # the outer middleware still applies
    plain = await client.get(path, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = await client.get(path, headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    assert zipped.content == plain.content == first.content  # httpx inflates it
    assert asked == []  # every one of them answered by the lane
    # A forged cookie is no state of the reader's own: the same page, from the lane.
    forged = await client.get(path, headers={"cookie": "tribune_voter=x; tribune_own=1"})
    assert forged.content == first.content and forged.headers["etag"] == first.headers["etag"]
    assert asked == []


async def test_if_none_match_answers_304_until_the_thread_changes(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    first = await client.get(path)
    etag = first.headers["etag"]
    same = await client.get(path, headers={"if-none-match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag
    assert same.headers["cache-control"] == SHARED_CACHE_CONTROL
    weak = await client.get(path, headers={"if-none-match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    posted = await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "Late", "body": "Just in now"}
    )
    assert posted.status_code == 201
    async with client_at(app) as fresh:
        changed = await fresh.get(path, headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Just in now" in changed.text and "Just in now" not in first.text


async def test_a_site_settings_change_makes_a_new_page(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    async with client_at(app) as reader:
        before = await reader.get(path)
        token = csrf_in((await admin.get("/admin/site")).text)
        saved = await admin.post(
            "/admin/site",
            data={"name": "Harbour Gazette", "csrf_token": token},
            files={"logo": ("", b"", "application/octet-stream")},
        )
        assert saved.status_code == 303
        after = await reader.get(path)
    assert "Harbour Gazette" in after.text and "Harbour Gazette" not in before.text
    assert after.headers["etag"] != before.headers["etag"]


async def test_an_unpublished_story_is_not_served_from_the_kept_page(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    assert (await client.get(path)).status_code == 200
    async with app.state.db.transaction() as conn:
        from sqlalchemy import update

        from tribune.storage.tables import stories as story_table

        await conn.execute(
            update(story_table).where(story_table.c.id == story["id"]).values(status="draft")
        )
    assert (await client.get(path)).status_code == 404


async def test_a_reader_with_state_of_their_own_gets_a_private_page(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    shared = await client.get(path)
    posted = await client.post(
        f"{path}/comments", data={"name": "Ana", "body": "My own words here"}, headers=SAME_ORIGIN
    )
    assert posted.status_code == 303
    mine = await client.get(path)
    assert mine.headers["cache-control"] == "private, no-cache"
    assert "set-cookie" not in mine.headers
    assert mine.headers["etag"] != shared.headers["etag"]
    assert set(re.split(r",\s*", mine.headers["vary"])) == {"Accept-Encoding", "Cookie"}
    # Its forms are checked as the shared page's are (Fetch Metadata): no token to mint.
    assert not CSRF_FIELD.search(mine.text)
    assert 'href="/comments/' in mine.text and "/edit" in mine.text  # their Edit link
    again = await client.get(path, headers={"if-none-match": mine.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        ({"sec-fetch-site": "same-origin"}, True),
        ({"sec-fetch-site": "same-origin", "origin": "http://testserver"}, True),
        ({"origin": "http://testserver"}, True),  # a browser without Fetch Metadata
        ({"sec-fetch-site": "cross-site"}, False),
        ({"sec-fetch-site": "same-site"}, False),  # another origin of the same site
        ({"sec-fetch-site": "none"}, False),
        ({"sec-fetch-site": "same-origin", "origin": "https://evil.example"}, False),
        ({"origin": "null"}, False),
        ({}, False),  # says neither: the form comes back with a token
    ],
)
async def test_the_shared_pages_form_is_checked_by_fetch_metadata(
    client: httpx.AsyncClient, story: dict[str, Any], headers: dict[str, str], accepted: bool
) -> None:
    path = f"/stories/{story['slug']}"
    answer = await client.post(
        f"{path}/comments", data={"name": "Ana", "body": "Sent from the page"}, headers=headers
    )
    total = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["total"]
    if accepted:
        assert answer.status_code == 303 and total == 6
        return
    assert answer.status_code == 403 and total == 5
    assert "Sent from the page" in answer.text  # what the reader typed is kept
    again = await client.post(
        f"{path}/comments",
        data={"name": "Ana", "body": "Sent from the page", "csrf_token": csrf_in(answer.text)},
    )
    assert again.status_code == 303


async def test_the_shared_pages_vote_buttons_are_checked_the_same_way(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    page = await client.get(f"/stories/{story['slug']}")
    comment = re.search(r'action="/comments/(\d+)/vote"', page.text)
    assert comment is not None
    vote = f"/comments/{comment.group(1)}/vote"
    refused = await client.post(vote, data={"value": "1"}, headers={"sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    counted = await client.post(vote, data={"value": "1"}, headers=SAME_ORIGIN)
    assert counted.status_code == 303
    mine = await client.get(f"/stories/{story['slug']}")
    assert mine.headers["cache-control"] == "private, no-cache"  # their vote shows, to them
    assert 'aria-pressed="true"' in mine.text


async def test_the_lane_leaves_what_it_does_not_know_to_the_route(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    await client.get(path)
    lane = pages.story_page_lane(
        app.state.db, app.state.page_cache, app.state.site, app.state.keys, 15
    )
    match = lane.path.fullmatch(path)
    assert match is not None
    empty = Headers()
    shared = await lane.answer(match, [], empty)
    assert shared is not None
    for params in ([("sort", "bogus")], [("sort", "top"), ("sort", "top")], [("x", "1")]):
        assert await lane.answer(match, params, empty) is None, params
    for page in ("top", "newest"):  # not kept yet: the route renders it
        assert await lane.answer(match, [("sort", page)], empty) is None
    assert await lane.answer(match, [], Headers({"cookie": "tribune_own=1"})) is shared
    assert gzip.decompress(app.state.page_cache.find((story["slug"], "oldest", None)).gzipped())


async def test_the_api_thread_and_counts_answer_304_to_their_etag(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for path in (f"/api/v1/stories/{story['id']}/comments", f"/api/v1/counts?story={story['id']}"):
        first = await client.get(path)  # the route
        etag = first.headers["etag"]
        assert re.fullmatch(r'"[0-9a-f]{24}(-gzip)?"', etag)
        lane = await client.get(path)  # the fast lane
        assert lane.headers["etag"] == etag and lane.content == first.content
        same = await client.get(path, headers={"if-none-match": etag})
        assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    posted = await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "N", "body": "A new one here"}
    )
    assert posted.status_code == 201
    for path in (f"/api/v1/stories/{story['id']}/comments", f"/api/v1/counts?story={story['id']}"):
        again = await client.get(path, headers={"if-none-match": etag if "counts" in path else "x"})
        assert again.status_code == 200


async def test_the_route_and_the_lane_answer_alike_in_every_form(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    """gzip or not, 200 or 304: the first answer (the route) and the next (the lane) agree."""
    for path in (f"/stories/{story['slug']}", f"/api/v1/stories/{story['id']}/comments"):
        for encoding in ("gzip", "identity"):
            app.state.page_cache._entries.clear()
            app.state.thread_cache._entries.clear()
            asked = {"accept-encoding": encoding}
            routed, laned = [await client.get(path, headers=asked) for _ in range(2)]
            assert sorted(routed.headers.multi_items()) == sorted(laned.headers.multi_items())
            asked["if-none-match"] = routed.headers["etag"]
            app.state.page_cache._entries.clear()
            app.state.thread_cache._entries.clear()
            routed, laned = [await client.get(path, headers=asked) for _ in range(2)]
            assert routed.status_code == laned.status_code == 304, path
            assert sorted(routed.headers.multi_items()) == sorted(laned.headers.multi_items())
