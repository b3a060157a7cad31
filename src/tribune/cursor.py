"""Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded JSON."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson


def encode(values: list[Any]) -> str:
    raw = orjson.dumps(values, option=orjson.OPT_UTC_Z)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str) -> list[Any] | None:
    """The values in a cursor, or None when it is not one of ours."""
    if len(cursor) > 500:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        return None
    return value if isinstance(value, list) else None
