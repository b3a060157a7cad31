"""Images staff upload for stories (a lead image, or one in a story's body).

An upload is read by pictures.py (JPEG, PNG or WebP by its bytes; at most MAX_BYTES and
MAX_PIXELS, the pixel count checked from the header before anything is decoded; turned
upright; every piece of metadata, EXIF's GPS position among them, dropped) and re-encoded
as WebP in each of WIDTHS narrower than the upload, and at the upload's own width when that
is no wider than the widest: never enlarged. Everything lives in the database, so every
instance serves it without a shared disk, at /media/{digest}.webp where the digest is the
SHA-256 of the rendition's bytes: a URL never changes what it shows, so browsers and proxies
may keep it forever. The image itself is known by the SHA-256 of the upload, so the same file
uploaded twice is stored once.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from PIL import Image
from sqlalchemy.exc import IntegrityError

from tribune import pictures
from tribune.storage import images as image_store
from tribune.storage.engine import Conn, Database

MAX_BYTES = 10_000_000
MAX_PIXELS = 40_000_000
WIDTHS = (480, 960, 1600)
WEBP_MAX_SIDE = 16383  # the format's own limit
MEDIA_TYPE = "image/webp"
QUALITY = 82
# The story column: 42rem less its padding on wide screens, the viewport less it on phones.
SIZES = "(min-width: 42rem) 39.5rem, calc(100vw - 2.5rem)"
DIGEST = re.compile(r"[0-9a-f]{64}")
OWN_URL = re.compile(r"/media/([0-9a-f]{64})\.webp")

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."
SVG = (
    "This file is an SVG drawing, which can carry scripts: please upload a JPEG, PNG or WebP image."
)
NO_FILE = "Please choose an image to upload."


class ImageRefused(ValueError):
    """Why an upload is not an image Tribune will store, in words for the upload's field."""


@dataclass(frozen=True, slots=True)
class Rendition:
    width: int
    height: int
    body: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class Processed:
    """An upload ready to store: its digest, its upright size and its renditions, narrowest
    first."""

    digest: str
    width: int
    height: int
    renditions: tuple[Rendition, ...]


@dataclass(frozen=True, slots=True)
class ImageView:
    """What a page needs to show an image: ``src`` (the middle width, for browsers that read
    no srcset), ``srcset`` ("URL 480w, URL 960w, ..."), and the widest rendition's size (which
    gives the box its shape before the image arrives)."""

    src: str
    srcset: str
    width: int
    height: int


def url(digest: str) -> str:
    return f"/media/{digest}.webp"


def refusal(refused: pictures.Refused) -> str:
    """A refusal in words for the field."""
    if isinstance(refused, pictures.TooLarge):
        return (
            f"This image is {pictures.tenths(refused.size, 1_000_000)} MB; "
            f"the limit is {pictures.tenths(MAX_BYTES, 1_000_000)} MB."
        )
    if isinstance(refused, pictures.TooManyPixels):
        limit = pictures.tenths(MAX_PIXELS, 1_000_000)
        if not refused.pixels:
            many = pictures.tenths(pictures.PILLOW_GUARD, 1_000_000)
            return f"This image has more than {many} megapixels; the limit is {limit}."
        many = pictures.tenths(refused.pixels, 1_000_000)
        return f"This image is {many} megapixels; the limit is {limit}."
    if isinstance(refused, pictures.NotAPicture) and refused.svg:
        return SVG
    return NOT_AN_IMAGE


def widths_for(width: int) -> list[int]:
    """The renditions' widths for an upload this wide: never wider than it."""
    chosen = [w for w in WIDTHS if w < width]
    if width <= WIDTHS[-1]:
        chosen.append(width)
    return chosen


