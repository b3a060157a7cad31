"""Security headers on every response, CSRF for the no-JavaScript forms, body size limits."""

from __future__ import annotations

import hmac
import re
import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribune.fields import whole_number
from tribune.web.cookies import CSRF_COOKIE, set_cookie
from tribune.web.deps import settings_of

# No inline script or style anywhere, so none is allowed; nothing is loaded from elsewhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
OTHER_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
HEADERS = [(b"content-security-policy", CSP.encode()), *OTHER_HEADERS]
# Uploaded pictures (re-encoded, served with their own image type and nosniff) are also
# sandboxed: were a browser ever to read one as a document, it would run nothing and be
# nobody's origin.
UPLOADS = ("/media/", "/site/logo/")
UPLOAD_HEADERS = [(b"content-security-policy", (CSP + "; sandbox").encode()), *OTHER_HEADERS]

OWN_HEADERS = frozenset(name for name, _ in HEADERS)
FRAMED_BY_SELF = {
    "Content-Security-Policy": CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
    "X-Frame-Options": "SAMEORIGIN",
}

MAX_BODY_BYTES = 256 * 1024
CSRF_FIELD = "csrf_token"
# What secrets.token_urlsafe(32) makes. A cookie can be planted by a sibling subdomain or
# another port on the same host, so anything else is not our token and is replaced.
CSRF_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class SecurityHeaders:
    """Adds the headers above to every HTTP response (pure ASGI: no per-request objects)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extra = UPLOAD_HEADERS if str(scope["path"]).startswith(UPLOADS) else HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A response that sets one of these itself keeps its own (the story editor's
                # preview may be framed by the editor page): all others get the defaults.
                if any(name.lower() in OWN_HEADERS for name, _ in headers):
                    present = {name.lower() for name, _ in headers}
                    headers += [h for h in extra if h[0] not in present]
                else:
                    headers += extra
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing more than ``limit`` bytes whatever Content-Length claims."""
    declared = request.headers.get("content-length")
    if declared and (size := whole_number(declared)) is not None and size > limit:
        raise BodyTooLarge
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def reader_form_ok(request: Request, submitted: str | None) -> bool:
    """A form on a page every reader shares (the story page's comment form and vote buttons:
    cached, so it carries no token): its token as csrf_ok checks it when it has one; without
    one, the browser's own word that the form is this site's (Fetch Metadata:
    ``Sec-Fetch-Site: same-origin``, sent by every current browser, or, from one that sends
    none, an Origin that is ours). A cross-site or same-site-but-other-origin form, or a
    client that says neither, is refused; the refused form comes back with a token."""
    if submitted:
        return csrf_ok(request, submitted)
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    has_origin = bool(request.headers.get("origin"))
    if has_origin and not same_origin(request):
        return False
    return fetch_site is not None or has_origin


def csrf_token(request: Request) -> str:
    """The reader's CSRF token (from the cookie, or a fresh one that set_csrf_cookie stores)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token or not CSRF_TOKEN.fullmatch(token):
        token = getattr(request.state, "new_csrf", None)
        if token is None:
            token = request.state.new_csrf = secrets.token_urlsafe(32)
    return str(token)


def set_csrf_cookie(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token:
        set_cookie(request, response, CSRF_COOKIE, token)


def same_origin(request: Request) -> bool:
    """False when the browser names the page's origin and it is not ours ("null", from
    sandboxed or privacy-redirected pages, included); True without an Origin header."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin in (own, settings_of(request).base_url)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    """Double-submit check: the form's hidden token must equal the reader's cookie, and a
    browser that names the page's origin must name ours (blocks cross-site form posts)."""
    if not same_origin(request):
        return False
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not CSRF_TOKEN.fullmatch(cookie):
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
