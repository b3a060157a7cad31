"""X-Forwarded-For is believed only from configured proxies (SECURITY.md I5): a client must
not choose the address its rate limits and votes are counted by."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import client_at, signed_in
from tests.server import TRIBUNE, running_server, tribune_env
from tribune.app import create_app
from tribune.cli import demo_bytes
from tribune.importers.service import import_page
from tribune.moderation.rules import RuleConfig
from tribune.ratelimit import ADDRESS_FACTOR
from tribune.settings import Settings

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


# In the app itself (under any ASGI server) the same rules hold, and the header from a peer
# the setting does not name is warned about: behind an unnamed proxy every reader is one.


async def comments_through(
    settings: Settings, peer: str, forwarded_for: list[str]
) -> tuple[list[int], Any]:
    """Post one comment per X-Forwarded-For value, from peer, rate limits on; the codes and
    the app (its database disposed)."""
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        story = await import_page(app.state.db, demo_bytes())
        codes = []
        async with client_at(app, peer) as client:
            for n, address in enumerate(forwarded_for):
                answer = await client.post(
                    f"/api/v1/stories/{story.story_id}/comments",
                    json={"name": f"Reader {n}", "body": f"Opinion number {n}"},
                    headers={"X-Forwarded-For": address},
                )
                codes.append(answer.status_code)
    finally:
        await app.state.db.dispose()
    return codes, app


def proxy_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tribune.proxies"]


@pytest.mark.anyio
async def test_forwarded_for_from_an_untrusted_peer_is_ignored_and_logged_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    addresses = [f"203.0.113.{n}" for n in range(1, BOUND + 2)]
    with caplog.at_level(logging.WARNING, logger="tribune.proxies"):
        codes, _ = await comments_through(settings, "10.0.0.5", addresses)
    # Readers behind the unnamed proxy are one address: past its bound, comments are refused.
    assert codes == [201] * BOUND + [429]
    warnings = proxy_warnings(caplog)
    assert len(warnings) == 1, warnings  # once per peer, not once per request
    assert "X-Forwarded-For arrived from 10.0.0.5" in warnings[0]
    assert "TRIBUNE_TRUSTED_PROXIES" in warnings[0]


@pytest.mark.anyio
@pytest.mark.parametrize("trusted", ["10.0.0.5", "10.0.0.0/8", "192.0.2.1, 10.0.0.0/24"])
async def test_a_trusted_proxy_or_network_is_believed_in_the_app_and_not_warned_about(
    settings: Settings, caplog: pytest.LogCaptureFixture, trusted: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="tribune.proxies"):
        codes, _ = await comments_through(
            settings.model_copy(update={"trusted_proxies": trusted}),
            "10.0.0.5",
            # What a client wrote itself, then what the proxy appended: read from the right.
            [f"198.51.100.9, 203.0.113.{n}" for n in range(1, BOUND + 2)],
        )
    assert codes == [201] * (BOUND + 1)
    assert proxy_warnings(caplog) == []


@pytest.mark.anyio
async def test_staff_pages_warn_about_an_untrusted_forwarder(settings: Settings) -> None:
    app = create_app(settings)
    try:
        async with signed_in(app, "admin") as admin:
            quiet = await admin.get("/admin/moderation")
            assert 'id="proxy-warning"' not in quiet.text
            await admin.get("/", headers={"X-Forwarded-For": "203.0.113.7"})  # from 127.0.0.1
            page = await admin.get("/admin/moderation")
        async with client_at(app) as reader:
            story_page = await reader.get("/")
    finally:
        await app.state.db.dispose()
    assert 'id="proxy-warning"' in page.text
    assert "<code>127.0.0.1</code>" in page.text
    assert "TRIBUNE_TRUSTED_PROXIES" in page.text
    assert "203.0.113.7" not in page.text  # a reader's address is never shown
    assert 'id="proxy-warning"' not in story_page.text  # staff pages only


@pytest.mark.parametrize("value", ["not-an-ip", "127.0.0.1, proxy.local", "10.0.0.0/33"])
def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path, value: str) -> None:
    result = subprocess.run(
        [TRIBUNE, "migrate"],
        env=tribune_env(f"sqlite:///{tmp_path / 't.db'}", TRIBUNE_TRUSTED_PROXIES=value),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    bad = value.split(", ")[-1]
    assert f"error: TRIBUNE_TRUSTED_PROXIES '{bad}' is not an IP address or network" in (
        result.stderr
    )
    assert not (tmp_path / "t.db").exists()
