"""Test data of publishing that the story editor will make (bylines, author slugs and bios,
corrections, edits, other statuses), written straight into the tables until its services
exist; and lead images, uploaded through the image service."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from PIL import Image

from tribune.storage import stories as story_store
from tribune.storage.engine import Database
from tribune.storage.tables import staff, stories, story_authors
from tribune.stories import images


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
        await story_store.bump_version(conn, story_id)  # as the editor's save does


async def change(db: Database, story_id: int, **values: Any) -> None:
    """Change a story's row as the editor's save would, moving its thread version as every
    save does (so pages kept for the old version are not served)."""
    async with db.transaction() as conn:
        await conn.execute(sa.update(stories).where(stories.c.id == story_id).values(**values))
        await story_store.bump_version(conn, story_id)


async def slug_of(db: Database, story_id: int) -> str:
    async with db.read() as conn:
        query = sa.select(stories.c.slug).where(stories.c.id == story_id)
        return str((await conn.execute(query)).scalar_one())


async def give_image(
    db: Database, story_id: int, alt: str, width: int = 1600, height: int = 900
) -> dict[str, Any]:
    """Give a story a lead image, uploaded through the image service; returns what its
    pages show of it (story["image"])."""
    picture = BytesIO()
    Image.new("RGB", (width, height), (20 + story_id % 200, 90, 160)).save(picture, "JPEG")
    image_id = await images.store(db, images.process(picture.getvalue()), None)
    await change(db, story_id, lead_image_id=image_id, lead_image_alt=alt)
    view = (await images.renditions(db, [image_id]))[image_id]
    return images.image_context(view, alt)
