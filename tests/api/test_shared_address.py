"""Readers who share an address (an office NAT, a mobile carrier's CGNAT, a proxy without
TRIBUNE_TRUSTED_PROXIES) are each a reader of their own: their own vote, its state on the
page, their own report and their own posting limit. The address is only a bounded signal:
how many new voters and reporters it adds to one comment in an hour, and a looser rate."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import make_comment
from tests.helpers import client_at, csrf_of, post_comment, posted
from tribune.app import create_app
from tribune.moderation.rules import RuleConfig
from tribune.ratelimit import ADDRESS_FACTOR
from tribune.settings import Settings

pytestmark = pytest.mark.anyio

OFFICE = "198.51.100.7"  # one address, many readers behind it
RATE = RuleConfig().rate_per_minute


@pytest.fixture
async def capped(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with small per-address caps: 3 new voters and 2 reporters a comment."""
    app = create_app(
        settings.model_copy(update={"voters_per_address": 3, "reporters_per_address": 2})
    )
    yield app
    await app.state.db.dispose()


async def vote(client: httpx.AsyncClient, comment_id: int, value: int) -> httpx.Response:
    return await client.post(f"/api/v1/comments/{comment_id}/votes", json={"value": value})


def pressed(html: str, comment_id: int) -> int:
    """The vote this reader's page marks as theirs on a comment: 1, -1 or 0."""
    form = re.search(rf'action="/comments/{comment_id}/vote".*?</form>', html, re.S)
    assert form, f"no vote buttons for comment {comment_id}"
    marks = re.findall(r'data-dir="(-?1)" aria-pressed="(true|false)"', form.group(0))
    return next((int(d) for d, on in marks if on == "true"), 0)


async def test_two_readers_on_one_address_each_have_their_own_vote(
    app: FastAPI, story: dict[str, Any]
) -> None:
    async with (
        client_at(app, OFFICE) as ana,
        client_at(app, OFFICE) as ben,
        client_at(app, OFFICE) as cy,
    ):
        target = (await posted(cy, story["id"], "Worth a vote"))["id"]
        page_path = f"/stories/{story['slug']}"
        assert (await vote(ana, target, 1)).json() == {"score": 1, "value": 1}
        assert (await vote(ben, target, 1)).json() == {"score": 2, "value": 1}
        assert pressed((await ana.get(page_path)).text, target) == 1
        assert pressed((await ben.get(page_path)).text, target) == 1
        assert pressed((await cy.get(page_path)).text, target) == 0  # never voted
        # Ben changes his vote: Ana's stays hers.
        assert (await vote(ben, target, -1)).json() == {"score": 0, "value": -1}
        assert pressed((await ana.get(page_path)).text, target) == 1
        assert pressed((await ben.get(page_path)).text, target) == -1
        # Each withdraws only their own.
        assert (await vote(ana, target, 0)).json() == {"score": -1, "value": 0}
        assert pressed((await ben.get(page_path)).text, target) == -1
        assert (await vote(ben, target, 0)).json() == {"score": 0, "value": 0}
        api = (await cy.get(f"/api/v1/stories/{story['id']}/comments?sort=newest")).json()
        assert api["comments"][0]["score"] == 0


async def test_votes_from_the_vote_buttons_without_javascript_are_each_readers(
    app: FastAPI, story: dict[str, Any]
) -> None:
    async with client_at(app, OFFICE) as ana, client_at(app, OFFICE) as ben:
        target = (await posted(ana, story["id"], "Vote on me"))["id"]
        page_path = f"/stories/{story['slug']}"
        for reader in (ana, ben):
            token = await csrf_of(reader, page_path)
            sent = await reader.post(
                f"/comments/{target}/vote", data={"value": "1", "csrf_token": token}
            )
            assert sent.status_code == 303 and sent.headers["location"].endswith(f"#c{target}")
        assert pressed((await ben.get(page_path)).text, target) == 1
        assert '<span class="score">2</span>' in (await ana.get(page_path)).text


async def test_the_address_cap_refuses_the_next_new_voter(
    capped: FastAPI, story: dict[str, Any]
) -> None:
    async with client_at(capped, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "A hot take"))["id"]
    readers = [client_at(capped, OFFICE) for _ in range(4)]
    try:
        answers = [await vote(reader, target, 1) for reader in readers]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[3]
        assert int(refused.headers["retry-after"]) > 3000  # the first vote leaves the hour
        assert refused.json()["detail"] == (
            "Many people on your network have already voted on this comment in the last "
            "hour, so your vote was not counted. Please try again later"
        )
        # The vote buttons without JavaScript say the same, on a page.
        token = await csrf_of(readers[3], f"/stories/{story['slug']}")
        form = await readers[3].post(
            f"/comments/{target}/vote", data={"value": "1", "csrf_token": token}
        )
        assert form.status_code == 429
        assert "Many people on your network have already voted on this comment" in form.text
        # Those who voted still change and withdraw their own votes...
        assert (await vote(readers[0], target, -1)).json() == {"score": 1, "value": -1}
        assert (await vote(readers[1], target, 0)).json() == {"score": 0, "value": 0}
        # ...which makes room, and another address is not concerned.
        assert (await vote(readers[3], target, 1)).status_code == 200
        async with client_at(capped, "203.0.113.10") as elsewhere:
            assert (await vote(elsewhere, target, 1)).json() == {"score": 2, "value": 1}
    finally:
        for reader in readers:
            await reader.aclose()


