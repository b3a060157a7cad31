"""The site's identity as every page shows it: name, tagline, footer, accent colour and logo.

Admins set them at /admin/site (branding/); they live in the database, so every instance
shows the same. Every page reads them, so each worker keeps its copy (SiteCache) for
SITE_SECONDS: a page costs no query for them, and a change made on one instance reaches
every other within that time (the instance that saved it shows it at once).

The accent colour is what admins choose; what pages use is a variant per colour scheme that
buttons and marks can be read on (accent_variants): the colour itself where it already has
4.5:1 contrast with the page and the button text, else the nearest darker shade (light
pages) or lighter shade (dark pages) that has.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass, replace
from typing import Any

import orjson

from tribune.markdown import render_comment
from tribune.storage import site as store
from tribune.storage.engine import Database

log = logging.getLogger(__name__)

SITE_SECONDS = 2.0  # how long a worker trusts its copy of the site settings
RECHECK_SECONDS = 0.25  # the least time between two reads for an unknown logo or stylesheet
DEFAULT_NAME = "Tribune"
GENERATOR = "Tribune"  # the software, named in feeds whatever the site is called

NAME_MAX = 80
TAGLINE_MAX = 160
FOOTER_MAX = 500
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

# What buttons and marks in the accent colour sit on, and the text buttons carry, per scheme
# (tribune.css: --page, and the button rule).
LIGHT_PAGE = "#ffffff"
LIGHT_BUTTON_TEXT = "#ffffff"
DARK_PAGE = "#131418"
DARK_BUTTON_TEXT = "#1b0b0a"
CONTRAST_MIN = 4.5  # WCAG AA for text: buttons' labels, and links


# Colours ------------------------------------------------------------------------------------


def _channels(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _mix(colour: str, toward: str, share: float) -> str:
    mixed = (
        round(c + (t - c) * share)
        for c, t in zip(_channels(colour), _channels(toward), strict=True)
    )
    return "#" + "".join(f"{value:02x}" for value in mixed)


def _readable(colour: str, against: tuple[str, ...], toward: str) -> str:
    """The colour, or the first shade of it mixed toward ``toward`` (in steps of 2%) that
    has CONTRAST_MIN against every colour of ``against``."""
    for step in range(51):
        shade = _mix(colour, toward, step / 50)
        if all(contrast(shade, other) >= CONTRAST_MIN for other in against):
            return shade
    return toward


def accent_variants(colour: str) -> tuple[str, str]:
    """The accent as light pages and as dark pages use it: (light, dark), lower case."""
    colour = colour.lower()
    light = _readable(colour, (LIGHT_PAGE, LIGHT_BUTTON_TEXT), "#000000")
    dark = _readable(colour, (DARK_PAGE, DARK_BUTTON_TEXT), "#ffffff")
    return light, dark


# The settings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Logo:
    digest: str  # sha256 of the stored bytes: the logo's URL
    media_type: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return f"/site/logo/{self.digest}"


@dataclass(frozen=True, slots=True)
class Site:
    name: str = DEFAULT_NAME
    tagline: str = ""
    footer: str = ""  # Markdown, as the admin typed it
    accent: str = ""  # #rrggbb as chosen, or "" for the stylesheet's own
    logo: Logo | None = None
    footer_html: str = ""  # the footer, rendered and sanitized (markdown.py)
    accent_light: str = ""
    accent_dark: str = ""
    stylesheet: str = ""  # the accent as CSS custom properties, "" without an accent
    version: str = "default"  # changes with any setting: caches of rendered HTML key on it

    @property
    def stylesheet_url(self) -> str | None:
        if not self.stylesheet:
            return None
        digest = hashlib.sha256(self.stylesheet.encode()).hexdigest()[:16]
        return f"/site/{digest}.css"

    def stored(self) -> dict[str, Any]:
        """The settings as the database keeps them (JSON)."""
        logo = self.logo
        return {
            "name": self.name,
            "tagline": self.tagline,
            "footer": self.footer,
            "accent": self.accent,
            "logo": None
            if logo is None
            else {
                "digest": logo.digest,
                "media_type": logo.media_type,
                "width": logo.width,
                "height": logo.height,
            },
        }


DEFAULT = Site()


def stylesheet(light: str, dark: str) -> str:
    return (
        f":root {{ --accent: {light}; }}\n"
        f"@media (prefers-color-scheme: dark) {{ :root {{ --accent: {dark}; }} }}\n"
    )


def build(
    *,
    name: str = DEFAULT_NAME,
    tagline: str = "",
    footer: str = "",
    accent: str = "",
    logo: Logo | None = None,
) -> Site:
    """A Site from settings already checked, with what pages derive from them."""
    light, dark = accent_variants(accent) if accent else ("", "")
    site = Site(
        name=name,
        tagline=tagline,
        footer=footer,
        accent=accent.lower(),
        logo=logo,
        footer_html=render_comment(footer) if footer.strip() else "",
        accent_light=light,
        accent_dark=dark,
        stylesheet=stylesheet(light, dark) if accent else "",
    )
    version = hashlib.sha256(orjson.dumps(site.stored(), option=orjson.OPT_SORT_KEYS))
    return replace(site, version=version.hexdigest()[:16])


def from_stored(stored: Any) -> Site:
    """The settings the database holds; defaults for anything missing or not as written by
    this version (a page must never fail over its branding)."""
    if not isinstance(stored, dict):
        return DEFAULT
    try:
        name = str(stored.get("name") or DEFAULT_NAME)[:NAME_MAX]
        accent = str(stored.get("accent") or "")
        logo_data = stored.get("logo")
        logo = (
            Logo(
                digest=str(logo_data["digest"]),
                media_type=str(logo_data["media_type"]),
                width=int(logo_data["width"]),
                height=int(logo_data["height"]),
            )
            if isinstance(logo_data, dict)
            else None
        )
        return build(
            name=name,
            tagline=str(stored.get("tagline") or "")[:TAGLINE_MAX],
            footer=str(stored.get("footer") or "")[:FOOTER_MAX],
            accent=accent if HEX_COLOUR.fullmatch(accent) else "",
            logo=logo,
        )
    except (KeyError, TypeError, ValueError):
        return DEFAULT


# The per-worker copy ------------------------------------------------------------------------


class SiteCache:
    """A worker's copy of the site settings, read again once it is SITE_SECONDS old."""

    def __init__(self, db: Database, seconds: float = SITE_SECONDS) -> None:
        self._db = db
        self.seconds = seconds
        self.current = DEFAULT
        self._read_at = float("-inf")

    def stale(self) -> bool:
        return time.monotonic() - self._read_at >= self.seconds

    async def fresh(self) -> Site:
        """The settings, at most ``seconds`` old: a read only when the copy is that old."""
        if self.stale():
            await self.reload()
        return self.current

    async def reload(self) -> Site:
        # Marked read first: requests arriving during the read use the copy they have.
        self._read_at = time.monotonic()
        try:
            async with self._db.read() as conn:
                stored = await store.identity(conn)
        except Exception as exc:  # a page (an error page above all) never fails over branding
            log.debug("site settings not read, keeping the last: %s", exc)
            return self.current
        self.current = from_stored(stored)
        return self.current

    async def recheck(self) -> Site:
        """Read again for an address naming settings this copy lacks (saved on another
        instance a moment ago?), unless it was read just now: made-up addresses cost a
        query at most every RECHECK_SECONDS."""
        if time.monotonic() - self._read_at >= RECHECK_SECONDS:
            await self.reload()
        return self.current

    def replace(self, site: Site) -> None:
        """What this worker just saved: shown at once here (others within ``seconds``)."""
        self.current = site
        self._read_at = time.monotonic()
