"""JSON responses encoded with orjson (RFC 3339 times in UTC, 'Z' suffix)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)
