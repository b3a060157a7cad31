"""Replies, editing and deleting one's own comment, votes, sorting, counts, avatars."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import make_story
from tests.helpers import posted
from tribune.app import create_app
from tribune.comments import threads
from tribune.settings import Settings

pytestmark = pytest.mark.anyio


async def thread(client: httpx.AsyncClient, story_id: int, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/stories/{story_id}/comments", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


# Replies -------------------------------------------------------------------------------------


async def test_reply_nests_under_its_parent(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    first = (await thread(client, story["id"]))["comments"][0]
    reply = await posted(client, story["id"], "I disagree", parent_id=first["id"])
    assert reply["parent_id"] == first["id"]
    assert reply["number"] == 6
    page = await thread(client, story["id"])
    assert page["total"] == 6
    assert len(page["comments"]) == 5  # still five top-level comments
    assert [r["id"] for r in page["comments"][0]["replies"]] == [reply["id"]]


async def test_deep_replies_show_at_the_display_depth_with_their_real_parent(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    parent = (await thread(client, story["id"]))["comments"][0]["id"]
    ids = []
    for depth in range(1, 6):
        parent = (await posted(client, story["id"], f"depth {depth}", parent_id=parent))["id"]
        ids.append(parent)
    level3 = (await thread(client, story["id"]))["comments"][0]["replies"][0]["replies"][0]
    assert [r["id"] for r in level3["replies"]] == ids[2:]
    assert [r["parent_id"] for r in level3["replies"]] == ids[1:4]
    assert all(r["replies"] == [] for r in level3["replies"])
    html = (await client.get(f"/stories/{story['slug']}")).text
    assert html.count("in reply to") == 2


@pytest.mark.parametrize(
    ("parent_id", "message"),
    [
        (999_999, "There is no comment 999999 to reply to"),
        ("abc", "Parent_id must be the id of a comment"),
        (True, "Parent_id must be the id of a comment"),
        (-1, "Parent_id must be the id of a comment"),
        (2**70, "Parent_id must be the id of a comment"),
    ],
)
async def test_reply_to_a_missing_parent_is_refused(
    client: httpx.AsyncClient, story: dict[str, Any], parent_id: Any, message: str
) -> None:
    response = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "A", "body": "x", "parent_id": parent_id},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"parent_id": message}
    assert (await thread(client, story["id"]))["total"] == 5


async def test_reply_to_a_comment_of_another_story_is_refused(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    other = await make_story(app.state.db, title="Other")
    elsewhere = await posted(client, other, "over there")
    response = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "A", "body": "x", "parent_id": elsewhere["id"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "parent_id": f"Comment {elsewhere['id']} belongs to another story"
    }


async def test_a_chain_deeper_than_pythons_recursion_limit(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    from tests.factories import KEYS
    from tribune.comments import service
    from tribune.readers import Reader

    parent: int | None = None
    for i in range(1_050):
        extra: dict[str, int] = {"parent_id": parent} if parent else {}
        comment = await service.post_comment(
            app.state.db,
            story["id"],
            {"name": "D", "body": f"{i}", **extra},
            keys=KEYS,
            reader=Reader(),
            events=app.state.broker,
        )
        parent = comment["id"]
    page = await thread(client, story["id"], sort="newest", limit=1)
    assert page["total"] == 1_055
    chain = page["comments"][0]
    # The page shows the chain's first ten replies (depths 1 and 2, then eight beside each
    # other at depth 3); the pages of its replies bring the others, nested the same way.
    assert len(chain["replies"][0]["replies"][0]["replies"]) == threads.REPLIES_SHOWN - 2
    assert chain["more_replies"] == 1_049 - threads.REPLIES_SHOWN
    cursor, seen = chain["replies_cursor"], threads.REPLIES_SHOWN
    while cursor:
        more = await client.get(
            f"/api/v1/comments/{chain['id']}/replies", params={"cursor": cursor, "limit": 100}
        )
        assert all(reply["replies"] == [] for reply in more.json()["comments"])
        seen += len(more.json()["comments"])
        cursor = more.json()["next_cursor"]
    assert seen == 1_049
    html = await client.get(f"/stories/{story['slug']}")
    assert html.status_code == 200
    assert html.text.count('class="comment"') == 5 + 1 + threads.REPLIES_SHOWN
    located = await client.get(f"/comments/{parent}", follow_redirects=True)
    assert located.url.fragment == f"c{parent}"
    assert f'id="c{parent}"' in located.text


# Edit and delete -----------------------------------------------------------------------------


async def test_author_edits_with_the_token(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "First *draft*")
    assert mine["edit_token"]
    response = await client.patch(
        f"/api/v1/comments/{mine['id']}",
        json={"body": "Second **draft**"},
        headers={"authorization": f"Bearer {mine['edit_token']}"},
    )
    assert response.status_code == 200
    edited = response.json()
    assert "<strong>draft</strong>" in edited["body_html"]
    assert edited["edited_at"] is not None
    assert edited["number"] == mine["number"]
    html = (await client.get(f"/stories/{story['slug']}")).text
    assert "Second <strong>draft</strong>" in html
    assert "edited" in html


@pytest.mark.parametrize("token", [None, "", "garbage", "other"])
async def test_edit_without_the_right_token_is_403(
    client: httpx.AsyncClient, story: dict[str, Any], token: str | None
) -> None:
    mine = await posted(client, story["id"], "mine")
    other = await posted(client, story["id"], "not mine")
    headers = {}
    if token == "other":
        headers["authorization"] = f"Bearer {other['edit_token']}"
    elif token is not None:
        headers["authorization"] = f"Bearer {token}"
    for response in (
        await client.patch(
            f"/api/v1/comments/{mine['id']}", json={"body": "hijack"}, headers=headers
        ),
        await client.delete(f"/api/v1/comments/{mine['id']}", headers=headers),
    ):
        assert response.status_code == 403
        assert "token" in response.json()["detail"]
    page = await thread(client, story["id"])
    assert any(c["id"] == mine["id"] and "mine" in c["body_html"] for c in page["comments"])


async def test_edit_after_the_window_is_403(settings: Settings, story: dict[str, Any]) -> None:
    closed = create_app(settings.model_copy(update={"edit_minutes": 0}))
    transport = httpx.ASGITransport(app=closed)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        mine = await posted(client, story["id"], "too late")
        response = await client.patch(
            f"/api/v1/comments/{mine['id']}",
            json={"body": "changed"},
            headers={"authorization": f"Bearer {mine['edit_token']}"},
        )
    await closed.state.db.dispose()
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Comments can be changed for 0 minutes after posting; that time has passed"
    )


async def test_edit_with_an_empty_body_is_422(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "keep me")
    response = await client.patch(
        f"/api/v1/comments/{mine['id']}",
        json={"body": "  "},
        headers={"authorization": f"Bearer {mine['edit_token']}"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": "Please enter your comment!"}


async def test_delete_without_replies_removes_it_and_keeps_numbers(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "oops")
    later = await posted(client, story["id"], "later")
    response = await client.delete(
        f"/api/v1/comments/{mine['id']}", headers={"authorization": f"Bearer {mine['edit_token']}"}
    )
    assert response.status_code == 204
    page = await thread(client, story["id"])
    assert page["total"] == 6
    assert [c["number"] for c in page["comments"]] == [1, 2, 3, 4, 5, later["number"]]
    assert later["number"] == 7
    assert (await client.get(f"/comments/{mine['id']}")).status_code == 404


async def test_delete_with_replies_leaves_a_placeholder_until_the_last_reply_goes(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "parent")
    reply = await posted(client, story["id"], "reply", parent_id=mine["id"])
    await client.delete(
        f"/api/v1/comments/{mine['id']}", headers={"authorization": f"Bearer {mine['edit_token']}"}
    )
    page = await thread(client, story["id"])
    placeholder = page["comments"][-1]
    assert placeholder["id"] == mine["id"]
    assert placeholder["status"] == "deleted"
    assert (placeholder["name"], placeholder["body_html"], placeholder["website"]) == (
        None,
        "",
        None,
    )
    assert [r["id"] for r in placeholder["replies"]] == [reply["id"]]
    assert page["total"] == 6  # five plus the reply; the placeholder is no comment
    html = (await client.get(f"/stories/{story['slug']}")).text
    assert "[deleted]" in html and "parent" not in html.split('id="comments"')[1].split("<form")[0]
    await client.delete(
        f"/api/v1/comments/{reply['id']}",
        headers={"authorization": f"Bearer {reply['edit_token']}"},
    )
    page = await thread(client, story["id"])
    assert [c["number"] for c in page["comments"]] == [1, 2, 3, 4, 5]
    assert page["total"] == 5


async def test_deleted_comment_cannot_be_edited_or_replied_to(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    mine = await posted(client, story["id"], "parent")
    await posted(client, story["id"], "reply", parent_id=mine["id"])
    auth = {"authorization": f"Bearer {mine['edit_token']}"}
    await client.delete(f"/api/v1/comments/{mine['id']}", headers=auth)
    edit = await client.patch(f"/api/v1/comments/{mine['id']}", json={"body": "back"}, headers=auth)
    assert edit.status_code == 404
    reply = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "A", "body": "x", "parent_id": mine["id"]},
    )
    assert reply.status_code == 422
    assert reply.json()["errors"] == {"parent_id": f"Comment {mine['id']} cannot be replied to"}


# Votes ---------------------------------------------------------------------------------------


async def vote(client: httpx.AsyncClient, comment_id: int, value: Any) -> httpx.Response:
    return await client.post(f"/api/v1/comments/{comment_id}/votes", json={"value": value})


async def test_one_vote_per_reader_changed_or_withdrawn(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    target = (await thread(client, story["id"]))["comments"][0]["id"]
    first = await vote(client, target, 1)
    assert first.json() == {"score": 1, "value": 1}
    assert "tribune_voter" in first.headers["set-cookie"]
    assert (await vote(client, target, 1)).json() == {"score": 1, "value": 1}
    assert (await vote(client, target, -1)).json() == {"score": -1, "value": -1}
    assert (await vote(client, target, 0)).json() == {"score": 0, "value": 0}
    assert (await vote(client, target, 1)).json() == {"score": 1, "value": 1}
    # Without its cookie a browser is a new reader, as another reader on its address is
    # (TRIBUNE_VOTERS_PER_ADDRESS bounds how many: tests/api/test_shared_address.py).
    client.cookies.clear()
    assert (await vote(client, target, 1)).json() == {"score": 2, "value": 1}
    page = await thread(client, story["id"])
    assert page["comments"][0]["score"] == 2


@pytest.mark.parametrize("value", [2, -2, "1", True, None, 0.5])
async def test_bad_vote_value_is_422(
    client: httpx.AsyncClient, story: dict[str, Any], value: Any
) -> None:
    target = (await thread(client, story["id"]))["comments"][0]["id"]
    response = await vote(client, target, value)
    assert response.status_code == 422
    assert response.json()["errors"] == {"value": "Value must be 1 (up), -1 (down) or 0 (withdraw)"}


async def test_vote_on_a_missing_comment_is_404(client: httpx.AsyncClient) -> None:
    assert (await vote(client, 12345, 1)).status_code == 404


# Sorting and pagination ---------------------------------------------------------------------


async def test_top_and_most_replies_orders_are_stable_across_pages(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    comments = (await thread(client, story["id"]))["comments"]
    ids = [c["id"] for c in comments]
    await vote(client, ids[3], 1)
    for _ in range(2):
        await posted(client, story["id"], "r", parent_id=ids[1])
    await posted(client, story["id"], "r", parent_id=ids[4])
    top: list[int] = []
    cursor = None
    while True:
        page = await thread(
            client, story["id"], sort="top", limit=2, **({"cursor": cursor} if cursor else {})
        )
        top += [c["id"] for c in page["comments"]]
        if not (cursor := page["next_cursor"]):
            break
    assert top == [ids[3], ids[4], ids[2], ids[1], ids[0]]
    replies = await thread(client, story["id"], sort="replies")
    assert [c["id"] for c in replies["comments"]] == [ids[1], ids[4], ids[3], ids[2], ids[0]]


# Counts and avatars -------------------------------------------------------------------------


async def test_counts_for_many_stories(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    other = await make_story(app.state.db, title="Quiet story")
    response = await client.get(
        "/api/v1/counts", params=[("story", story["id"]), ("story", other), ("story", 424242)]
    )
    assert response.json() == {"counts": {str(story["id"]): 5, str(other): 0}}
    assert (await client.get("/api/v1/counts", params=[("story", "x")])).status_code == 422
    # A tuple: a list of (str, str) is no list of httpx's param pairs (lists are invariant).
    many = tuple(("story", str(i)) for i in range(1, 102))
    response = await client.get("/api/v1/counts", params=many)
    assert response.status_code == 422
    assert response.json()["errors"] == {"story": "At most 100 stories per request"}


async def test_identicons_are_keyed_and_served_from_here(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    a = await posted(client, story["id"], email="ana@example.org")
    again = await posted(client, story["id"], email="ANA@example.org")
    other = await posted(client, story["id"], email="bob@example.org")
    assert a["avatar_url"] == again["avatar_url"] != other["avatar_url"]
    assert a["avatar_url"].startswith("/avatars/") and "ana" not in a["avatar_url"]
    svg = await client.get(a["avatar_url"])
    assert svg.status_code == 200
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.text.startswith("<svg") and "<script" not in svg.text
    assert (await client.get("/avatars/../../etc.svg")).status_code == 404
    assert (await client.get("/avatars/zz.svg")).status_code == 404
