"""A reader with state of their own (a vote, a report, a comment of theirs, a name the form
remembers) gets the shared story page with their part made again for them: the same bytes
as every other reader's except under the comments they touched and above the thread, made
by the fast lane as by the route, and correct without JavaScript (the buttons undo a vote,
the links edit, the form is filled in)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.helpers import client_at, csrf_of
from tribune.stories import service as stories

pytestmark = pytest.mark.anyio
SAME_ORIGIN = {"sec-fetch-site": "same-origin", "origin": "http://testserver"}


def comment_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'action="/comments/(\d+)/vote"', html)]


def by_comment(html: str) -> dict[str, str]:
    """The page cut at each comment's actions: what comes before the first, and each
    comment's own part up to the next."""
    parts = re.split(r'(?=<div class="comment-actions">)', html)
    found = {"head": parts[0]}
    for part in parts[1:]:
        number = re.search(r'action="/comments/(\d+)/vote"', part)
        assert number is not None
        found[number.group(1)] = part
    return found


def pressed(html: str, comment_id: int) -> dict[str, str]:
    """The vote buttons of a comment: direction → (value sent, aria-pressed)."""
    form = html.split(f'action="/comments/{comment_id}/vote"', 1)[1].split("</form>", 1)[0]
    return {
        direction: f"{value} {state}"
        for value, direction, state in re.findall(
            r'value="(-?\d)" data-dir="(-?1)" aria-pressed="(\w+)"', form
        )
    }


async def vote(client: httpx.AsyncClient, comment_id: int, value: int) -> None:
    answer = await client.post(
        f"/comments/{comment_id}/vote", data={"value": str(value)}, headers=SAME_ORIGIN
    )
    assert answer.status_code == 303


async def test_a_voters_page_is_the_shared_page_with_their_votes_marked(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    first, second, *_ = comment_ids((await client.get(path)).text)
    await vote(client, first, 1)
    await vote(client, second, -1)
    mine = await client.get(path)
    assert mine.headers["cache-control"] == "private, no-cache"
    assert pressed(mine.text, first) == {"1": "0 true", "-1": "-1 false"}  # ▲ again undoes it
    assert pressed(mine.text, second) == {"1": "1 false", "-1": "0 true"}
    async with client_at(app) as anyone:
        shared = await anyone.get(path)
    assert 'aria-pressed="true"' not in shared.text
    # Everything but the two comments' actions is the shared page's, byte for byte.
    own, every = by_comment(mine.text), by_comment(shared.text)
    assert own.keys() == every.keys()
    differ = {key for key in every if own[key] != every[key]}
    assert differ == {str(first), str(second)}
    # Without JavaScript the button undoes the vote: the page is the shared one again.
    await vote(client, first, 0)
    await vote(client, second, 0)
    again = await client.get(path)
    assert 'aria-pressed="true"' not in again.text


async def test_the_lane_makes_a_readers_page_as_the_route_does(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/stories/{story['slug']}"
    first, *_ = comment_ids((await client.get(path)).text)
    await vote(client, first, 1)
    await client.post(
        f"{path}/comments",
        data={"name": "Ana", "body": "Words of my own here", "remember": "1"},
        headers=SAME_ORIGIN,
    )
    calls: list[Any] = []
    real = stories.story_by_slug

    async def counted(*args: Any) -> Any:
        calls.append(args)
        return await real(*args)

    for encoding in ("gzip", "identity"):
        app.state.page_cache._entries.clear()
        asked = {"accept-encoding": encoding}
        routed = await client.get(path, headers=asked)  # renders the shared page, then theirs
        monkeypatch.setattr(stories, "story_by_slug", counted)
        laned = await client.get(path, headers=asked)
        monkeypatch.setattr(stories, "story_by_slug", real)
        assert calls == []  # the lane answered
        assert laned.content == routed.content
        assert sorted(laned.headers.multi_items()) == sorted(routed.headers.multi_items())
        assert (laned.headers.get("content-encoding") == "gzip") is (encoding == "gzip")
        assert pressed(laned.text, first)["1"] == "0 true"
        assert 'value="Ana"' in laned.text  # the name remembered
        same = await client.get(path, headers={**asked, "if-none-match": laned.headers["etag"]})
        assert same.status_code == 304


async def test_a_posters_page_has_their_edit_links_and_their_held_comment(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    posted = await client.post(
        f"{path}/comments", data={"name": "Ana", "body": "Published at once"}, headers=SAME_ORIGIN
    )
    mine = int(posted.headers["location"].rsplit("#c", 1)[1])
    token = await csrf_of(admin, "/admin/stories")
    moded = await admin.post(
        f"/admin/stories/{story['id']}/mode", data={"mode": "premoderated", "csrf_token": token}
    )
    assert moded.status_code == 303
    held = await client.post(
        f"{path}/comments",
        data={"name": "Ana", "body": "Held for a moderator"},
        headers=SAME_ORIGIN,
    )
    assert held.status_code == 303
    for _ in range(2):  # the route, then the lane
        page = (await client.get(path)).text
        item = page.split(f'<li id="c{mine}"', 1)[1].split("</li>", 1)[0]
        assert f'href="/comments/{mine}/edit"' in item and f'href="/comments/{mine}/delete"' in item
        assert f'href="/comments/{mine}/report"' not in item  # not one's own
        awaiting = page.split('<div class="awaiting">', 1)[1].split("</div>", 1)[0]
        assert "Held for a moderator" in page.split('id="comment-form"', 1)[0]
        assert "Only you can see these." in awaiting
    async with client_at(app) as anyone:
        shared = (await anyone.get(path)).text
    assert "Held for a moderator" not in shared
    assert f'href="/comments/{mine}/edit"' not in shared
    assert f'href="/comments/{mine}/report"' in shared


async def test_a_reporters_page_says_reported_and_no_one_elses_does(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    first, second, *_ = comment_ids((await client.get(path)).text)
    token = await csrf_of(client, f"/comments/{first}/report")
    sent = await client.post(
        f"/comments/{first}/report", data={"csrf_token": token, "reason": "abuse"}
    )
    assert sent.status_code == 303
    async with client_at(app) as other:
        await vote(other, second, 1)
        theirs = (await other.get(path)).text
    for _ in range(2):
        page = (await client.get(path)).text
        item = by_comment(page)[str(first)]
        assert '<span class="reported">Reported</span>' in item
        assert "You reported this comment." in item
        assert 'aria-pressed="true"' not in page  # the other reader's vote is theirs
    assert "Reported</span>" not in theirs and pressed(theirs, second)["1"] == "0 true"
