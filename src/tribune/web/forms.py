"""Request bodies read once, checked for type, size and encoding before anything uses them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from tribune.web.errors import ProblemError
from tribune.web.security import BodyTooLarge, read_body


async def read_text(request: Request, media_type: str) -> str:
    """The request body as text, after checking its type, size and encoding."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared != media_type:
        raise ProblemError(415, f"Send the request body as {media_type}")
    try:
        raw = await read_body(request)
    except BodyTooLarge:
        raise ProblemError(413, "The request body is too large") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid UTF-8 (byte {exc.start})") from None


async def read_json(request: Request) -> dict[str, Any]:
    try:
        data = orjson.loads(await read_text(request, "application/json"))
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProblemError(400, "The request body must be a JSON object")
    return data


async def read_form_pairs(request: Request, max_fields: int = 20) -> list[tuple[str, str]]:
    """A urlencoded form as (name, value) pairs in order; invalid encoding is a 400, never
    replaced silently."""
    text = await read_text(request, "application/x-www-form-urlencoded")
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise ProblemError(400, "The form data is not valid") from None


async def read_form(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    """The named single-valued fields of a form; others are ignored."""
    return {key: value for key, value in await read_form_pairs(request) if key in fields}
