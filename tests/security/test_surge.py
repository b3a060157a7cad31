"""F38: a flood from many addresses gets past every per-reader limit; above a per-story and a
site-wide ceiling new comments are held for a moderator (not refused), with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import client_at, held_for, posted, staff_member
from tribune.app import create_app
from tribune.moderation import config as moderation_config
from tribune.settings import Settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("scope", ["story", "site"])
async def test_a_surge_is_held_not_refused(
    settings: Settings, story: dict[str, Any], scope: str
) -> None:
    app = create_app(settings.model_copy(update={"rate_limits": True}))
    try:
        ceilings = {"surge_story_per_minute": 0, "surge_site_per_minute": 0}
        ceilings[f"surge_{scope}_per_minute"] = 10
        admin = await staff_member(app, "admin")
        await moderation_config.save_rule_config(
            app.state.db, {"rate_per_minute": 0, **ceilings}, by=admin
        )
        statuses, reasons = [], []
        for n in range(14):
            async with client_at(app, f"198.51.100.{n + 1}") as raider:
                answer = await posted(raider, story["id"], f"Raid message {n}", name=f"Raider {n}")
                statuses.append(answer["status"])
                reasons.append(await held_for(app, answer["id"]))
        assert statuses == ["approved"] * 10 + ["pending"] * 4
        where = "" if scope == "story" else " site-wide"
        assert reasons[:10] == [[]] * 10
        assert reasons[10] == [f"held: surge: 11 comments in a minute{where}"]
        assert reasons[13] == [f"held: surge: 14 comments in a minute{where}"]
    finally:
        await app.state.db.dispose()
