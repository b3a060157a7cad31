"""The comments API: reading threads, posting, and every bad input's clear answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from tribune.comments.validation import EMPTY_BODY, EMPTY_NAME
from tribune.storage.tables import comments, threads

pytestmark = pytest.mark.anyio


async def comment_rows(app: Any) -> int:
    async with app.state.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(comments))).scalar_one())


async def test_thread_of_the_demo_story(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    response = await client.get(f"/api/v1/stories/{story['id']}/comments")
    assert response.status_code == 200
    thread = response.json()
    assert thread["total"] == 5
    assert thread["next_cursor"] is None
    assert [c["number"] for c in thread["comments"]] == [1, 2, 3, 4, 5]
    first = thread["comments"][0]
    assert first["name"] == "Anonymous"
    assert first["body_html"].startswith("<p>Once Putin kept eyes closed")
    assert set(first) == {
        "id",
        "parent_id",
        "number",
        "name",
        "website",
        "avatar_url",
        "body_html",
        "created_at",
        "edited_at",
        "score",
        "status",
        "featured",
        "replies",
    }
    assert first["status"] == "approved"
    assert thread["featured"] == []


async def test_post_comment_returns_201_and_shows_in_thread(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    payload = {
        "name": "  Reader  ",
        "body": "A *considered* view with a [link](https://example.org).",
        "email": "reader@example.org",
        "website": "https://reader.example",
    }
    response = await client.post(f"/api/v1/stories/{story['id']}/comments", json=payload)
    assert response.status_code == 201
    created = response.json()
    assert created["number"] == 6
    assert created["name"] == "Reader"
    assert created["website"] == "https://reader.example"
    assert "<em>considered</em>" in created["body_html"]
    assert 'rel="nofollow ugc noopener noreferrer"' in created["body_html"]
    assert response.headers["location"] == f"/comments/{created['id']}"
    assert "email" not in created and "reader@example.org" not in response.text

    thread = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert thread["total"] == 6
    assert thread["comments"][-1]["id"] == created["id"]
    assert "reader@example.org" not in str(thread)


async def test_post_without_name_and_body_gets_both_messages(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    response = await client.post(f"/api/v1/stories/{story['id']}/comments", json={})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"] == {"name": EMPTY_NAME, "body": EMPTY_BODY}
    assert problem["status"] == 422
    # RFC 9110's name, whatever Python's HTTPStatus calls it in this version.
    assert problem["title"] == "Unprocessable Content"
    assert await comment_rows(app) == 5


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "A", "body": "x" * 10_001}, "body"),
        ({"name": "A" * 101, "body": "x"}, "name"),
        ({"name": "A", "body": "x", "email": "nope"}, "email"),
        ({"name": "A", "body": "x", "website": "javascript:alert(1)"}, "website"),
        ({"name": "A", "body": "x", "website": "ftp://x.org"}, "website"),
        ({"name": "A\r\nX-Injected: 1", "body": "x"}, "name"),
        ({"name": ["A"], "body": "x"}, "name"),
    ],
)
async def test_invalid_field_is_422_naming_it_and_stores_nothing(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any], payload: dict[str, Any], field: str
) -> None:
    response = await client.post(f"/api/v1/stories/{story['id']}/comments", json=payload)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert await comment_rows(app) == 5


@pytest.mark.parametrize(
    ("content", "content_type", "status", "detail"),
    [
        (b'{"name": "A", "body": ', "application/json", 400, "not valid JSON"),
        (b'["A", "x"]', "application/json", 400, "must be a JSON object"),
        (b'{"name": "A", "body": "\xff"}', "application/json", 400, "not valid UTF-8"),
        (b'{"name": "A", "body": "\\ud800"}', "application/json", 400, "not valid JSON"),
        (b"name=A&body=x", "application/x-www-form-urlencoded", 415, "application/json"),
        (b'{"name": "A", "body": "x"}', "text/plain", 415, "application/json"),
        (b'{"name": "A", "body": "x"}', "", 415, "application/json"),
    ],
)
async def test_malformed_requests_are_rejected_with_a_message(
    client: httpx.AsyncClient,
    app: Any,
    story: dict[str, Any],
    content: bytes,
    content_type: str,
    status: int,
    detail: str,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        f"/api/v1/stories/{story['id']}/comments", content=content, headers=headers
    )
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert await comment_rows(app) == 5


async def test_oversized_body_is_413(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    big = b'{"name": "A", "body": "' + b"x" * 300_000 + b'"}'
    response = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        content=big,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert await comment_rows(app) == 5


async def test_post_to_unknown_story_is_404(client: httpx.AsyncClient, app: Any) -> None:
    response = await client.post("/api/v1/stories/12345/comments", json={"name": "A", "body": "x"})
    assert response.status_code == 404
    assert await comment_rows(app) == 0


async def test_astral_and_hostile_text_round_trips(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    body = "𝕏 😀 {{7*7}} <script>alert(1)</script> ]]> &amp;"
    response = await client.post(
        f"/api/v1/stories/{story['id']}/comments", json={"name": "Zoë 😀 <b>", "body": body}
    )
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Zoë 😀 <b>"
    assert created["body_html"] == (
        "<p>𝕏 😀 {{7*7}} &lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; &amp;</p>\n"
    )
    page = await client.get(f"/stories/{story['slug']}")
    assert "Zoë 😀 &lt;b&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    # Template syntax in a comment stays text: "{{7*7}}" shows, "49" never appears in its body.
    body = page.text.split(f'id="c{created["id"]}"')[1].split('class="comment-body" dir="auto">')[1]
    body = body.split("</div>")[0]
    assert "{{7*7}}" in body and "49" not in body


async def test_thread_pagination_with_cursor_and_sorts(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    for i in range(7):
        await client.post(
            f"/api/v1/stories/{story['id']}/comments", json={"name": "N", "body": f"more {i}"}
        )
    numbers: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"/api/v1/stories/{story['id']}/comments", params=params)).json()
        assert page["total"] == 12
        numbers += [c["number"] for c in page["comments"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert numbers == list(range(1, 13))
    newest = (
        await client.get(f"/api/v1/stories/{story['id']}/comments", params={"sort": "newest"})
    ).json()
    assert [c["number"] for c in newest["comments"]] == list(range(12, 0, -1))
    top = (
        await client.get(f"/api/v1/stories/{story['id']}/comments", params={"sort": "top"})
    ).json()
    # All tie at score 0: the newest first (ties broken by id, in the order of the sort).
    assert [c["number"] for c in top["comments"]] == list(range(12, 0, -1))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "best"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
        ({"cursor": "WyJuZXdlc3QiLDFd"}, "cursor"),  # a 'newest' cursor used with 'oldest'
        ({"cursor": "x" * 600}, "cursor"),
    ],
)
async def test_bad_thread_query_is_422_naming_the_parameter(
    client: httpx.AsyncClient, story: dict[str, Any], params: dict[str, Any], field: str
) -> None:
    response = await client.get(f"/api/v1/stories/{story['id']}/comments", params=params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


async def test_numbers_stay_unique_under_concurrent_posts(
    client: httpx.AsyncClient, app: Any, story: dict[str, Any]
) -> None:
    import asyncio

    async def post(i: int) -> int:
        response = await client.post(
            f"/api/v1/stories/{story['id']}/comments", json={"name": "C", "body": f"c{i}"}
        )
        assert response.status_code == 201
        return int(response.json()["number"])

    numbers = await asyncio.gather(*(post(i) for i in range(20)))
    assert sorted(numbers) == list(range(6, 26))
    async with app.state.db.read() as conn:
        row = (await conn.execute(select(threads.c.comment_count, threads.c.comment_seq))).one()
    assert tuple(row) == (25, 25)
