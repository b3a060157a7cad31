"""A comment with hundreds of replies (finding E35): every page of the discussion stays bounded
(the story page, its /thread fragment, the JSON thread), and "Show N more replies" links, plain
GETs without JavaScript and cursors in the API, lead to every reply exactly once, in the order
the whole thread would show them."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import html5lib  # type: ignore[import-untyped]
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.api.test_no_server_errors import FUZZ
from tests.api.test_schemas import exactly
from tests.factories import make_comment, make_replies, make_story
from tests.helpers import csrf_of, posted
from tribune.comments import schemas, threads

pytestmark = pytest.mark.anyio

SHOWN = threads.REPLIES_SHOWN


def in_thread_order(root: int, replies: list[dict[str, Any]], depth: int = 3) -> list[int]:
    """The ids of a top-level comment's replies in the order the whole thread shows them, worked
    out on its own: each reply under its parent, siblings oldest first; a comment one level
    above the display depth lists all its descendants in posting order beside each other."""
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for reply in sorted(replies, key=lambda r: r["number"]):
        children[reply["parent_id"]].append(reply)

    def below(comment_id: int) -> Iterator[dict[str, Any]]:
        for child in children[comment_id]:
            yield child
            yield from below(child["id"])

    def walk(comment_id: int, level: int) -> Iterator[int]:
        if level == depth - 1:
            yield from (r["id"] for r in sorted(below(comment_id), key=lambda r: r["number"]))
            return
        for child in children[comment_id]:
            yield child["id"]
            yield from walk(child["id"], level + 1)

    return list(walk(root, 0))


async def crowd(db: Any, story_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A top-level comment with 500 replies, four levels deep, and its replies."""
    root = await make_comment(db, story_id, "The comment everyone answers")
    first = await make_replies(db, story_id, [root["id"]] * 250)
    second = await make_replies(db, story_id, [first[n % 30]["id"] for n in range(150)])
    third = await make_replies(db, story_id, [second[n % 35]["id"] for n in range(70)])
    fourth = await make_replies(db, story_id, [third[n % 30]["id"] for n in range(30)])
    return root, first + second + third + fourth


def parse(html: str) -> Any:
    return html5lib.parse(html, namespaceHTMLElements=False)


def comment_ids(node: Any) -> list[int]:
    """The comments inside an element (not itself), in document order."""
    return [int(li.get("id")[1:]) for li in node.iterfind(".//li") if "comment" in li.get("class")]


def top_level(doc: Any, comment_id: int) -> Any:
    found = [li for li in doc.iterfind(".//li") if li.get("id") == f"c{comment_id}"]
    assert len(found) == 1
    return found[0]


def more_link(item: Any) -> tuple[str, str] | None:
    """The text and address of the "Show N more replies" link of a top-level comment."""
    links = [
        a for p in item.findall("p") if p.get("class") == "more-replies" for a in p.iterfind("a")
    ]
    assert len(links) <= 1
    return (" ".join("".join(links[0].itertext()).split()), links[0].get("href")) if links else None


