"""F37b: an IPv6 reader is their /64, the block one home or phone is given and picks
addresses from at will; counted per address, one reader was twelve posters, five voters and
three reporters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import client_at, post_comment, posted
from tribune.app import create_app
from tribune.keys import client_network
from tribune.settings import Settings

pytestmark = pytest.mark.anyio

ONE_HOME = [f"2001:db8:1:2::{n:x}" for n in range(1, 13)]
NEIGHBOUR = "2001:db8:1:3::1"


def test_the_network_of_an_address() -> None:
    assert client_network("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert client_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_network("192.0.2.7") == "192.0.2.7"
    assert client_network("testclient") == "testclient"


async def test_one_home_is_one_poster(settings: Settings, story: dict[str, Any]) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        answers = []
        for n, address in enumerate(ONE_HOME):
            async with client_at(app, address) as client:
                answer = await post_comment(client, story["id"], f"Post {n}", name=f"Name {n}")
                answers.append(answer.status_code)
        assert answers.count(201) == 5 and answers.count(429) == 7
        async with client_at(app, NEIGHBOUR) as neighbour:
            assert (
                await post_comment(neighbour, story["id"], "Hello", name="Nb")
            ).status_code == 201
    finally:
        await app.state.db.dispose()


async def test_one_home_is_one_voter_and_one_reporter(
    app: Any, client: httpx.AsyncClient, story: dict[str, Any]
) -> None:
    target = await posted(client, story["id"], "An innocent opinion")
    scores, reports = [], []
    for address in ONE_HOME[:5]:
        async with client_at(app, address) as reader:  # a fresh cookie jar each time
            vote = await reader.post(f"/api/v1/comments/{target['id']}/votes", json={"value": 1})
            scores.append(vote.json().get("score"))
            report = await reader.post(
                f"/api/v1/comments/{target['id']}/reports", json={"reason": "spam"}
            )
            reports.append(report.status_code)
    assert scores == [1] * 5
    assert reports == [201, 409, 409, 409, 409]
    page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
    assert target["id"] in [c["id"] for c in page["comments"]]  # not hidden by one home
