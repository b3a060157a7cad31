"""Test data of publishing that the story editor will make (bylines, author slugs and bios,
corrections, edits, other statuses), written straight into the tables until its services
exist; and the lead image the image service adds to the story dicts the pages are given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from tribune.storage.engine import Database
from tribune.storage.tables import staff, stories, story_authors


async def add_author(db: Database, name: str, slug: str | None = None, bio: str = "") -> int:
    """A staff member who writes; with a slug, they have an author page."""
    email = f"{(slug or name).lower().replace(' ', '.')}@example.org"
    async with db.transaction() as conn:
        result = await conn.execute(
            sa.insert(staff)
            .values(
                email=email,
                name=name,
                role="editor",
                password_hash="not-a-password",
                created_at=datetime.now(UTC),
                slug=slug,
                bio=bio,
            )
            .returning(staff.c.id)
        )
        return int(result.scalar_one())


async def byline(db: Database, story_id: int, *staff_ids: int) -> None:
    async with db.transaction() as conn:
        for position, staff_id in enumerate(staff_ids):
            await conn.execute(
                sa.insert(story_authors).values(
                    story_id=story_id, staff_id=staff_id, position=position
                )
            )


async def change(db: Database, story_id: int, **values: Any) -> None:
    async with db.transaction() as conn:
        await conn.execute(sa.update(stories).where(stories.c.id == story_id).values(**values))


async def slug_of(db: Database, story_id: int) -> str:
    async with db.read() as conn:
        query = sa.select(stories.c.slug).where(stories.c.id == story_id)
        return str((await conn.execute(query)).scalar_one())


def image_for(story_id: int) -> dict[str, Any]:
    base = f"/media/{story_id:064x}"
    return {
        "src": f"{base}-640.webp",
        "srcset": f"{base}-320.webp 320w, {base}-640.webp 640w, {base}-1280.webp 1280w",
        "width": 640,
        "height": 360,
        "alt": f"Picture of story {story_id}",
    }