def flatten(comments: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Comments as nested in the API, in the order they show."""
    for comment in comments:
        yield comment
        yield from flatten(comment["replies"])


async def html_replies(
    client: httpx.AsyncClient, path: str, root_id: int
) -> tuple[list[int], list[int]]:
    """Every reply the story page or fragment at ``path`` shows under the top-level comment,
    then every reply reached by following its "Show N more replies" links, as plain GETs."""
    response = await client.get(path)
    assert response.status_code == 200
    item = top_level(parse(response.text), root_id)
    shown = comment_ids(item)
    followed: list[int] = []
    while (link := more_link(item)) is not None:
        text, href = link
        assert href.startswith(f"/comments/{root_id}/replies?after=")
        page = await client.get(href)
        assert page.status_code == 200
        doc = parse(page.text)
        # The page of replies: the top-level comment once, then at most a page of replies.
        ids = comment_ids(doc.find(".//ol[@class='comments']"))
        assert ids[0] == root_id
        assert 1 <= len(ids) - 1 <= threads.PAGE_SIZE
        left = len(ids) - 1
        assert text.startswith("Show ") and text.endswith(("more replies", "more reply"))
        promised = int(text.split()[1].replace(",", ""))
        item = top_level(doc, root_id)
        followed += ids[1:]
        after = more_link(item)
        # "N more replies" is what the links lead to, this page and the ones after it.
        following = 0 if after is None else int(after[0].split()[1].replace(",", ""))
        assert promised == left + following
    return shown, followed


async def test_a_crowded_comment_is_cut_and_its_replies_follow_in_thread_order(
    app: Any, client: httpx.AsyncClient
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Crowded")
    slug = (await client.get(f"/api/v1/stories/{story_id}")).json()["slug"]
    root, replies = await crowd(db, story_id)
    quiet = await make_comment(db, story_id, "A comment with a few replies")
    quiet_replies = await make_replies(db, story_id, [quiet["id"]] * SHOWN)
    expected = in_thread_order(root["id"], replies)
    assert len(expected) == 500
    quiet_ids = in_thread_order(quiet["id"], quiet_replies)

    # Without JavaScript: the story page and the fragment show ten replies and a link to the
    # rest; the pages it leads to, one after another, show each of the others once, in order.
    for path in (f"/stories/{slug}", f"/stories/{slug}/thread"):
        shown, followed = await html_replies(client, path, root["id"])
        assert shown == expected[:SHOWN]
        assert followed == expected[SHOWN:]
        page = parse((await client.get(path)).text)
        assert more_link(top_level(page, root["id"]))[0] == "Show 490 more replies"  # type: ignore[index]
        # The comment with only a few replies shows them all, with no link.
        quiet_item = top_level(page, quiet["id"])
        assert comment_ids(quiet_item) == quiet_ids
        assert more_link(quiet_item) is None
        assert len(comment_ids(page)) == 2 + SHOWN + SHOWN

    # The API: the thread page cuts the replies and says how many are left and where they are.
    page = (await client.get(f"/api/v1/stories/{story_id}/comments")).json()
    exactly(schemas.ThreadPage, page)
    crowded, calm = page["comments"]
    assert [c["id"] for c in flatten(crowded["replies"])] == expected[:SHOWN]
    assert crowded["more_replies"] == 490
    assert "more_replies" not in calm and "replies_cursor" not in calm
    assert [c["id"] for c in flatten(calm["replies"])] == quiet_ids
    cursor, seen, placed = (
        crowded["replies_cursor"],
        expected[:SHOWN],
        {root["id"], *expected[:SHOWN]},
    )
    pages = 0
    while cursor is not None:
        response = await client.get(
            f"/api/v1/comments/{root['id']}/replies", params={"cursor": cursor, "limit": 100}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        exactly(schemas.RepliesPage, body)
        assert body["total"] == 500
        flat = list(flatten(body["comments"]))
        assert 1 <= len(flat) <= 100
        # A reply at the top of a page answers one shown before it (on an earlier page, or
        # beside it at the display depth).
        for comment in body["comments"]:
            assert comment["parent_id"] in placed
            placed |= {c["id"] for c in flatten([comment])}
        seen += [c["id"] for c in flat]
        cursor, pages = body["next_cursor"], pages + 1
    assert seen == expected
    assert pages == 5  # 490 replies, 100 a page
    # From the start, without a cursor, in pages of 50.
    whole = await client.get(f"/api/v1/comments/{root['id']}/replies")
    assert [c["id"] for c in flatten(whole.json()["comments"])] == expected[:50]

    # A permalink leads to the page that shows the reply: the story page for the first ten,
    # else the page of replies that the links lead to.
    for index in (3, SHOWN, 200, 499):
        reply_id = expected[index]
        found = await client.get(f"/comments/{reply_id}", follow_redirects=True)
        assert found.status_code == 200
        assert f'id="c{reply_id}"' in found.text
        on_story_page = found.url.path == f"/stories/{slug}"
        assert on_story_page == (index < SHOWN), found.url
        if not on_story_page:
            assert found.url.path == f"/comments/{root['id']}/replies"
            start = SHOWN + (index - SHOWN) // threads.PAGE_SIZE * threads.PAGE_SIZE
            assert comment_ids(parse(found.text))[1] == expected[start]


async def test_a_new_reply_changes_the_cached_pages(app: Any, client: httpx.AsyncClient) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Growing")
    root = await make_comment(db, story_id, "Root")
    await make_replies(db, story_id, [root["id"]] * (SHOWN + 3))
    thread = f"/api/v1/stories/{story_id}/comments"
    replies = f"/api/v1/comments/{root['id']}/replies"
    first = (await client.get(thread)).json()["comments"][0]
    assert first["more_replies"] == 3
    rest = await client.get(replies, params={"cursor": first["replies_cursor"]})
    stores = app.state.thread_cache.stores
    assert (await client.get(replies, params={"cursor": first["replies_cursor"]})).content == (
        rest.content
    )
    assert (await client.get(thread)).json()["comments"][0] == first
    assert app.state.thread_cache.stores == stores  # both read from the cache
    late = await posted(client, story_id, "One more", parent_id=root["id"])
    assert (await client.get(thread)).json()["comments"][0]["more_replies"] == 4
    again = (await client.get(replies, params={"cursor": first["replies_cursor"]})).json()
    assert again["total"] == SHOWN + 4
    assert [c["id"] for c in again["comments"]][-1] == late["id"]


async def test_deleted_placeholders_count_and_pages_are_capped_overall(
    app: Any, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Placeholders")
    # Six replies with a reply each, two of them then deleted by their authors: ten counted
    # replies, twelve shown (the placeholders hold their replies' place).
    root = await posted(client, story_id, "Root")
    first = [await posted(client, story_id, f"r{n}", parent_id=root["id"]) for n in range(6)]
    for reply in first:
        await posted(client, story_id, f"under {reply['id']}", parent_id=reply["id"])
    for reply in first[:2]:
        deleted = await client.delete(
            f"/api/v1/comments/{reply['id']}",
            headers={"Authorization": f"Bearer {reply['edit_token']}"},
        )
        assert deleted.status_code == 204
    page = (await client.get(f"/api/v1/stories/{story_id}/comments")).json()["comments"][0]
    shown = list(flatten(page["replies"]))
    assert len(shown) == SHOWN
    assert shown[0]["status"] == "deleted"
    assert page["more_replies"] == 2
    rest = await client.get(
        f"/api/v1/comments/{root['id']}/replies", params={"cursor": page["replies_cursor"]}
    )
    assert len(list(flatten(rest.json()["comments"]))) == 2

    # However many top-level comments a page holds, it holds COMMENTS_MAX comments at most:
    # the first ones keep their ten replies, later ones fewer, each with the link to the rest.
    monkeypatch.setattr(threads, "COMMENTS_MAX", 30)
    others = [await make_comment(db, story_id, f"top {n}") for n in range(3)]
    for other in others:
        await make_replies(db, story_id, [other["id"]] * (SHOWN + 1), body=f"to {other['id']}")
    listed = (await client.get(f"/api/v1/stories/{story_id}/comments")).json()["comments"]
    assert sum(1 for _ in flatten(listed)) == 30
    assert [len(list(flatten(c["replies"]))) for c in listed] == [10, 10, 6, 0]
    assert [c["more_replies"] for c in listed] == [2, 1, 5, 11]
    for comment in listed[1:]:
        more = await client.get(
            f"/api/v1/comments/{comment['id']}/replies",
            params={"cursor": comment["replies_cursor"]},
        )
        seen = [c["id"] for c in flatten(comment["replies"])]
        seen += [c["id"] for c in flatten(more.json()["comments"])]
        assert len(seen) == len(set(seen)) == SHOWN + 1


@pytest.mark.parametrize(
    ("params", "field"),
    [({"cursor": "not-a-cursor"}, "cursor"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit")],
)
async def test_bad_replies_query_is_422_naming_the_parameter(
    client: httpx.AsyncClient, story: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    top = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["comments"][0]
    response = await client.get(f"/api/v1/comments/{top['id']}/replies", params=params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


async def test_replies_pages_of_what_is_not_a_top_level_comment_are_404(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    tops = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()["comments"]
    reply = await posted(client, story["id"], "A reply", parent_id=tops[0]["id"])
    for comment_id in (reply["id"], 999_999):
        assert (await client.get(f"/api/v1/comments/{comment_id}/replies")).status_code == 404
        assert (await client.get(f"/comments/{comment_id}/replies")).status_code == 404
    # A cursor made for another comment's replies is not taken for these.
    other = threads.encode_replies_cursor(tops[1]["id"], (1,))
    wrong = await client.get(f"/api/v1/comments/{tops[0]['id']}/replies", params={"cursor": other})
    assert wrong.status_code == 422
    page = await client.get(f"/comments/{tops[0]['id']}/replies", params={"after": other})
    assert page.status_code == 422


async def test_votes_on_a_reply_beyond_the_story_page_lead_back_to_it(
    app: Any, client: httpx.AsyncClient
) -> None:
    db = app.state.db
    story_id = await make_story(db, title="Voting")
    root = await make_comment(db, story_id, "Root")
    replies = await make_replies(db, story_id, [root["id"]] * (SHOWN + 5))
    last = max(replies, key=lambda reply: reply["number"])["id"]  # the last in thread order
    page = f"/comments/{root['id']}/replies"
    token = await csrf_of(client, page)
    voted = await client.post(
        f"/comments/{last}/vote", data={"value": "1", "csrf_token": token}, follow_redirects=True
    )
    assert voted.status_code == 200
    assert voted.url.path == page
    assert f'id="c{last}"' in voted.text


def raw_cursor(values: list[Any]) -> str:
    """A cursor as a client could forge one, integers of any size included."""
    return base64.urlsafe_b64encode(json.dumps(values).encode()).rstrip(b"=").decode()


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["cursor", "limit", "after", "at"]),
        st.text(max_size=60)
        | st.lists(st.integers(min_value=-(2**70), max_value=2**70), max_size=4).map(
            lambda values: raw_cursor(["tree", 1, *values])
        ),
        max_size=3,
    )
)
async def test_any_replies_query_never_fails_on_our_side(
    client: httpx.AsyncClient, story: dict[str, Any], params: dict[str, str]
) -> None:
    for path in ("/api/v1/comments/1/replies", "/comments/1/replies"):
        response = await client.get(path, params=params)
        assert response.status_code in (200, 302, 422), (path, params, response.text[:300])
