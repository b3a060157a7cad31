"""JSON as Tribune sends it: orjson, times in UTC with a 'Z'."""

from __future__ import annotations

from typing import Any

import orjson


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)
