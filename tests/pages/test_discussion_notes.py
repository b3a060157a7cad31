"""What the discussion tells readers about itself (issue 12): a closed story says only that
comments are closed; an author whose comment was held is told it awaits moderation, never
which rule or word held it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import client_at, csrf_of, held_for

pytestmark = pytest.mark.anyio


async def set_mode(admin: httpx.AsyncClient, story_id: int, mode: str) -> None:
    token = await csrf_of(admin, "/admin/stories")
    answer = await admin.post(
        f"/admin/stories/{story_id}/mode", data={"mode": mode, "csrf_token": token}
    )
    assert answer.status_code == 303


async def test_a_closed_story_without_comments_only_says_they_are_closed(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    story_id = await make_story(app.state.db, "Quiet story")
    slug = (await client.get(f"/api/v1/stories/{story_id}")).json()["slug"]
    assert "No comments yet. Start the discussion." in (await client.get(f"/stories/{slug}")).text
    await set_mode(admin, story_id, "closed")
    for reader in (client, admin):  # the shared rendering and a reader's own
        page = (await reader.get(f"/stories/{slug}")).text
        assert "Comments are closed." in page
        assert "No comments yet" not in page and "Start the discussion" not in page


async def test_the_author_of_a_held_comment_is_not_told_the_word_that_held_it(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    for body in ("You idiot, read the article", "Cheap viagra and casino bonus here"):
        token = await csrf_of(client, path)
        answer = await client.post(
            f"{path}/comments", data={"name": "Troll", "body": body, "csrf_token": token}
        )
        assert answer.status_code == 303
    page = (await client.get(path)).text
    awaiting = page.split('<div class="awaiting">')[1].split("</div>\n  {%")[0]
    assert '<p class="status-note">Awaiting moderation</p>' in awaiting
    assert '<p class="status-note">Not published</p>' in awaiting
    for secret in ("suspect word", "banned word", "held:", "rejected:"):
        assert secret not in page
    # Through the API as well: a status in people's words, the rule for staff alone.
    async with client_at(app, "10.9.9.9") as api:
        answer = await api.post(
            f"/api/v1/stories/{story['id']}/comments",
            json={"name": "Troll two", "body": "What an idiot"},
        )
    assert answer.json()["moderation"] == "Awaiting moderation"
    assert "idiot" not in str(answer.json()["moderation"]) and "suspect" not in answer.text
    assert await held_for(app, answer.json()["id"]) == ['held: suspect word "idiot"']
