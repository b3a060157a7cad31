"""Request bodies read once, checked for type, size and encoding before anything uses them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from tribune.web.errors import ProblemError
from tribune.web.security import MAX_BODY_BYTES, BodyTooLarge, read_body


async def read_text(request: Request, media_type: str, limit: int = MAX_BODY_BYTES) -> str:
    """The request body as text, after checking its type, size and encoding."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared != media_type:
        raise ProblemError(415, f"Send the request body as {media_type}")
    try:
        raw = await read_body(request, limit)
    except BodyTooLarge:
        raise ProblemError(413, "The request body is too large") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid UTF-8 (byte {exc.start})") from None


async def read_json(request: Request, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    try:
        data = orjson.loads(await read_text(request, "application/json", limit))
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProblemError(400, "The request body must be a JSON object")
    return data


async def read_form_pairs(
    request: Request, max_fields: int = 20, limit: int = MAX_BODY_BYTES
) -> list[tuple[str, str]]:
    """A urlencoded form as (name, value) pairs in order; invalid encoding is a 400, never
    replaced silently."""
    text = await read_text(request, "application/x-www-form-urlencoded", limit)
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError):
        raise ProblemError(400, "The form data is not valid") from None


async def read_form(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    """The named single-valued fields of a form; others are ignored."""
    return {key: value for key, value in await read_form_pairs(request) if key in fields}


async def read_form_data(
    request: Request,
    limit: int,
    files: tuple[str, ...] = (),
    max_fields: int = 60,
    too_large: str | None = None,
) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    """A form sent urlencoded or as multipart (with files): its text fields as (name, value)
    pairs in order, and the bytes of each named file the person chose. The whole body is
    read within ``limit`` first, so a large upload is refused (413, with ``too_large`` as
    the message of the first file field) before it is parsed."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared == "application/x-www-form-urlencoded":
        return await read_form_pairs(request, max_fields, limit), {}
    if declared != "multipart/form-data":
        raise ProblemError(415, "Send the form as the page does (multipart/form-data)")
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        words = too_large or f"The form is too large: at most {limit // 1_000_000} MB"
        errors = {files[0]: words} if files and too_large else None
        raise ProblemError(413, words, errors=errors) from None

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    pairs: list[tuple[str, str]] = []
    uploads: dict[str, bytes] = {}
    try:
        async with Request(request.scope, replay).form(
            max_files=len(files) or 1, max_fields=max_fields
        ) as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if key in files and value.filename:
                        uploads[key] = await value.read()
                else:
                    pairs.append((key, value))
    except (ValueError, KeyError, AssertionError):
        raise ProblemError(400, "The form data is not valid") from None
    return pairs, uploads


async def read_upload_form(
    request: Request,
    *,
    limit: int,
    fields: tuple[str, ...],
    file_field: str,
    too_large: str,
) -> tuple[dict[str, str], bytes | None]:
    """A form with one file: its named text fields, and the file's bytes (None when no file
    was chosen), as read_form_data reads them."""
    pairs, uploads = await read_form_data(
        request, limit, (file_field,), max_fields=20, too_large=too_large
    )
    return {key: value for key, value in pairs if key in fields}, uploads.get(file_field)
