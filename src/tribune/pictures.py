"""Reading an uploaded picture safely: the one place that decides what Tribune will decode.

A logo (branding/logo.py) and a story's images (stories/images.py) both come through here.
Only PNG, JPEG and WebP are read, by what the bytes are (never by the file's name or the type
the browser sent); SVG is refused, being a document that can carry scripts and external
references. The size in bytes is checked first, then the pixel count from the header alone,
and only then are the pixels decoded: a small file claiming a huge canvas (a decompression
bomb) is refused without allocating it. What comes out is the pixels alone: turned upright as
the camera recorded, in sRGB, with no metadata (EXIF with its GPS position, XMP, comments),
no trailing bytes and no second frame. Each caller words the refusals for its own field.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# No upload anywhere may have more pixels than this; each caller has its own, lower, limit.
MOST_PIXELS = 40_000_000
# Pillow's own guard is the backstop: above PILLOW_GUARD pixels it warns and above twice that
# it refuses to open the header at all; its warning is made an error too, so a bomb is always
# refused, never merely logged. Below that our own check of the header's size refuses, saying
# how many pixels the picture has.
PILLOW_GUARD = 2 * MOST_PIXELS
Image.MAX_IMAGE_PIXELS = PILLOW_GUARD
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

ORIENTATION = 0x0112  # the EXIF tag
TURNED = {5, 6, 7, 8}  # orientations that swap width and height
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class Refused(ValueError):
    """Why an upload is not a picture Tribune will store (each kind below says what)."""


class NotAPicture(Refused):
    """Not a PNG, JPEG or WebP that can be read; ``svg`` when it is an SVG document."""

    def __init__(self, *, svg: bool = False) -> None:
        super().__init__("not a PNG, JPEG or WebP picture")
        self.svg = svg


class TooLarge(Refused):
    """More bytes than ``limit``."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, more than {limit}")
        self.size = size
        self.limit = limit


class TooManyPixels(Refused):
    """More pixels than allowed. ``width`` and ``height`` are 0 when the header claimed more
    than PILLOW_GUARD pixels (Pillow refused it before saying how many)."""

    def __init__(self, width: int, height: int, limit: int) -> None:
        super().__init__(f"{width} × {height} pixels, more than {limit}")
        self.width = width
        self.height = height
        self.limit = limit

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True, slots=True)
class Picture:
    """The decoded pixels, upright, RGB (or RGBA when the source has transparency and can
    keep it), sRGB, without metadata; and the format the upload was in."""

    image: Image.Image
    source_format: str
    original_width: int  # upright, as uploaded (a JPEG may be decoded smaller: see read)
    original_height: int

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def tenths(amount: int, unit: int) -> str:
    """``amount / unit`` with one decimal, rounded up (so a file a byte over 10 MB never reads
    as "10 MB"), without a trailing ".0": 14_200_000 bytes in MB is "14.2", 41 million is "41"."""
    value = -(-amount * 10 // unit)  # ceiling, in whole numbers: no float rounding
    whole, tenth = divmod(value, 10)
    return f"{whole:,}" if tenth == 0 else f"{whole:,}.{tenth}"


def looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def read(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    max_side: int | None = None,
    keep_side: int | None = None,
) -> Picture:
    """The upload's pixels, checked in the order that costs least; raises a Refused kind.
    With ``keep_side``, a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (its own, nearly free,
    downscaling) while both sides stay at least that long: a 40-megapixel photo shown at most
    1,600 pixels wide then costs a quarter of the memory and time."""
    if len(data) > max_bytes:
        raise TooLarge(len(data), max_bytes)
    if looks_like_svg(data):
        raise NotAPicture(svg=True)
    try:
        with Image.open(BytesIO(data), formats=list(FORMATS)) as image:
            width, height = image.size  # from the header: nothing decoded yet
            too_wide = max_side is not None and max(width, height) > max_side
            if too_wide or width * height > min(max_pixels, MOST_PIXELS):
                raise TooManyPixels(width, height, max_pixels)
            source_format = str(image.format)
            if keep_side is not None and source_format == "JPEG":
                image.draft("RGB", (keep_side, keep_side))
            image.load()
            turned = image.getexif().get(ORIENTATION, 1) in TURNED  # PNG's may follow the pixels
            upright = ImageOps.exif_transpose(image)
            original = (height, width) if turned else (width, height)
            return Picture(_plain(upright, source_format), source_format, *original)
    except Refused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise TooManyPixels(0, 0, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise NotAPicture() from None


def _plain(image: Image.Image, source_format: str) -> Image.Image:
    """The pixels alone in sRGB: a colour profile is applied (a phone's Display P3 photo keeps
    its colours), then dropped with every other piece of metadata."""
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if alpha and source_format != "JPEG" else "RGB"
    converted: Image.Image | None = None
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(profile))
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # an unreadable profile: the pixels as they are
    plain = converted if converted is not None else image.convert(mode)
    if plain is image:
        plain = image.copy()
    plain.info = {}  # EXIF, XMP, ICC, comments, DPI: none of it travels further
    return plain
