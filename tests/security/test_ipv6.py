"""F37b: an IPv6 reader's address is their /64, the block one home or phone is given and
picks addresses from at will; counted per address, one reader was twelve posters, five voters
and three reporters. Readers are known by their cookie (issue 12): what counts per address
(the looser posting bound, the caps on new voters and reporters of a comment, reports toward
hiding it) counts the /64 once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import client_at, post_comment, posted
from tribune.app import create_app
from tribune.keys import client_network
from tribune.moderation.rules import RuleConfig
from tribune.ratelimit import ADDRESS_FACTOR
from tribune.settings import Settings

pytestmark = pytest.mark.anyio

ONE_HOME = [f"2001:db8:1:2::{n:x}" for n in range(1, 13)]
NEIGHBOUR = "2001:db8:1:3::1"


def test_the_network_of_an_address() -> None:
    assert client_network("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64"
    assert client_network("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_network("192.0.2.7") == "192.0.2.7"
    assert client_network("testclient") == "testclient"


async def test_one_home_is_one_address_for_posting(
    settings: Settings, story: dict[str, Any]
) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    bound = RuleConfig().rate_per_minute * ADDRESS_FACTOR  # one address's, for all its readers
    try:
        answers = []
        for n in range(bound + 5):
            async with client_at(app, ONE_HOME[n % len(ONE_HOME)]) as client:  # no cookie
                answer = await post_comment(client, story["id"], f"Post {n}", name=f"Name {n}")
                answers.append(answer.status_code)
        assert answers.count(201) == bound and answers.count(429) == 5
        async with client_at(app, NEIGHBOUR) as neighbour:
            assert (
                await post_comment(neighbour, story["id"], "Hello", name="Nb")
            ).status_code == 201
    finally:
        await app.state.db.dispose()


async def test_one_home_is_one_address_for_voting_and_reporting(
    settings: Settings, story: dict[str, Any]
) -> None:
    update = {"voters_per_address": 3, "reporters_per_address": 2}
    app = create_app(settings.model_copy(update=update))
    try:
        async with client_at(app, NEIGHBOUR) as client:
            target = await posted(client, story["id"], "An innocent opinion")
            scores, reports = [], []
            for address in ONE_HOME[:5]:
                async with client_at(app, address) as reader:  # a fresh cookie jar each time
                    path = f"/api/v1/comments/{target['id']}"
                    vote = await reader.post(f"{path}/votes", json={"value": 1})
                    scores.append(vote.json().get("score", vote.status_code))
                    report = await reader.post(f"{path}/reports", json={"reason": "spam"})
                    reports.append(report.status_code)
            assert scores == [1, 2, 3, 429, 429]
            assert reports == [201, 201, 429, 429, 429]
            page = (await client.get(f"/api/v1/stories/{story['id']}/comments")).json()
            assert target["id"] in [c["id"] for c in page["comments"]]  # not hidden by one home
    finally:
        await app.state.db.dispose()
