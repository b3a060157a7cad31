"""Cross-origin access for the embed (CORS): only the sites TRIBUNE_ALLOWED_ORIGINS lists.

A page of an allowed site reads and acts through the API and the embed's fragments: each
answer names that page's origin back (never ``*``), and preflights are answered here.
Nothing of it needs a cookie, so credentials are never allowed: an embedded reader is
known by the tokens the embed sends as headers (edit tokens in Authorization, the voter
token in X-Tribune-Voter), which a page of another site cannot read.

A request that a browser sent from a page of any other site (its Origin names one) is
refused with a problem answer before it reaches a route, so it can neither read nor act;
requests that name no origin (servers, curl, same-site navigation) pass as before. Pages and
forms of this site keep their own checks (CSRF, web/security.py).
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribune.jsonformat import dumps
from tribune.web.security import same_origin

SCOPE = ("/api/", "/embed/")  # what other sites' pages may reach (embed.js itself is a script)
METHODS = "GET, POST, PATCH, DELETE"
REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Tribune-Voter"
EXPOSED = "Location, Retry-After, Idempotent-Replayed, X-Tribune-Voter"
MAX_AGE = "600"
REFUSED = (
    "Pages of this site may not use this discussion service: its origin is not one of "
    "the sites allowed to embed it"
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class Cors:
    """Pure ASGI, outside the fast lanes (their answers get the headers too)."""

    def __init__(self, app: ASGIApp, *, allowed: Collection[str]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(SCOPE):
            await self.app(scope, receive, send)
            return
        asking = _header(scope, b"origin")
        # This site's own pages (web/security.py decides what "own" is, for CSRF too).
        if asking is None or same_origin(Request(scope)):
            await self.app(scope, receive, _varying(send, None))
            return
        if asking not in self.allowed:
            await _answer(send, 403, dumps(_problem(403, REFUSED)), [])
            return
        allow = [(b"access-control-allow-origin", asking.encode("latin-1")), (b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            preflight = [
                (b"access-control-allow-methods", METHODS.encode()),
                (b"access-control-allow-headers", REQUEST_HEADERS.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
            ]
            await _answer(send, 204, b"", allow + preflight)
            return
        await self.app(scope, receive, _varying(send, allow))


def _varying(send: Send, allow: list[tuple[bytes, bytes]] | None) -> Send:
    """Every answer here differs by Origin (a shared cache must keep them apart); one to an
    allowed site's page also names it, and the headers its script may read."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if allow is None:
                headers.append((b"vary", b"Origin"))
            else:
                headers += [*allow, (b"access-control-expose-headers", EXPOSED.encode())]
            message["headers"] = headers
        await send(message)

    return sending


def _problem(status: int, detail: str) -> dict[str, object]:
    return {"type": "about:blank", "title": "Forbidden", "status": status, "detail": detail}


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    kind = [(b"content-type", b"application/problem+json")] if body else []
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, *kind, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
