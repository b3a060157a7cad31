"""A reader's own comments and data without JavaScript (readers' data rights): the page
listing what this browser posted that is still in its edit window, the download of
everything kept of it, and its erasure after a confirmation; the story page's link to it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.helpers import client_at, csrf_in, csrf_of
from tribune.storage.tables import comments

pytestmark = pytest.mark.anyio

MINE = "/comments/mine"


async def post_form(client: httpx.AsyncClient, story: dict[str, Any], **fields: str) -> int:
    """Post through the comment form, as a reader does; the new comment's id."""
    token = await csrf_of(client, f"/stories/{story['slug']}")
    response = await client.post(
        f"/stories/{story['slug']}/comments",
        data={"name": "Ana", "email": "ana@example.org", "csrf_token": token, **fields},
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#c", 1)[1])


async def row(app: Any, comment_id: int) -> Any:
    async with app.state.db.read() as conn:
        found = await conn.execute(sa.select(comments).where(comments.c.id == comment_id))
        return found.first()


def confirmed(page: str) -> list[str]:
    """The comments an erase confirmation names."""
    return re.findall(r'name="comment" value="(\d+)"', page)


async def test_the_page_lists_this_browsers_comments_and_downloads_them(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await post_form(client, story, body="My *own* words about the talks")
    page = await client.get(MINE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "My own words about the talks" in page.text
    assert (
        f'href="/stories/{story["slug"]}"' in page.text and f'href="/comments/{mine}"' in page.text
    )
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', page.text)
    assert "for 15 more minutes" in page.text
    download = await client.post(f"{MINE}/download", data={"csrf_token": csrf_in(page.text)})
    assert download.status_code == 200 and download.headers["cache-control"] == "no-store"
    assert download.headers["content-disposition"] == 'attachment; filename="my-comments.json"'
    assert download.headers["content-type"] == "application/json"
    (kept,) = json.loads(download.content)["comments"]
    assert kept["id"] == mine and kept["body"] == "My *own* words about the talks"
    assert kept["email"] == "ana@example.org" and kept["story"]["title"] == story["title"]
    api = await client.post("/api/v1/comments/mine", json={})
    assert json.loads(download.content) == api.json()


async def test_erasing_asks_first_then_keeps_only_the_place_a_reply_needs(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    alone = await post_form(client, story, body="Nobody answers this one")
    answered = await post_form(client, story, body="Somebody answers this one")
    reply = await post_form(reader, story, body="My answer", name="Bo", parent_id=str(answered))
    ask = await client.get(f"{MINE}/erase")
    assert ask.status_code == 200 and ask.headers["cache-control"] == "no-store"
    assert "Erase your comments?" in ask.text and "Erase 2 comments" in ask.text
    assert "Nobody answers this one" in ask.text and "[deleted]" in ask.text
    assert sorted(confirmed(ask.text)) == sorted([str(alone), str(answered)])
    assert await row(app, alone) is not None, "asking erases nothing"
    done = await client.post(
        f"{MINE}/erase", data={"csrf_token": csrf_in(ask.text), "comment": confirmed(ask.text)}
    )
    assert done.status_code == 200 and done.headers["cache-control"] == "no-store"
    assert "2 comments were erased" in done.text
    assert f'href="/stories/{story["slug"]}#comments"' in done.text
    assert "tribune_own" in done.headers["set-cookie"], "the erased comments' tokens go"
    assert await row(app, alone) is None
    placeholder = await row(app, answered)
    assert placeholder.status == "deleted" and placeholder.name is None
    assert (
        placeholder.email is None and placeholder.body_md == "" and placeholder.client_hash is None
    )
    assert (await row(app, reply)).body_md == "My answer"
    thread = (await client.get(f"/stories/{story['slug']}")).text
    assert "Nobody answers this one" not in thread and "Somebody answers" not in thread
    assert "My answer" in thread
    after = await client.get(MINE)
    assert "no comments from this browser" in after.text and "Somebody" not in after.text


async def test_forms_without_their_csrf_token_change_nothing(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    mine = await post_form(client, story, body="Kept, whatever a forged form says")
    download = await client.post(f"{MINE}/download", data={"csrf_token": "forged"})
    assert download.status_code == 403 and "content-disposition" not in download.headers
    assert "This page had expired, so nothing was downloaded" in download.text
    assert download.headers["cache-control"] == "no-store"
    erase = await client.post(f"{MINE}/erase", data={"csrf_token": "forged", "comment": [mine]})
    assert erase.status_code == 403 and "nothing was erased" in erase.text
    assert await row(app, mine) is not None


async def test_another_browser_sees_and_erases_nothing_of_them(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    mine = await post_form(client, story, body="Only the browser that posted it")
    async with client_at(app) as other:
        page = await other.get(MINE)
        assert page.status_code == 200 and "Only the browser" not in page.text
        assert "There are no comments from this browser to download or erase" in page.text
        token = await csrf_of(other, f"/stories/{story['slug']}")
        download = await other.post(f"{MINE}/download", data={"csrf_token": token})
        assert download.status_code == 403 and "content-disposition" not in download.headers
        erase = await other.post(f"{MINE}/erase", data={"csrf_token": token, "comment": [mine]})
        assert erase.status_code == 403 and "Nothing was erased" in erase.text
        ask = await other.get(f"{MINE}/erase")
        assert confirmed(ask.text) == []
    assert await row(app, mine) is not None


async def test_a_comment_whose_time_passed_after_the_confirmation_erases_nothing(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    older = await post_form(client, story, body="Posted a while ago")
    newer = await post_form(client, story, body="Posted just now")
    ask = await client.get(f"{MINE}/erase")
    async with app.state.db.transaction() as conn:
        await conn.execute(
            sa.update(comments)
            .where(comments.c.id == older)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=16))
        )
    again = await client.post(
        f"{MINE}/erase", data={"csrf_token": csrf_in(ask.text), "comment": confirmed(ask.text)}
    )
    assert again.status_code == 409
    assert "Nothing was erased: 1 of the comments you confirmed" in again.text
    assert confirmed(again.text) == [str(newer)], "what can still be erased, to confirm again"
    assert await row(app, older) is not None and await row(app, newer) is not None
    listed = (await client.get(MINE)).text
    assert "Posted just now" in listed and "Posted a while ago" not in listed


async def test_with_nothing_to_manage_the_page_says_what_older_comments_need(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get(MINE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Comments older than 15 minutes can no longer be managed from this browser" in page.text
    assert "by e-mail" in page.text
    assert "Download my comments" not in page.text


async def test_the_story_page_links_to_it_the_same_for_every_reader(
    client: httpx.AsyncClient, reader: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await post_form(client, story, body="A comment of mine")
    for who in (client, reader):
        page = (await who.get(f"/stories/{story['slug']}")).text
        assert '<a href="/comments/mine">Your comments and data</a>' in page
