"""Short links: /s/{code}, the story's id in base 62 (like the demo's on.rt.com/a37e).

The code is the id itself, so it needs no table and never changes with the slug; each id has
exactly one code (no leading zeros), and anything else is not a code at all.
"""

from __future__ import annotations

import string

ALPHABET = string.digits + string.ascii_lowercase + string.ascii_uppercase
BASE = len(ALPHABET)
CODE_MAX = 11  # 62**11 > 2**63: every id either database stores fits in 11 characters
ID_MAX = 2**63 - 1
_VALUES = {c: n for n, c in enumerate(ALPHABET)}


def encode_short(story_id: int) -> str:
    """The short code of a story id (1 → "1", 61 → "Z", 62 → "10")."""
    if not 0 <= story_id <= ID_MAX:
        raise ValueError(f"no short code for id {story_id}")
    digits = []
    while True:
        story_id, digit = divmod(story_id, BASE)
        digits.append(ALPHABET[digit])
        if story_id == 0:
            return "".join(reversed(digits))


def decode_short(code: str) -> int | None:
    """The story id a short code names, or None when it is not a code encode_short makes
    (empty, longer than 11 characters, a character outside the alphabet, a leading zero, a
    number beyond what the databases store)."""
    if not 0 < len(code) <= CODE_MAX or (code[0] == "0" and len(code) > 1):
        return None
    value = 0
    for char in code:
        digit = _VALUES.get(char)
        if digit is None:
            return None
        value = value * BASE + digit
    return value if value <= ID_MAX else None


def short_path(story_id: int) -> str:
    return f"/s/{encode_short(story_id)}"
