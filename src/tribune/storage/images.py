"""Uploaded images and their renditions (the bytes each is served as, under its digest)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping

from tribune.storage.engine import Conn
from tribune.storage.tables import image_renditions, images


async def image_id_by_digest(conn: Conn, digest: str) -> int | None:
    """The image stored from an upload with this SHA-256."""
    query = select(images.c.id).where(images.c.digest == digest)
    found = (await conn.execute(query)).scalar_one_or_none()
    return None if found is None else int(found)


async def image_id_by_rendition(conn: Conn, digests: Sequence[str]) -> int | None:
    """The image one of these renditions belongs to (another upload of the same pixels)."""
    if not digests:
        return None
    query = (
        select(image_renditions.c.image_id)
        .where(image_renditions.c.digest.in_(list(digests)))
        .limit(1)
    )
    found = (await conn.execute(query)).scalar_one_or_none()
    return None if found is None else int(found)


async def insert_image(
    conn: Conn, digest: str, width: int, height: int, now: datetime, by_staff_id: int | None
) -> int:
    statement = (
        insert(images)
        .values(digest=digest, width=width, height=height, created_at=now, created_by=by_staff_id)
        .returning(images.c.id)
    )
    return int((await conn.execute(statement)).scalar_one())


async def insert_rendition(
    conn: Conn, image_id: int, digest: str, width: int, height: int, media_type: str, body: bytes
) -> None:
    await conn.execute(
        insert(image_renditions).values(
            digest=digest,
            image_id=image_id,
            width=width,
            height=height,
            media_type=media_type,
            body=body,
        )
    )


async def renditions_of(conn: Conn, image_ids: Sequence[int]) -> Sequence[RowMapping]:
    """Each rendition of these images (no bytes), by image then width."""
    if not image_ids:
        return []
    query = (
        select(
            image_renditions.c.image_id,
            image_renditions.c.digest,
            image_renditions.c.width,
            image_renditions.c.height,
            image_renditions.c.media_type,
        )
        .where(image_renditions.c.image_id.in_(sorted(set(image_ids))))
        .order_by(image_renditions.c.image_id, image_renditions.c.width)
    )
    return (await conn.execute(query)).mappings().all()


async def rendition_body(conn: Conn, digest: str) -> tuple[str, bytes] | None:
    """The media type and bytes of one rendition."""
    query = select(image_renditions.c.media_type, image_renditions.c.body).where(
        image_renditions.c.digest == digest
    )
    row = (await conn.execute(query)).first()
    return None if row is None else (str(row.media_type), bytes(row.body))
