"""Identicons: a small symmetric SVG drawn from a keyed hash, so no avatar service ever
learns a reader's e-mail (no Gravatar) and no request leaves the site."""

from __future__ import annotations

import hashlib
import re

KEY = re.compile(r"[0-9a-f]{20}")  # use with fullmatch: "$" also matches before a final "\n"
CELLS = 5


def identicon(key: str) -> str:
    """A 5×5 mirrored pattern in one colour, from a 20-hex-digit avatar key."""
    digest = hashlib.sha256(key.encode()).digest()
    hue = int.from_bytes(digest[:2], "big") % 360
    colour = f"hsl({hue} 55% 45%)"
    rects = []
    for row in range(CELLS):
        for col in range((CELLS + 1) // 2):
            if digest[2 + row * 3 + col] % 2:
                for x in {col, CELLS - 1 - col}:
                    rects.append(f'<rect x="{x}" y="{row}" width="1" height="1"/>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="-0.5 -0.5 6 6" width="40" height="40">'
        f'<rect x="-0.5" y="-0.5" width="6" height="6" fill="hsl({hue} 40% 93%)"/>'
        f'<g fill="{colour}">{"".join(rects)}</g></svg>'
    )
