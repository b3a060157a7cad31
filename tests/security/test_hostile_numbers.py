"""X2 and X3: every integer a client sends is ASCII digits, range-checked, and refused with a
422 naming the field; a cursor holding a number no column can store is malformed, not a 500.
("²" is a digit to str.isdigit() but not to int(); 2**63 overflows both databases.)"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.helpers import csrf_of, post_comment

pytestmark = pytest.mark.anyio

SUPERSCRIPT = "²"
TOO_BIG = 2**63


def names_field(answer: httpx.Response, field: str) -> bool:
    return answer.status_code == 422 and field in answer.text


async def test_counts_story_ids(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/counts", params={"story": SUPERSCRIPT})
    assert names_field(answer, "story")


async def test_thread_limit(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    answer = await client.get(f"/api/v1/stories/{story['id']}/comments?limit={SUPERSCRIPT}")
    assert names_field(answer, "limit")


async def test_parent_id_in_the_api(client: httpx.AsyncClient, story: dict[str, Any]) -> None:
    answer = await post_comment(client, story["id"], "A reply", parent_id=SUPERSCRIPT)
    assert names_field(answer, "parent_id")
    assert answer.json()["comment"]["body"] == "A reply"  # what the reader typed comes back


async def test_parent_id_in_the_form_keeps_the_text(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    path = f"/stories/{story['slug']}"
    answer = await client.post(
        f"{path}/comments",
        data={
            "name": "Ana",
            "body": "Typed with care",
            "parent_id": SUPERSCRIPT,
            "csrf_token": await csrf_of(client, path),
        },
    )
    assert answer.status_code == 422
    assert "Typed with care" in answer.text


async def test_content_length_in_unicode_digits(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    answer = await client.post(
        f"/stories/{story['slug']}/comments",
        content=b"name=A&body=b",
        headers={"content-type": "application/x-www-form-urlencoded", "content-length": "13"},
    )
    assert answer.status_code < 500
    weird = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        content=b'{"name": "A", "body": "b"}',
        headers={b"content-type": b"application/json", b"content-length": b"\xb2"},  # "²"
    )
    assert weird.status_code < 500


@pytest.mark.parametrize(
    "pairs",
    [
        [("one", f"{SUPERSCRIPT}:approve")],
        [("action", "approve"), ("ids", SUPERSCRIPT)],
        [("action", "ban"), ("ids", "1"), ("ban_days", SUPERSCRIPT)],
    ],
    ids=["one", "ids", "ban_days"],
)
async def test_queue_forms(
    admin: httpx.AsyncClient, story: dict[str, Any], pairs: list[tuple[str, str]]
) -> None:
    token = await csrf_of(admin, "/admin/moderation")
    answer = await admin.post(
        "/admin/moderation",
        content=urlencode([("csrf_token", token), *pairs]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 422, answer.text
    if pairs[-1][0] == "ban_days":
        assert "Days must be a whole number" in answer.text


async def test_ban_days(admin: httpx.AsyncClient, app: Any) -> None:
    token = await csrf_of(admin, "/admin/bans")
    value = app.state.keys.client_hash("10.9.9.9")
    answer = await admin.post(
        "/admin/bans",
        data={"kind": "client", "value": value, "days": SUPERSCRIPT, "csrf_token": token},
    )
    assert answer.status_code == 422 and "Days must be a whole number" in answer.text


def raw_cursor(json_text: str) -> str:
    """A cursor as a client could forge it (ours never holds such numbers)."""
    return base64.urlsafe_b64encode(json_text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("oldest", raw_cursor(f'["oldest", {TOO_BIG}]')),
        ("top", raw_cursor(f'["top", {TOO_BIG}, 1]')),
        ("top", raw_cursor(f'["top", -{TOO_BIG + 1}, 1]')),
    ],
)
async def test_overflowing_thread_cursors(
    client: httpx.AsyncClient, story: dict[str, Any], sort: str, value: str
) -> None:
    api = await client.get(f"/api/v1/stories/{story['id']}/comments?cursor={value}&sort={sort}")
    assert names_field(api, "cursor")
    for path in (f"/stories/{story['slug']}", f"/stories/{story['slug']}/thread"):
        page = await client.get(f"{path}?after={value}&sort={sort}")
        assert 400 <= page.status_code < 500, (path, page.status_code)


async def test_overflowing_stories_cursor(client: httpx.AsyncClient) -> None:
    value = raw_cursor(f'["2026-11-01T00:00:00Z", {TOO_BIG}]')
    assert names_field(await client.get(f"/api/v1/stories?cursor={value}"), "cursor")


@pytest.mark.parametrize("reason", [{}, [], 3, None])
async def test_a_report_reason_that_is_not_text(
    client: httpx.AsyncClient, story: dict[str, Any], reason: Any
) -> None:
    """Found by make fuzz: a dict as the reason was a 500 (unhashable in the set test)."""
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    answer = await client.post(
        f"/api/v1/comments/{page['comments'][0]['id']}/reports", json={"reason": reason}
    )
    assert names_field(answer, "reason")
