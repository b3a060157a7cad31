"""The home, tag and author pages and the Atom feeds: the same for every reader, so made once
for what they show and the site's settings, answered by the fast lane with a strong ETag
(304 to If-None-Match, gzip under its own), Cache-Control public and no cookie, and never
stale: a story published, edited, unpublished, deleted or coming due, a comment, or a site
settings change shows on the next request."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.factories import make_comment, make_story
from tests.helpers import client_at, csrf_in, staff_member
from tests.publishing import add_author, byline
from tribune.pagecache import SHARED_CACHE_CONTROL
from tribune.stories import editor, scheduler
from tribune.stories.editor import By
from tribune.vocabulary import StoryStatus
from tribune.web import shared

pytestmark = pytest.mark.anyio

FEEDS = ("/feeds/stories.atom", "/feeds/comments.atom")


@pytest.fixture
async def paths(app: Any, story: dict[str, Any]) -> list[str]:
    """Every shared listing and feed, each with the demo story in it."""
    author = await add_author(app.state.db, "Ana Writer", "ana")
    await byline(app.state.db, story["id"], author)
    return [
        "/",
        "/tags/putin",
        "/authors/ana",
        *FEEDS,
        f"/feeds/stories/{story['slug']}/comments.atom",
    ]


@pytest.fixture
async def by(app: Any) -> By:
    return By.member(await staff_member(app, "editor"))


def shared_headers(answer: httpx.Response) -> None:
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == SHARED_CACHE_CONTROL
    assert "set-cookie" not in answer.headers
    # Nothing of the reader is on these pages: they vary on the encoding alone.
    assert answer.headers["vary"] == "Accept-Encoding"
    assert re.fullmatch(r'"[0-9a-f]{24}(-gzip)?"', answer.headers["etag"])


async def test_every_reader_gets_one_page_made_once_and_answered_by_the_lane(
    app: Any, client: httpx.AsyncClient, paths: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    firsts = {path: await client.get(path) for path in paths}
    for answer in firsts.values():
        shared_headers(answer)
    assert app.state.shared_pages.stores == len(paths)

    routed: list[str] = []
    real = shared.kept

    async def counted(request: Any, *args: Any) -> Any:
        routed.append(request.url.path)
        return await real(request, *args)

    monkeypatch.setattr(shared, "kept", counted)
    readers = {
        "anonymous": {},
        "with cookies of their own": {"cookie": "tribune_voter=x; tribune_own=y"},
    }
    for headers in readers.values():
        async with client_at(app) as reader:
            for path, first in firsts.items():
                again = await reader.get(path, headers=headers)
                shared_headers(again)
                assert again.content == first.content, path
                assert again.headers["etag"] == first.headers["etag"], path
    assert routed == []  # every one answered by the fast lane
    assert app.state.shared_pages.stores == len(paths)  # nothing made again


async def test_staff_get_the_same_page(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, paths: list[str]
) -> None:
    for path in paths:
        theirs, ours = await admin.get(path), await client.get(path)
        shared_headers(theirs)
        assert theirs.content == ours.content and theirs.headers["etag"] == ours.headers["etag"]


async def test_if_none_match_answers_304_and_gzip_has_its_own_tag(
    client: httpx.AsyncClient, paths: list[str]
) -> None:
    for path in paths:
        for _ in range(2):  # the route, then the lane
            plain = await client.get(path, headers={"accept-encoding": "identity"})
            zipped = await client.get(path, headers={"accept-encoding": "gzip"})
            assert "content-encoding" not in plain.headers
            assert zipped.headers["content-encoding"] == "gzip"
            assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
            assert zipped.content == plain.content  # httpx inflates it
            for answer, encoding in ((plain, "identity"), (zipped, "gzip")):
                etag = answer.headers["etag"]
                asked = {"if-none-match": etag, "accept-encoding": encoding}
                same = await client.get(path, headers=asked)
                assert same.status_code == 304 and same.content == b"", path
                assert same.headers["etag"] == etag
                assert same.headers["cache-control"] == SHARED_CACHE_CONTROL
            weak = await client.get(path, headers={"if-none-match": f'"x", W/{etag}'})
            assert weak.status_code == 304


async def test_the_route_and_the_lane_answer_alike_in_every_form(
    app: Any, client: httpx.AsyncClient, paths: list[str]
) -> None:
    for path in paths:
        for encoding in ("gzip", "identity"):
            app.state.shared_pages._entries.clear()
            asked = {"accept-encoding": encoding}
            routed, laned = [await client.get(path, headers=asked) for _ in range(2)]
            assert sorted(routed.headers.multi_items()) == sorted(laned.headers.multi_items())
            asked["if-none-match"] = routed.headers["etag"]
            app.state.shared_pages._entries.clear()
            routed, laned = [await client.get(path, headers=asked) for _ in range(2)]
            assert routed.status_code == laned.status_code == 304, path
            assert sorted(routed.headers.multi_items()) == sorted(laned.headers.multi_items())


async def _all(client: httpx.AsyncClient, paths: list[str]) -> dict[str, httpx.Response]:
    return {path: await client.get(path) for path in paths}


async def test_a_new_story_shows_on_the_next_request(
    app: Any, client: httpx.AsyncClient, paths: list[str]
) -> None:
    listings = ["/", "/tags/putin", "/feeds/stories.atom"]
    before = await _all(client, listings)
    await _all(client, listings)  # kept, and answered by the lane
    await make_story(app.state.db, "Fresh from the wire", "It just happened. #Putin")
    after = await _all(client, listings)
    for path in listings:
        assert "Fresh from the wire" in after[path].text, path
        assert "Fresh from the wire" not in before[path].text
        assert after[path].headers["etag"] != before[path].headers["etag"]
        changed = await client.get(path, headers={"if-none-match": before[path].headers["etag"]})
        assert changed.status_code == 200


async def test_an_edit_an_unpublishing_and_a_deletion_show_at_once(
    app: Any, client: httpx.AsyncClient, by: By
) -> None:
    db = app.state.db
    values = {"title": "Harbour reopens", "body": "Ships are back. #Harbour"}
    story_id = await editor.create(db, values, status=StoryStatus.published, by=by)
    listings = ["/", "/tags/harbour", "/feeds/stories.atom"]
    for path in listings:
        assert "Harbour reopens" in (await client.get(path)).text
    await editor.save(db, story_id, {"title": "Harbour reopens at last"}, base_revision=1, by=by)
    for path in listings:
        assert "Harbour reopens at last" in (await client.get(path)).text, path
    await editor.save(db, story_id, {}, base_revision=2, status=StoryStatus.unpublished, by=by)
    for path in ("/", "/feeds/stories.atom"):
        assert "Harbour reopens" not in (await client.get(path)).text, path
    assert (await client.get("/tags/harbour")).status_code == 404  # no story carries it now
    await editor.save(db, story_id, {}, base_revision=3, status=StoryStatus.published, by=by)
    assert "Harbour reopens at last" in (await client.get("/")).text
    await editor.delete(db, story_id, with_comments=True, by=by)
    # A new story may take the deleted one's id (SQLite): it is still a new page.
    await editor.create(
        db, {"title": "Ferry news", "body": "."}, status=StoryStatus.published, by=by
    )
    home = (await client.get("/")).text
    assert "Harbour reopens" not in home and "Ferry news" in home


async def test_a_scheduled_story_shows_when_it_comes_due(
    app: Any, client: httpx.AsyncClient, by: By
) -> None:
    db = app.state.db
    soon = datetime.now(UTC) + timedelta(seconds=1)
    values = {"title": "Embargoed report", "body": "Out at noon."}
    await editor.create(db, values, status=StoryStatus.scheduled, publish_at=soon, by=by)
    for path in ("/", "/feeds/stories.atom"):
        for _ in range(2):
            assert "Embargoed report" not in (await client.get(path)).text
    await asyncio.sleep(1.1)
    assert await scheduler.publish_due(db) != []
    for path in ("/", "/feeds/stories.atom"):
        assert "Embargoed report" in (await client.get(path)).text, path


async def test_a_new_comment_shows_in_the_feeds_and_the_counts(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], paths: list[str]
) -> None:
    before = await _all(client, paths)
    await _all(client, paths)
    assert "5 comments" in before["/"].text
    await make_comment(app.state.db, story["id"], "Breaking comment text", "Late Reader")
    after = await _all(client, paths)
    for path in (*FEEDS[1:], f"/feeds/stories/{story['slug']}/comments.atom"):
        assert "Breaking comment text" in after[path].text, path
    for path in ("/", "/tags/putin", "/authors/ana"):
        assert "6 comments" in after[path].text, path
        assert after[path].headers["etag"] != before[path].headers["etag"]


async def test_a_site_settings_change_makes_new_pages(
    app: Any, admin: httpx.AsyncClient, paths: list[str]
) -> None:
    async with client_at(app) as reader:
        before = await _all(reader, paths)
        token = csrf_in((await admin.get("/admin/site")).text)
        saved = await admin.post(
            "/admin/site",
            data={"name": "Harbour Gazette", "csrf_token": token},
            files={"logo": ("", b"", "application/octet-stream")},
        )
        assert saved.status_code == 303
        after = await _all(reader, paths)
    for path in paths:
        assert after[path].headers["etag"] != before[path].headers["etag"], path
    for path in ("/", "/tags/putin", *FEEDS):
        assert "Harbour Gazette" in after[path].text and "Harbour Gazette" not in before[path].text


async def test_later_pages_are_shared_but_made_each_time(
    app: Any, client: httpx.AsyncClient
) -> None:
    for n in range(22):
        await make_story(app.state.db, f"Story number {n}", "Text. #Many")
    for path in ("/", "/tags/many"):
        first = await client.get(path)
        older = re.search(r'rel="next" href="\?cursor=([^"]+)"', first.text)
        assert older is not None
        stores = app.state.shared_pages.stores
        later = [await client.get(f"{path}?cursor={older.group(1)}") for _ in range(2)]
        shared_headers(later[0])
        assert "Story number 0" in later[0].text and "Story number 0" not in first.text
        assert later[0].headers["etag"] == later[1].headers["etag"]
        same = await client.get(
            f"{path}?cursor={older.group(1)}", headers={"if-none-match": later[0].headers["etag"]}
        )
        assert same.status_code == 304
        assert app.state.shared_pages.stores == stores  # not kept
    assert (await client.get("/?cursor=bogus")).status_code == 422


async def test_unknown_listings_are_not_found(client: httpx.AsyncClient) -> None:
    for path in ("/tags/nothing-here", "/authors/nobody", "/feeds/stories/none/comments.atom"):
        for _ in range(2):
            answer = await client.get(path)
            assert answer.status_code == 404 and "public" not in answer.headers.get(
                "cache-control", ""
            )
