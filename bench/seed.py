"""Seed benchmark threads straight through the storage layer (bulk inserts, one transaction
per batch): a story with N comments, three quarters top-level and a quarter replies, with
200–600 character Markdown bodies, as `make bench` scenarios describe."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from tribune.keys import Keys
from tribune.markdown import render_comment
from tribune.storage import comments as comment_store
from tribune.storage.engine import Database
from tribune.storage.tables import comments, threads
from tribune.stories.service import StoryDraft, publish

WORDS = [
    "ceasefire",
    "border",
    "talks",
    "minister",
    "report",
    "sources",
    "troops",
    "summit",
    "vote",
    "election",
    "market",
    "economy",
    "refugees",
    "analysis",
    "claims",
    "officials",
    "denied",
    "confirmed",
    "statement",
    "region",
    "crisis",
]
BATCH = 5_000


def body(rng: random.Random) -> str:
    target = rng.randint(200, 600)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < target:
        word = rng.choice(WORDS)
        roll = rng.random()
        words.append(f"*{word}*" if roll < 0.05 else f"**{word}**" if roll < 0.08 else word)
    text = " ".join(words)
    if rng.random() < 0.2:
        text = "> " + text[:120] + "\n\n" + text[120:]
    if rng.random() < 0.15:
        text += " https://example.org/" + rng.choice(WORDS)
    return text


async def seed_story(db: Database, title: str, count: int, seed: int = 1) -> int:
    """A published story with `count` comments (3/4 top-level, 1/4 replies); returns its id."""
    rng = random.Random(seed)  # noqa: S311  (repeatable test data, not secrets)
    keys = Keys("bench-" + "k" * 40)
    story_id = await publish(db, StoryDraft(title=title, body_md=f"{title}. #Bench"))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    top_count = count - count // 4
    # Pre-render a pool of bodies: rendering is the service's cost, not the seeding's.
    pool = [body(rng) for _ in range(500)]
    html = [render_comment(text) for text in pool]

    def row(number: int, parent: dict[str, Any] | None) -> dict[str, Any]:
        pick = rng.randrange(len(pool))
        name = f"Reader {rng.randrange(5000)}"
        return {
            "story_id": story_id,
            "parent_id": parent["id"] if parent else None,
            "root_id": (parent["root_id"] or parent["id"]) if parent else None,
            "depth": parent["depth"] + 1 if parent else 0,
            "number": number,
            "name": name,
            "email": None,
            "website": None,
            "avatar": keys.avatar(name, None),
            "body_md": pool[pick],
            "body_html": html[pick],
            "status": "approved",
            "created_at": start + timedelta(seconds=number),
            "score": rng.choice([0, 0, 0, 1, 2, -1, 5]),
        }

    number = 0
    for offset in range(0, top_count, BATCH):
        rows = []
        for _ in range(min(BATCH, top_count - offset)):
            number += 1
            rows.append(row(number, None))
        async with db.transaction() as conn:
            await comment_store.insert_many(conn, rows)
    async with db.read() as conn:
        tops = [
            dict(r)
            for r in (
                await conn.execute(
                    select(comments.c.id, comments.c.root_id, comments.c.depth).where(
                        comments.c.story_id == story_id
                    )
                )
            ).mappings()
        ]
    replies_left = count - top_count
    while replies_left:
        rows = []
        for _ in range(min(BATCH, replies_left)):
            number += 1
            rows.append(row(number, rng.choice(tops)))
        replies_left -= len(rows)
        async with db.transaction() as conn:
            await comment_store.insert_many(conn, rows)
    async with db.transaction() as conn:
        # Counters as the services keep them: replies per parent and per root, story totals.
        await conn.execute(
            update(threads)
            .where(threads.c.story_id == story_id)
            .values(comment_count=count, comment_seq=number, version=threads.c.version + 1)
        )
        await _recount(conn, story_id)
    return story_id


async def _recount(conn: Any, story_id: int) -> None:
    from sqlalchemy import func
    from sqlalchemy.orm import aliased

    child = aliased(comments)
    replies = select(func.count()).where(child.c.parent_id == comments.c.id).scalar_subquery()
    descendants = select(func.count()).where(child.c.root_id == comments.c.id).scalar_subquery()
    await conn.execute(
        update(comments)
        .where(comments.c.story_id == story_id)
        .values(reply_count=replies, descendant_count=descendants)
    )
