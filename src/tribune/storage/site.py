"""The site's identity settings (a "site" row of site_settings) and its logo's bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select

from tribune.storage.engine import Conn
from tribune.storage.tables import site_logos, site_settings

IDENTITY_KEY = "site"


async def identity(conn: Conn) -> Any:
    query = select(site_settings.c.value).where(site_settings.c.key == IDENTITY_KEY)
    return (await conn.execute(query)).scalar_one_or_none()


async def put_identity(conn: Conn, value: dict[str, Any], now: datetime) -> None:
    await conn.execute(delete(site_settings).where(site_settings.c.key == IDENTITY_KEY))
    await conn.execute(insert(site_settings).values(key=IDENTITY_KEY, value=value, updated_at=now))


async def logo(conn: Conn, digest: str) -> tuple[str, bytes] | None:
    """The media type and bytes of a stored logo."""
    query = select(site_logos.c.media_type, site_logos.c.body).where(site_logos.c.digest == digest)
    row = (await conn.execute(query)).first()
    return None if row is None else (str(row.media_type), bytes(row.body))


async def keep_only_logo(
    conn: Conn,
    digest: str | None,
    media_type: str = "",
    body: bytes = b"",
    now: datetime | None = None,
) -> None:
    """Store the logo in use (when it is new) and drop every other."""
    if digest is None:
        await conn.execute(delete(site_logos))
        return
    await conn.execute(delete(site_logos).where(site_logos.c.digest != digest))
    if body and await logo(conn, digest) is None:
        await conn.execute(
            insert(site_logos).values(
                digest=digest, media_type=media_type, body=body, created_at=now
            )
        )
