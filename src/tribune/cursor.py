"""Paging: opaque keyset cursors (the sort key of the last item of a page, base64url-encoded
JSON), and the most items one page of any list may hold."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

LIMIT_MAX = 100  # items per page of any API list: `limit` is 1–100
INT64 = range(-(2**63), 2**63)  # what both databases store; a key outside it matches nothing


def encode(values: list[Any]) -> str:
    raw = orjson.dumps(values, option=orjson.OPT_UTC_Z)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str) -> list[Any] | None:
    """The values in a cursor, or None when it is not one of ours (a number no column can
    hold included: the drivers refuse it with OverflowError and DataError)."""
    if len(cursor) > 500:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(value, list):
        return None
    return None if any(type(v) is int and v not in INT64 for v in value) else value
