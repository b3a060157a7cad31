"""Comments close by themselves N days after publishing when the rules say so, on both
databases: the sweep closes what is due once, the page and the API then say closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tests.helpers import post_comment, staff_member
from tribune.live.broker import MemoryBroker
from tribune.moderation import closing
from tribune.moderation.config import save_rule_config
from tribune.moderation.rules import RuleConfig
from tribune.storage.tables import audit_log, stories
from tribune.stories import editor
from tribune.stories.editor import By
from tribune.vocabulary import StoryStatus

pytestmark = pytest.mark.anyio


async def _story(app: Any, title: str, age: timedelta) -> int:
    db = app.state.db
    by = By.member(await staff_member(app, "editor", f"{len(title)}@example.org"))
    story_id = await editor.create(
        db, {"title": title, "body": "Text."}, status=StoryStatus.published, by=by
    )
    async with db.transaction() as conn:
        when = datetime.now(UTC) - age
        await conn.execute(
            update(stories).where(stories.c.id == story_id).values(published_at=when)
        )
    return story_id


async def test_old_stories_close_and_new_ones_stay_open(
    app: Any, reader: httpx.AsyncClient
) -> None:
    db = app.state.db
    old = await _story(app, "An old story", timedelta(days=3))
    new = await _story(app, "A new story here", timedelta(days=1))
    assert await closing.close_old(db) == []  # the setting is off by default
    admin = await staff_member(app, "admin")
    await save_rule_config(db, RuleConfig(close_after_days=2).model_dump(), by=admin)
    events = MemoryBroker()
    assert await closing.close_old(db, events) == [old]
    assert await closing.close_old(db, events) == []  # once
    page = await reader.get("/stories/an-old-story")
    assert "Comments are closed." in page.text
    refused = await post_comment(reader, old, "Too late")
    assert refused.status_code in (403, 409), refused.text
    assert (await post_comment(reader, new, "Still open")).status_code == 201
    async with db.read() as conn:
        actors = (await conn.execute(select(audit_log.c.actor, audit_log.c.target))).all()
    assert ("Comments closing", f"story {old}") in actors
    # An editor opens the old story again: the sweep leaves it open from now on.
    await editor.save(db, old, {"comment_mode": "open"}, base_revision=None, by=By("Ana"))
    assert await closing.close_old(db, events) == []
    assert "Comments are closed." not in (await reader.get("/stories/an-old-story")).text
