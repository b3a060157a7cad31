"""Errors as RFC 9457 problem details for the API, and as pages for readers.

Whatever a client sends, the answer is a 4xx that says what is wrong, never a 500 with a trace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribune.exceptions import (
    Conflict,
    Failure,
    Invalid,
    Moved,
    NotAllowed,
    NotFound,
    Unavailable,
)
from tribune.jsonformat import dumps
from tribune.ratelimit import RateLimited
from tribune.storage.engine import unavailable
from tribune.web.templating import render

log = logging.getLogger("tribune")

PROBLEM_JSON = "application/problem+json"

# Titles as RFC 9110 names them, pinned: Python's own phrases changed in 3.13 ("Unprocessable
# Entity" became "Unprocessable Content"), and the wire format must not follow the runtime.
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# What each kind of failure a service raises answers with (most specific first).
STATUS_OF: list[tuple[type[Failure], int]] = [
    (Invalid, 422),
    (NotFound, 404),
    (NotAllowed, 403),
    (Conflict, 409),
    (RateLimited, 429),
    (Unavailable, 503),
]


def title(status: int) -> str:
    return TITLES.get(status) or HTTPStatus(status).phrase


class Problem(BaseModel):
    """An error answer (RFC 9457), for the OpenAPI document."""

    type: str
    title: str
    status: int
    detail: str
    errors: dict[str, str] | None = Field(None, description="Each bad field, with why.")
    comment: dict[str, Any] | None = Field(
        None,
        description="The submitted fields, given back when a comment is refused (closed "
        "story, ban, rate limit) so nothing typed is lost.",
    )


class ProblemError(Exception):
    """Raised by routes for what only the web layer knows (a missing CSRF token, a wrong
    content type); the services' failures are tribune.exceptions."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem(
    status: int,
    detail: str,
    *,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title(status),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return Response(dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def wants_json(request: Request) -> bool:
    # The embed's fragments go into other sites' pages: never a whole error page there.
    path = request.url.path
    return path.startswith(("/api/", "/embed/")) or path in ("/healthz", "/readyz")


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "request"


def _message(field: str, error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    label = field.capitalize()
    if kind.startswith("int"):
        return f"{label} must be a whole number"
    if kind == "missing":
        return f"{label} is required"
    return f"{label}: {error.get('msg', 'invalid value')}"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = _field_of(tuple(error.get("loc", ())))
        errors.setdefault(field, _message(field, error))
    if not wants_json(request):
        return await _page(request, 422, "; ".join(errors.values()))
    return problem(422, "The request has invalid parameters", errors=errors)


async def _problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    if not wants_json(request):
        return await _page(request, exc.status, exc.detail, headers=exc.headers)
    return problem(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


async def _failure(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Failure)
    if isinstance(exc, Moved) and (moved := _moved(request, exc)) is not None:
        return moved
    if isinstance(exc, Unavailable):  # a service said so, keeping what the reader typed
        cause = _one_line(exc.__cause__ or exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, cause)
    status = next(code for kind, code in STATUS_OF if isinstance(exc, kind))
    retry_after = getattr(exc, "retry_after", None)  # RateLimited, Unavailable
    headers = None if retry_after is None else {"Retry-After": str(retry_after)}
    if not wants_json(request):
        detail = "; ".join(exc.errors.values()) if exc.errors else exc.detail
        return await _page(request, status, detail, headers=headers)
    return problem(status, exc.detail, errors=exc.errors, headers=headers, extra=exc.extra or None)


def _moved(request: Request, exc: Moved) -> Response | None:
    """The same request at the story's new address: 301 for reads (search engines move
    their index), 308 for a form sent to the old one (the browser sends it again there)."""
    old, new = f"/stories/{quote(exc.old, safe='')}", f"/stories/{quote(exc.new, safe='')}"
    path = request.url.path
    if not (path == old or path.startswith(old + "/")):
        return None
    target = new + path[len(old) :] + (f"?{request.url.query}" if request.url.query else "")
    status = 301 if request.method in ("GET", "HEAD") else 308
    return Response(status_code=status, headers={"Location": target})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else title(exc.status_code)
    if exc.status_code == 404:
        detail = "There is nothing at this address"
    headers = dict(exc.headers) if exc.headers else None
    if not wants_json(request):
        return await _page(request, exc.status_code, detail, headers=headers)
    return problem(exc.status_code, detail, headers=headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up mid-request (a closed tab, a load generator stopping): nothing to
    # answer and nothing to log.
    return Response(status_code=400)


def _one_line(exc: BaseException) -> str:
    """The error in one line for the log: SQLAlchemy's add the SQL and a link on lines of
    their own."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


async def _server_error(request: Request, exc: Exception) -> Response:
    """What escaped every other handler: 503 with Retry-After for a database that is not
    available (a warning line), else 500 (one error record with the traceback)."""
    where = f"{request.method} {request.url.path}"
    if unavailable(exc):
        log.warning("database unavailable on %s: %s", where, _one_line(exc))
        detail = "The database is not reachable right now; please try again shortly"
        headers = {"Retry-After": "5"}
        if not wants_json(request):
            return await _page(request, 503, detail, headers=headers)
        return problem(503, detail, headers=headers)
    log.error("unhandled error on %s: %s", where, _one_line(exc), exc_info=exc)
    detail = "Something went wrong on our side; the error was logged"
    if not wants_json(request):
        return await _page(request, 500, detail)
    return problem(500, detail)


class ServerErrors:
    """Answers errors nothing else handled, with _server_error, and lets the connection go on
    serving. Starlette would run that handler in its ServerErrorMiddleware, which re-raises
    afterwards so that the server logs the error again, traceback and all, and drops the
    keep-alive connection. Installed inside SecurityHeaders: error pages get its headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception as exc:
            if started:
                raise  # half an answer sent: only closing the connection can end it
            response = await _server_error(Request(scope, receive), exc)
            await response(scope, receive, send)


async def _page(
    request: Request, status: int, detail: str, *, headers: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "title": title(status), "detail": detail},
        status_code=status,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ProblemError, _problem_error)
    app.add_exception_handler(Failure, _failure)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
    # Everything else: ServerErrors, a middleware (see there).
