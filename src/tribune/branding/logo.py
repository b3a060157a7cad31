"""An uploaded logo, checked and re-encoded with Pillow before anything stores or serves it.

Only PNG, JPEG and WebP are read, by what the bytes are (never by the file's name or the
type the browser sent). SVG is refused: an SVG is a document that can carry scripts and
external references. Re-encoding keeps the pixels alone (no metadata, no trailing bytes,
no second frame), turned upright as the camera recorded, and shrunk to at most
STORED_SIZE: a header shows the logo 40 px high, so 160 px covers 4x screens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1_000_000  # an upload; a logo is a few kilobytes
MAX_SIDE = 4000  # pixels, either side, before decoding anything
STORED_SIZE = (640, 160)  # the box a stored logo fits in, in pixels
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


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


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def process(data: bytes) -> Processed:
    """The logo as Tribune stores it; raises LogoRefused saying why not."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(
            f"The logo can be at most {_megabytes(MAX_BYTES)}; this file is "
            f"{_megabytes(len(data))}. Please upload a smaller picture."
        )
    if _looks_like_svg(data):
        raise LogoRefused(
            "The logo cannot be an SVG file (SVG can carry scripts). "
            "Please upload a PNG, JPEG or WebP picture."
        )
    try:
        with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
            if image.width > MAX_SIDE or image.height > MAX_SIDE:
                raise LogoRefused(
                    f"The logo can be at most {MAX_SIDE:,} × {MAX_SIDE:,} pixels; this picture "
                    f"is {image.width:,} × {image.height:,}."
                )
            source_format = str(image.format)
            image.load()
            picture = ImageOps.exif_transpose(image)
    except LogoRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise LogoRefused(
            "The logo must be a PNG, JPEG or WebP picture, and this file is not one "
            "that can be read."
        ) from None
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    picture = picture.convert("RGBA" if has_alpha and source_format != "JPEG" else "RGB")
    picture.thumbnail(STORED_SIZE, Image.Resampling.LANCZOS)
    out = BytesIO()
    if source_format == "JPEG":
        picture.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    elif source_format == "WEBP":
        picture.save(out, "WEBP", quality=90)
    else:
        picture.save(out, "PNG", optimize=True)
    return Processed(out.getvalue(), FORMATS[source_format], picture.width, picture.height)