async def report(client: httpx.AsyncClient, comment_id: int) -> httpx.Response:
    return await client.post(f"/api/v1/comments/{comment_id}/reports", json={"reason": "spam"})


async def test_two_readers_on_one_address_each_report(
    app: FastAPI, admin: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    async with client_at(app, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "Something to report"))["id"]
    async with client_at(app, OFFICE) as ana, client_at(app, OFFICE) as ben:
        assert (await report(ana, target)).status_code == 201
        assert (await report(ben, target)).status_code == 201
        again = await report(ana, target)
        assert again.status_code == 409
        assert again.json()["detail"] == (
            "You have already reported this comment. Thank you, a moderator will look at it."
        )
    queue = await admin.get("/admin/moderation?tab=reported")
    assert queue.text.count("reported: spam") == 2


async def test_one_address_alone_does_not_hide_a_comment_nor_report_past_its_cap(
    capped: FastAPI, story: dict[str, Any]
) -> None:
    """Three reports hide a comment (the rule's default) when they come from three
    addresses: readers of one address count once toward it, and at most
    TRIBUNE_REPORTERS_PER_ADDRESS of them report it in an hour."""
    async with client_at(capped, "203.0.113.9") as author:
        target = (await posted(author, story["id"], "Disliked at the office"))["id"]
    readers = [client_at(capped, OFFICE) for _ in range(3)]
    try:
        answers = [await report(reader, target) for reader in readers]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert [a.json().get("hidden") for a in answers[:2]] == [False, False]
        assert (
            answers[2]
            .json()["detail"]
            .startswith("Many people on your network have already reported this comment")
        )
    finally:
        for reader in readers:
            await reader.aclose()
    for n, address in enumerate(["192.0.2.1", "192.0.2.2"]):
        async with client_at(capped, address) as other:
            assert (await report(other, target)).json()["hidden"] == (n == 1)


async def test_report_reasons_read_as_sentences(
    app: FastAPI, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    target = (await posted(client, story["id"], "Report me wrongly"))["id"]
    path = f"/api/v1/comments/{target}/reports"
    missing = await client.post(path, json={})
    assert missing.json()["errors"] == {"reason": "Please choose what is wrong with this comment"}
    wrong = await client.post(path, json={"reason": "rude"})
    assert wrong.json()["errors"] == {
        "reason": "Please choose what is wrong with this comment: one of “spam”, “abuse”, "
        "“off-topic”, “misinformation”, “other”"
    }


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    yield app
    await app.state.db.dispose()


async def test_readers_on_one_address_each_post_their_own_limit(
    limited: FastAPI, story: dict[str, Any]
) -> None:
    readers = [client_at(limited, OFFICE) for _ in range(ADDRESS_FACTOR + 1)]
    demo = (await readers[0].get(f"/api/v1/stories/{story['id']}/comments")).json()
    try:
        for reader in readers:  # a vote gives each their voter cookie
            assert (await vote(reader, demo["comments"][0]["id"], 1)).status_code == 200
        for n, reader in enumerate(readers[:ADDRESS_FACTOR]):
            for k in range(RATE):
                answer = await post_comment(reader, story["id"], f"Post {k}", name=f"Reader {n}")
                assert answer.status_code == 201, (n, k, answer.text)
        # One more from the first reader is over their own limit, under any name...
        again = await post_comment(readers[0], story["id"], "One more", name="Someone else")
        assert again.status_code == 429
        # ...and the address as a whole has its looser bound: ADDRESS_FACTOR readers' worth.
        fifth = await post_comment(readers[-1], story["id"], "Me too", name="Late reader")
        assert fifth.status_code == 429
    finally:
        for reader in readers:
            await reader.aclose()
    async with client_at(limited, "192.0.2.50") as elsewhere:
        assert (await post_comment(elsewhere, story["id"], "Hi", name="Far")).status_code == 201


async def test_readers_on_one_address_each_report_at_their_own_rate(
    limited: FastAPI, story: dict[str, Any]
) -> None:
    per_reader = RATE * 2
    targets = [
        (await make_comment(limited.state.db, story["id"], f"Item {n}", f"Author {n}"))["id"]
        for n in range(per_reader + 1)
    ]
    async with client_at(limited, OFFICE) as ana, client_at(limited, OFFICE) as ben:
        for target in targets[:per_reader]:
            assert (await report(ana, target)).status_code == 201
        assert (await report(ana, targets[-1])).status_code == 429
        for target in targets[:per_reader]:
            assert (await report(ben, target)).status_code == 201
