"""An uploaded logo, checked and re-encoded with Pillow before anything stores or serves it.

Reading the upload (which formats, the limits, the metadata dropped) is pictures.py's, shared
with story images; here are the logo's limits, its words, and its re-encoding: in its own
format, shrunk to at most STORED_SIZE (a header shows the logo 40 px high, so 160 px covers
4x screens).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from tribune import pictures

MAX_BYTES = 1_000_000  # an upload; a logo is a few kilobytes
MAX_SIDE = 4000  # pixels, either side, before decoding anything
STORED_SIZE = (640, 160)  # the box a stored logo fits in, in pixels
FORMATS = pictures.FORMATS


class LogoRefused(ValueError):
    """Why an upload is not a logo Tribune will store, in words for the admin."""


@dataclass(frozen=True, slots=True)
class Processed:
    body: bytes
    media_type: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _refusal(refused: pictures.Refused) -> str:
    if isinstance(refused, pictures.TooLarge):
        return (
            f"The logo can be at most {_megabytes(MAX_BYTES)}; this file is "
            f"{_megabytes(refused.size)}. Please upload a smaller picture."
        )
    if isinstance(refused, pictures.NotAPicture) and refused.svg:
        return (
            "The logo cannot be an SVG file (SVG can carry scripts). "
            "Please upload a PNG, JPEG or WebP picture."
        )
    if isinstance(refused, pictures.TooManyPixels):
        size = f"{refused.width:,} × {refused.height:,}" if refused.pixels else "far larger"
        return (
            f"The logo can be at most {MAX_SIDE:,} × {MAX_SIDE:,} pixels; this picture is {size}."
        )
    return (
        "The logo must be a PNG, JPEG or WebP picture, and this file is not one that can be read."
    )


def process(data: bytes) -> Processed:
    """The logo as Tribune stores it; raises LogoRefused saying why not."""
    try:
        read = pictures.read(
            data, max_bytes=MAX_BYTES, max_pixels=MAX_SIDE * MAX_SIDE, max_side=MAX_SIDE
        )
    except pictures.Refused as refused:
        raise LogoRefused(_refusal(refused)) from None
    picture = read.image
    picture.thumbnail(STORED_SIZE, Image.Resampling.LANCZOS)
    out = BytesIO()
    if read.source_format == "JPEG":
        picture.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif read.source_format == "WEBP":
        picture.save(out, "WEBP", quality=90)
    else:
        picture.save(out, "PNG", optimize=True)
    return Processed(out.getvalue(), FORMATS[read.source_format], picture.width, picture.height)
