"""E36b: a post retried with its Idempotency-Key is one comment, and two identical posts
sent at the same moment do not both pass the duplicate rule."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.helpers import client_at, held_for, post_comment

pytestmark = pytest.mark.anyio

TEXT = "The very same opinion, sent by a script twice over"


async def test_a_retried_post_is_one_comment(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "4f1c2a9e-retry"}
    path = f"/api/v1/stories/{story['id']}/comments"
    first = await client.post(path, json={"name": "Ana", "body": "Once only"}, headers=key)
    # A retry comes a while later (the answer was lost on the way): a second or more, when
    # a token signed at the moment of asking would differ.
    await asyncio.sleep(1.05)
    again = await client.post(path, json={"name": "Ana", "body": "Once only"}, headers=key)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, (first.json(), again.json(), client.cookies)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["edit_token"] == first.json()["edit_token"]
    page = (await client.get(path)).json()
    assert page["total"] == 6


async def test_concurrent_retries_store_one_comment(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "same-moment"}
    path = f"/api/v1/stories/{story['id']}/comments"
    answers = await asyncio.gather(
        *(client.post(path, json={"name": "Ana", "body": "Burst"}, headers=key) for _ in range(5))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1


async def test_another_reader_with_the_same_key_is_another_post(
    app: Any, story: dict[str, Any]
) -> None:
    key = {"Idempotency-Key": "guessable"}
    path = f"/api/v1/stories/{story['id']}/comments"
    async with client_at(app, "10.7.7.1") as one, client_at(app, "10.7.7.2") as two:
        mine = await one.post(path, json={"name": "One", "body": "Mine"}, headers=key)
        theirs = await two.post(path, json={"name": "Two", "body": "Theirs"}, headers=key)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["edit_token"] != theirs.json()["edit_token"]


async def test_a_bad_key_is_refused_naming_it(
    client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    answer = await client.post(
        f"/api/v1/stories/{story['id']}/comments",
        json={"name": "Ana", "body": "Kept"},
        headers={"Idempotency-Key": "x" * 256},
    )
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["errors"]
    assert answer.json()["comment"]["body"] == "Kept"


async def test_identical_posts_at_the_same_moment_are_one_duplicate(
    app: Any, story: dict[str, Any]
) -> None:
    async def send(n: int) -> httpx.Response:
        async with client_at(app, f"10.8.8.{n}") as client:
            return await post_comment(client, story["id"], TEXT, name=f"Bot {n}")

    answers = await asyncio.gather(*(send(n) for n in range(1, 5)))
    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["approved", "pending", "pending", "pending"]
    held = [a.json() for a in answers if a.json()["status"] == "pending"]
    assert all(h["moderation"] == "Awaiting moderation" for h in held)
    for h in held:
        assert await held_for(app, h["id"]) == [
            "held: the same text was posted in the last 60 minutes"
        ]
