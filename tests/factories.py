"""Test data made through the services, never with raw SQL."""

from __future__ import annotations

import asyncio
from typing import Any

from tribune.comments import service as comments
from tribune.keys import Keys
from tribune.live.broker import Broker, MemoryBroker
from tribune.readers import Reader
from tribune.storage.engine import Database
from tribune.stories import service as stories


async def make_story(
    db: Database, title: str = "A story", body: str = "Text.", **extra: Any
) -> int:
    return await stories.publish(db, stories.StoryDraft(title=title, body_md=body, **extra))


KEYS = Keys("factory-secret-" + "k" * 40)
UNHEARD = MemoryBroker()  # events of comments made for a test that no reader follows


async def make_comment(
    db: Database,
    story_id: int,
    body: str = "A comment",
    name: str = "Reader",
    *,
    events: Broker = UNHEARD,
    **extra: Any,
) -> dict[str, Any]:
    """A comment (a reply with parent_id=...), with its edit_token."""
    return await comments.post_comment(
        db,
        story_id,
        {"name": name, "body": body, **extra},
        keys=KEYS,
        reader=Reader(),
        events=events,
    )


async def make_replies(
    db: Database, story_id: int, parents: list[int], body: str = "A reply"
) -> list[dict[str, Any]]:
    """One reply to each of the parents (ids), posted at once so that they share a few group
    commits; returned in the order of ``parents``, with their edit tokens."""
    made: list[dict[str, Any]] = []
    for start in range(0, len(parents), 100):
        made += await asyncio.gather(
            *(
                make_comment(db, story_id, f"{body} {n} to {parent}", parent_id=parent)
                for n, parent in enumerate(parents[start : start + 100], start=start)
            )
        )
    return made
