"""The author's edit window as the pages show it (issue 12): how long is left, on every page
that shows their comment, and nothing to edit once it has passed."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.factories import make_comment
from tests.helpers import client_at, csrf_of
from tribune.app import create_app
from tribune.settings import Settings
from tribune.storage.stories import bump_version
from tribune.storage.tables import comments

pytestmark = pytest.mark.anyio


async def post_form(client: httpx.AsyncClient, story: dict[str, Any], **fields: str) -> int:
    """Post through the comment form, as a reader does; the new comment's id."""
    token = await csrf_of(client, f"/stories/{story['slug']}")
    response = await client.post(
        f"/stories/{story['slug']}/comments", data={"name": "Ana", "csrf_token": token, **fields}
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("#c", 1)[1])


async def age(app: Any, comment_id: int, minutes: float) -> None:
    """Make a comment as old as minutes, as if the clock had moved on (and its thread's
    version with it, as every change of a comment does: a page kept from before its new
    time is not shown again)."""
    async with app.state.db.transaction() as conn:
        story_id = (
            await conn.execute(
                sa.update(comments)
                .where(comments.c.id == comment_id)
                .values(created_at=datetime.now(UTC) - timedelta(minutes=minutes))
                .returning(comments.c.story_id)
            )
        ).scalar_one()
        await bump_version(conn, story_id)


def own_links(html: str, comment_id: int) -> bool:
    return f'href="/comments/{comment_id}/edit"' in html or (
        f'href="/comments/{comment_id}/delete"' in html
    )


async def test_the_page_says_how_long_is_left_to_edit(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    mine = await post_form(client, story, body="Mine")
    page = (await client.get(f"/stories/{story['slug']}")).text
    item = page.split(f'<li id="c{mine}"')[1]
    assert "You can edit for 15 more minutes" in item
    assert re.search(r'class="own" data-until="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', item)
    await age(app, mine, 14.5)
    page = (await client.get(f"/stories/{story['slug']}")).text
    assert "You can edit for 1 more minute<" in page
    edit = await client.get(f"/comments/{mine}/edit")
    assert edit.status_code == 200 and "You can edit for 1 more minute<" in edit.text
    delete = await client.get(f"/comments/{mine}/delete")
    assert delete.status_code == 200 and "You can delete it for 1 more minute<" in delete.text


async def test_no_edit_links_on_any_page_once_the_window_has_passed(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    db = app.state.db
    first = await make_comment(db, story["id"], "Many replies")
    await asyncio.gather(
        *(make_comment(db, story["id"], f"Reply {n}", parent_id=first["id"]) for n in range(10))
    )
    await asyncio.gather(*(make_comment(db, story["id"], f"Filler {n}") for n in range(45)))
    later_reply = await post_form(client, story, body="My late reply", parent_id=str(first["id"]))
    later_top = await post_form(client, story, body="My comment on page two")
    page = (await client.get(f"/stories/{story['slug']}")).text
    after = re.search(r'class="more-comments" href="([^"#]+)', page)
    assert after, "the story has a second page"
    second = after.group(1).replace("&amp;", "&")
    more = re.search(rf'href="(/comments/{first["id"]}/replies\?after=[^"]+)"', page)
    assert more, "the crowded comment links to its further replies"
    replies = more.group(1).replace("&amp;", "&")
    assert own_links((await client.get(second)).text, later_top)
    assert own_links((await client.get(replies)).text, later_reply)

    for comment_id in (later_top, later_reply):
        await age(app, comment_id, 16)
    for path in (f"/stories/{story['slug']}", second, replies):
        html = (await client.get(path)).text
        assert not own_links(html, later_top) and not own_links(html, later_reply), path
        assert "You can edit for" not in html, path


@pytest.mark.parametrize("action", ["edit", "delete"])
async def test_the_forms_after_the_window_say_so_and_lead_back(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any], action: str
) -> None:
    mine = await post_form(client, story, body="Too late to change")
    await age(app, mine, 16)
    page = await client.get(f"/comments/{mine}/{action}")
    assert page.status_code == 403
    assert "Comments can be changed for 15 minutes after posting; that time has passed" in (
        page.text
    )
    assert f'<a href="/comments/{mine}">Back to the comment</a>' in page.text
    assert "Too late to change" in page.text  # what they wrote, to see or copy
    content = page.text.split("<main", 1)[1]  # the header's search box is a form too
    assert "<form" not in content and "<textarea" not in content


async def test_one_minute_is_one_minute(settings: Settings, story: dict[str, Any]) -> None:
    short = create_app(settings.model_copy(update={"edit_minutes": 1}))
    try:
        async with client_at(short) as client:
            mine = await post_form(client, story, body="Quick")
            assert (
                "You can edit for 1 more minute<"
                in (await client.get(f"/stories/{story['slug']}")).text
            )
            await age(short, mine, 2)
            page = await client.get(f"/comments/{mine}/edit")
            token = await csrf_of(client, f"/stories/{story['slug']}")
            saved = await client.post(
                f"/comments/{mine}/edit", data={"body": "Changed", "csrf_token": token}
            )
    finally:
        await short.state.db.dispose()
    message = "Comments can be changed for 1 minute after posting; that time has passed"
    assert message in page.text
    assert saved.status_code == 403 and message in saved.text
    assert "Changed" in saved.text  # the text sent is kept
