"""JSON responses encoded with orjson (RFC 3339 times in UTC, 'Z' suffix)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from tribune.jsonformat import dumps


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)
