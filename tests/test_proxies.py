"""X-Forwarded-For is believed only from configured proxies (SECURITY.md I5): a client must
not choose the address its rate limits and votes are counted by."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.server import running_server
from tribune.moderation.rules import RuleConfig
from tribune.ratelimit import ADDRESS_FACTOR

BOUND = RuleConfig().rate_per_minute * ADDRESS_FACTOR


def burst(base: str, forwarded_for: list[str]) -> list[int]:
    story_id = httpx.get(f"{base}/api/v1/stories").json()["stories"][0]["id"]
    codes = []
    for n, address in enumerate(forwarded_for):
        answer = httpx.post(
            f"{base}/api/v1/stories/{story_id}/comments",
            json={"name": f"Reader {n}", "body": f"Opinion {n}"},
            headers={"X-Forwarded-For": address},
        )
        codes.append(answer.status_code)
    return codes


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(
    tmp_path: Path, trusted: bool
) -> None:
    env = {"TRIBUNE_RATE_LIMITS": "on"}
    if trusted:
        env["TRIBUNE_TRUSTED_PROXIES"] = "127.0.0.1"
    url = f"sqlite:///{tmp_path / 'proxy.db'}"
    with running_server(url, tmp_path, env=env) as base:
        # One address's bound (its readers together, with no cookie and a name each): the
        # next comment, from "another client", passes only if the header is believed.
        codes = burst(base, ["203.0.113.1"] * BOUND + ["203.0.113.2"])
    assert codes[:BOUND] == [201] * BOUND
    assert codes[BOUND] == (201 if trusted else 429)
