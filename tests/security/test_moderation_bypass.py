"""What an author can do around moderation (X4, X5, X9, B16b, B19b, X10, X14): an edit never
publishes unread text, a held comment does not exist to strangers, an unverified e-mail
proves nothing, and the staff pages say only what the server says."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from tests.api.test_moderation import moderate
from tests.helpers import client_at, csrf_of, post_comment, posted
from tribune.storage.tables import stories

pytestmark = pytest.mark.anyio

LINKS = "See https://a.example https://b.example https://c.example"  # held: 3 links


async def set_mode(admin: httpx.AsyncClient, story_id: int, mode: str, hold: bool = False) -> None:
    token = await csrf_of(admin, "/admin/stories")
    data = {"mode": mode, "csrf_token": token} | ({"first_comment_hold": "on"} if hold else {})
    answer = await admin.post(f"/admin/stories/{story_id}/mode", data=data)
    assert answer.status_code == 303


def bearer(comment: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {comment['edit_token']}"}


async def public_ids(client: httpx.AsyncClient, story_id: int) -> list[int]:
    page = (await client.get(f"/api/v1/stories/{story_id}/comments")).json()
    return [c["id"] for c in page["comments"]]


async def test_an_approved_comment_edited_on_a_premoderated_story_goes_back_to_the_queue(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await set_mode(admin, story["id"], "premoderated")
    held = await posted(client, story["id"], "A calm first version")
    assert held["status"] == "pending"
    assert (await moderate(admin, [held["id"]], "approve")).status_code == 200
    assert held["id"] in await public_ids(client, story["id"])
    edited = await client.patch(
        f"/api/v1/comments/{held['id']}", json={"body": "Buy cheap pills now"}, headers=bearer(held)
    )
    assert edited.status_code == 200
    assert edited.json()["status"] == "pending"
    assert held["id"] not in await public_ids(client, story["id"])
    queue = await admin.get("/admin/moderation")
    assert "Buy cheap pills now" in queue.text
    assert "<del>A calm first version</del>" in queue.text  # what readers had seen
    assert "<ins>Buy cheap pills now</ins>" in queue.text


async def test_a_held_comment_edited_while_it_waits_shows_the_moderator_what_changed(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    held = await posted(client, story["id"], LINKS)
    assert held["status"] == "pending"
    for body in ("Something else entirely", "And a third text"):
        edited = await client.patch(
            f"/api/v1/comments/{held['id']}", json={"body": body}, headers=bearer(held)
        )
        assert edited.status_code == 200 and edited.json()["status"] == "pending"
    queue = await admin.get("/admin/moderation")
    assert "Edited by its author: what changed" in queue.text
    assert "And a third text" in queue.text
    assert "https://a.example" in queue.text  # compared with the text as it was first held
    assert "held: 3 links" not in queue.text  # the reasons are the latest text's


async def test_an_edit_on_a_closed_story_is_refused(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "Before closing")
    await set_mode(admin, story["id"], "closed")
    edited = await client.patch(
        f"/api/v1/comments/{mine['id']}", json={"body": "After closing"}, headers=bearer(mine)
    )
    assert edited.status_code == 403


async def test_a_form_edit_the_rules_hold_leads_to_the_story_not_a_404(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    answer = await client.post(
        f"{path}/comments",
        data={"name": "Ana", "body": "A calm view", "csrf_token": await csrf_of(client, path)},
    )
    comment_id = int(answer.headers["location"].rsplit("#c", 1)[1])
    edit = f"/comments/{comment_id}/edit"
    saved = await client.post(edit, data={"body": LINKS, "csrf_token": await csrf_of(client, edit)})
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{path}#c{comment_id}"
    page = await client.get(saved.headers["location"])
    assert page.status_code == 200 and '<p class="status-note">Awaiting moderation</p>' in page.text
    assert "3 links" not in page.text  # the rule that held it is for staff alone


async def test_a_held_comment_does_not_exist_to_strangers(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    held = await posted(client, story["id"], LINKS)
    missing = 10**9
    for method in ("PATCH", "DELETE"):
        answers = [
            await client.request(method, f"/api/v1/comments/{i}", json={"body": "x"})
            for i in (held["id"], missing)
        ]
        assert [a.status_code for a in answers] == [404, 404]
    replies = [
        (await post_comment(client, story["id"], "A reply", parent_id=i)).json()["errors"]
        for i in (held["id"], missing)
    ]
    assert replies[0]["parent_id"] == replies[1]["parent_id"].replace(str(missing), str(held["id"]))


async def test_no_reports_on_a_story_that_is_not_published(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    target = await posted(client, story["id"], "An ordinary comment")
    async with app.state.db.transaction() as conn:
        await conn.execute(
            update(stories).where(stories.c.id == story["id"]).values(status="draft")
        )
    answer = await client.post(f"/api/v1/comments/{target['id']}/reports", json={"reason": "spam"})
    assert answer.status_code == 404


async def test_someone_elses_email_does_not_skip_the_first_comment_hold(
    app: Any, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await set_mode(admin, story["id"], "open", hold=True)
    async with client_at(app, "10.1.1.1") as regular, client_at(app, "10.2.2.2") as stranger:
        first = await posted(regular, story["id"], "My first here", email="regular@example.org")
        assert first["status"] == "pending"
        assert (await moderate(admin, [first["id"]], "approve")).status_code == 200
        again = await posted(regular, story["id"], "And again", email="regular@example.org")
        assert again["status"] == "approved"
        posing = await posted(stranger, story["id"], "Let me in", email="regular@example.org")
        assert posing["status"] == "pending"
        # Banning the poser bans their address, not the regular's e-mail.
        assert (await moderate(admin, [posing["id"]], "ban")).status_code == 200
        assert (await post_comment(stranger, story["id"], "Me again")).status_code == 403
        third = await post_comment(regular, story["id"], "Still me", email="regular@example.org")
        assert third.status_code == 201


async def test_the_queue_notice_comes_from_the_server(admin: httpx.AsyncClient) -> None:
    spoof = "Session expired. Sign in again at https://evil.example/login"
    page = await admin.get("/admin/moderation", params={"done": spoof})
    assert "evil.example" not in page.text
    page = await admin.get("/admin/moderation", params={"done": "approve", "count": "2"})
    assert "Approved 2 comments." in page.text


async def test_author_links_in_the_queue_are_marked_user_content(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    await posted(client, story["id"], LINKS, website="https://author.example")
    queue = await admin.get("/admin/moderation")
    assert 'href="https://author.example" rel="nofollow ugc noopener noreferrer"' in queue.text


async def test_a_story_closed_while_a_reader_types_keeps_their_text(
    admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    """X6: the form post shows why, and the text to copy; the API's 403 carries it too."""
    path = f"/stories/{story['slug']}"
    token = await csrf_of(client, path)
    await set_mode(admin, story["id"], "closed")
    form = await client.post(
        f"{path}/comments", data={"name": "Ana", "body": "Typed at length", "csrf_token": token}
    )
    assert form.status_code == 403
    assert "Comments are closed on this story. Your text is still here to copy." in form.text
    assert '<textarea id="f-body" rows="6" readonly>Typed at length</textarea>' in form.text
    api = await post_comment(client, story["id"], "Typed for the API")
    assert api.status_code == 403 and api.json()["comment"]["body"] == "Typed for the API"
