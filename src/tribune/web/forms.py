"""Request bodies read once, checked for type, size and encoding before anything uses them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

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


async def read_upload_form(
    request: Request,
    *,
    limit: int,
    fields: tuple[str, ...],
    file_field: str,
    too_large: str,
) -> tuple[dict[str, str], bytes | None]:
    """A form with one file: its named text fields, and the file's bytes (None when no file
    was chosen). The whole body is read first, refusing more than ``limit`` bytes with 413 and
    ``too_large`` (as the problem's detail and the file field's message)."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ProblemError(415, "Send the form as the page does (multipart/form-data)")
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        raise ProblemError(413, too_large, errors={file_field: too_large}) from None

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    values: dict[str, str] = {}
    upload: bytes | None = None
    try:
        async with Request(request.scope, replay).form(max_files=1, max_fields=20) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if key == file_field and value.filename:
                        upload = await value.read()
                elif key in fields:
                    values[key] = value
    except (ValueError, KeyError, AssertionError):
        raise ProblemError(400, "The form data is not valid") from None
    return values, upload
