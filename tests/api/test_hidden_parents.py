"""A held, hidden or rejected comment never takes other readers' replies with it: it shows as
a placeholder that says nothing of it, its approved replies stay in the thread, and every
count equals what is shown (the audit's "10 comments", 8 shown)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api.test_moderation import moderate
from tests.helpers import client_at, posted

pytestmark = pytest.mark.anyio


def flatten(comments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every comment of a nested thread, in the order a page shows them."""
    found: list[dict[str, Any]] = []
    stack = list(reversed(comments))
    while stack:
        comment = stack.pop()
        found.append(comment)
        stack.extend(reversed(comment["replies"]))
    return found


async def thread(client: httpx.AsyncClient, story_id: int) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/stories/{story_id}/comments")
    assert answer.status_code == 200
    return dict(answer.json())


def by_id(page: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {c["id"]: c for c in flatten(page["comments"])}


def assert_counts_match(page: dict[str, Any]) -> None:
    """The API's total is the number of comments shown in full (placeholders are not)."""
    full = [c for c in flatten(page["comments"]) if c["status"] == "approved"]
    assert page["total"] == len(full)


async def assert_page_counts_match(client: httpx.AsyncClient, slug: str) -> str:
    """The story page's heading counts exactly the comments it shows in full."""
    html = (await client.get(f"/stories/{slug}")).text
    total = int(re.search(r'id="comments-title" data-total="(\d+)"', html)[1])  # type: ignore[index]
    in_full = re.findall(r'<li id="c\d+" class="comment(?! deleted)', html)
    assert total == len(in_full)
    return html


async def test_an_edit_a_rule_holds_leaves_the_replies_beneath_it(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.12.0.1") as jonas, client_at(app, "10.12.0.2") as maria:
        top = await posted(maria, story["id"], "What do you all think?", name="Maria Keller")
        reply = await posted(
            jonas, story["id"], "A calm answer", name="Jonas B.", parent_id=top["id"]
        )
        under = await posted(
            maria, story["id"], "Thanks, Jonas", name="Maria Keller", parent_id=reply["id"]
        )
        deeper = await posted(
            jonas, story["id"], "You are welcome", name="Jonas B.", parent_id=under["id"]
        )
        before = await thread(client, story["id"])
        assert before["total"] == 9
        edited = await jonas.patch(
            f"/api/v1/comments/{reply['id']}",
            json={"body": "Only a moron would disagree"},
            headers={"Authorization": f"Bearer {reply['edit_token']}"},
        )
        assert edited.status_code == 200
        assert edited.json()["status"] == "pending"
    page = await thread(client, story["id"])
    shown = by_id(page)
    # Maria's replies are still there, under the placeholder that holds their place.
    assert under["id"] in shown and deeper["id"] in shown
    placeholder = shown[reply["id"]]
    assert placeholder["status"] == "hidden"
    assert (placeholder["name"], placeholder["body_html"], placeholder["website"]) == (
        None,
        "",
        None,
    )
    assert [c["id"] for c in placeholder["replies"]] == [under["id"]]
    assert page["total"] == 8
    assert_counts_match(page)
    # Nothing of the held comment reaches readers, in the API or the page.
    assert "moron" not in str(page) and "calm answer" not in str(page)
    html = await assert_page_counts_match(client, story["slug"])
    assert "moron" not in html
    assert f'<li id="c{reply["id"]}" class="comment deleted' in html
    assert "This comment is hidden." in html
    counts = (await client.get(f"/api/v1/counts?story={story['id']}")).json()
    assert counts["counts"][str(story["id"])] == 8


async def test_reports_hiding_a_top_level_comment_leave_its_replies(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.13.0.1") as author:
        top = await posted(author, story["id"], "Something people dislike", name="Pat")
    async with client_at(app, "10.13.0.2") as other:
        answers = [
            await posted(other, story["id"], f"A fair answer {n}", name="Sam", parent_id=top["id"])
            for n in range(2)
        ]
    for n in range(3):
        async with client_at(app, f"10.13.1.{n}") as someone:
            report = await someone.post(
                f"/api/v1/comments/{top['id']}/reports", json={"reason": "abuse"}
            )
            assert report.status_code == 201
    page = await thread(client, story["id"])
    placeholder = by_id(page)[top["id"]]
    assert placeholder["status"] == "hidden" and placeholder["name"] is None
    assert [c["id"] for c in placeholder["replies"]] == [a["id"] for a in answers]
    assert "people dislike" not in str(page)
    assert page["total"] == 7
    assert_counts_match(page)
    await assert_page_counts_match(client, story["slug"])
    # The permalink of a reply still leads to it; the hidden one's does not exist.
    assert (await client.get(f"/comments/{answers[0]['id']}")).status_code == 302
    assert (await client.get(f"/comments/{top['id']}")).status_code == 404


async def test_rejecting_a_reply_keeps_its_replies_and_approving_restores_it(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.14.0.1") as one, client_at(app, "10.14.0.2") as two:
        top = await posted(one, story["id"], "A question", name="Ann")
        middle = await posted(two, story["id"], "A rude reply", name="Bo", parent_id=top["id"])
        last = await posted(
            one, story["id"], "A patient answer", name="Ann", parent_id=middle["id"]
        )
    assert (await moderate(admin, [middle["id"]], "reject")).status_code == 200
    page = await thread(client, story["id"])
    shown = by_id(page)
    assert shown[middle["id"]]["status"] == "hidden"
    assert last["id"] in shown
    assert_counts_match(page)
    assert (await moderate(admin, [middle["id"]], "approve")).status_code == 200
    page = await thread(client, story["id"])
    assert by_id(page)[middle["id"]]["name"] == "Bo"
    assert page["total"] == 8
    assert_counts_match(page)


async def test_a_hidden_comment_with_nothing_approved_below_it_is_not_shown(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.15.0.1") as one, client_at(app, "10.15.0.2") as two:
        top = await posted(one, story["id"], "A question", name="Ann")
        middle = await posted(two, story["id"], "A rude reply", name="Bo", parent_id=top["id"])
        last = await posted(two, story["id"], "Ruder still", name="Bo", parent_id=middle["id"])
    assert (await moderate(admin, [last["id"], middle["id"]], "reject")).status_code == 200
    page = await thread(client, story["id"])
    shown = by_id(page)
    assert middle["id"] not in shown and last["id"] not in shown
    assert shown[top["id"]]["replies"] == []
    assert_counts_match(page)


async def test_a_hidden_top_level_comment_with_many_replies_keeps_its_pages_of_replies(
    app: Any, admin: httpx.AsyncClient, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "10.16.0.1") as author:
        top = await posted(author, story["id"], "A popular comment", name="Ann")
    replies = []
    for n in range(12):  # more than a story page shows under one comment
        async with client_at(app, f"10.16.1.{n}") as someone:
            replies.append(
                await posted(someone, story["id"], f"Reply {n}", name=f"R{n}", parent_id=top["id"])
            )
    assert (await moderate(admin, [top["id"]], "reject")).status_code == 200
    page = await thread(client, story["id"])
    placeholder = by_id(page)[top["id"]]
    assert placeholder["status"] == "hidden"
    assert len(placeholder["replies"]) == 10 and placeholder["more_replies"] == 2
    rest = await client.get(
        f"/api/v1/comments/{top['id']}/replies?cursor={placeholder['replies_cursor']}"
    )
    assert rest.status_code == 200
    assert [c["id"] for c in rest.json()["comments"]] == [r["id"] for r in replies[10:]]
    html = await client.get(f"/comments/{top['id']}/replies")
    assert html.status_code == 200 and "A popular comment" not in html.text
    # The permalink of the twelfth reply leads to the page of replies that shows it.
    found = await client.get(f"/comments/{replies[11]['id']}")
    assert (
        found.status_code == 302 and f"/comments/{top['id']}/replies" in found.headers["location"]
    )