def process(data: bytes) -> Processed:
    """The upload as Tribune stores it; raises ImageRefused saying why not. CPU-bound (a
    large photo takes a second or so): callers on the event loop run it in a thread."""
    try:
        read = pictures.read(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, keep_side=WIDTHS[-1])
    except pictures.Refused as refused:
        raise ImageRefused(refusal(refused)) from None
    made: list[Rendition] = []
    for target in widths_for(read.original_width):
        scale = min(target / read.original_width, WEBP_MAX_SIDE / read.original_height)
        size = (
            max(1, round(read.original_width * scale)),
            max(1, round(read.original_height * scale)),
        )
        if made and size[0] <= made[-1].width:
            continue  # a very tall image: the height limit made two widths one
        image = read.image
        if image.size != size:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = BytesIO()
        image.save(out, "WEBP", quality=QUALITY, method=4)
        made.append(Rendition(size[0], size[1], out.getvalue()))
    digest = hashlib.sha256(data).hexdigest()
    return Processed(digest, read.original_width, read.original_height, tuple(made))


# Decoding a 40-megapixel upload takes a few hundred megabytes: one at a time per process.
_decoding = threading.BoundedSemaphore(1)


def _process_one_at_a_time(data: bytes) -> Processed:
    with _decoding:
        return process(data)


async def process_in_thread(data: bytes) -> Processed:
    """``process`` in a worker thread (the event loop keeps answering readers meanwhile), one
    upload at a time per process; raises ImageRefused as it does."""
    return await asyncio.to_thread(_process_one_at_a_time, data)


async def store(db: Database, processed: Processed, by_staff_id: int | None) -> int:
    """Keep the image and its renditions; returns its id. The same upload again, or another
    file with the very same pixels, returns the image already kept."""
    for attempt in range(2):
        try:
            async with db.transaction() as conn:
                found = await image_store.image_id_by_digest(conn, processed.digest)
                if found is None:
                    found = await image_store.image_id_by_rendition(
                        conn, [r.digest for r in processed.renditions]
                    )
                if found is not None:
                    return found
                image_id = await image_store.insert_image(
                    conn,
                    processed.digest,
                    processed.width,
                    processed.height,
                    datetime.now(UTC),
                    by_staff_id,
                )
                for rendition in processed.renditions:
                    await image_store.insert_rendition(
                        conn,
                        image_id,
                        rendition.digest,
                        rendition.width,
                        rendition.height,
                        MEDIA_TYPE,
                        rendition.body,
                    )
                return image_id
        except IntegrityError:
            # The same file uploaded twice at once: the other upload committed first.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _view(rows: Sequence[Any]) -> ImageView:
    ordered = sorted(rows, key=lambda row: row["width"])
    middle, widest = ordered[len(ordered) // 2], ordered[-1]
    return ImageView(
        src=url(middle["digest"]),
        srcset=", ".join(f"{url(row['digest'])} {row['width']}w" for row in ordered),
        width=int(widest["width"]),
        height=int(widest["height"]),
    )


async def renditions(db: Database, image_ids: Iterable[int]) -> dict[int, ImageView]:
    """How to show each of these images (one query for all); an unknown id is left out."""
    async with db.read() as conn:
        return await views_in(conn, image_ids)


async def views_in(conn: Conn, image_ids: Iterable[int]) -> dict[int, ImageView]:
    """renditions(), inside a read the caller holds."""
    ids = list(image_ids)
    if not ids:
        return {}
    rows = await image_store.renditions_of(conn, ids)
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(int(row["image_id"]), []).append(row)
    return {image_id: _view(found) for image_id, found in grouped.items()}


def image_context(view: ImageView, alt: str) -> dict[str, Any]:
    """What a page reads as ``story["image"]``: the attributes of its <img>."""
    return {
        "src": view.src,
        "srcset": view.srcset,
        "sizes": SIZES,
        "width": view.width,
        "height": view.height,
        "alt": alt,
    }


async def rendition(db: Database, digest: str) -> tuple[str, bytes] | None:
    """A rendition's media type and bytes, by its digest."""
    if not DIGEST.fullmatch(digest):
        return None
    async with db.read() as conn:
        return await image_store.rendition_body(conn, digest)
