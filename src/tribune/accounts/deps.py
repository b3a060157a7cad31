"""What every staff page and staff API call goes through: the session cookie, the role's
permission, CSRF; and how a staff page is answered (never cached, never indexed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from tribune.accounts import service, tokens
from tribune.accounts.service import Staff
from tribune.accounts.tokens import ApiCaller
from tribune.vocabulary import Permission, TokenScope
from tribune.web.cookies import STAFF_COOKIE
from tribune.web.deps import get_db
from tribune.web.errors import ProblemError, wants_json
from tribune.web.security import CSRF_FIELD, csrf_ok
from tribune.web.templating import render_form

CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """A staff page was asked for without a session: pages redirect to the login form."""


async def current_staff(request: Request) -> Staff | None:
    if not hasattr(request.state, "staff"):
        token = request.cookies.get(STAFF_COOKIE)
        request.state.staff = await service.session_staff(await get_db(request), token)
    member: Staff | None = request.state.staff
    return member


def staff_with(permission: Permission) -> Callable[[Request], Awaitable[Staff]]:
    """A dependency: the signed-in staff member allowed to do ``permission``. Without a
    session pages redirect to the login form and the API answers 401; without the role, 403."""

    async def dependency(request: Request) -> Staff:
        member = await current_staff(request)
        if member is None:
            if wants_json(request):
                raise ProblemError(401, "Sign in as staff at /admin/login first")
            raise SignInRequired
        if not member.can(permission):
            raise ProblemError(403, f"A {member.role} may not do this")
        # Staff API calls carry the CSRF cookie's value in a header (double submit), and a
        # browser that names the calling page's origin must name ours.
        writes = wants_json(request) and request.method not in ("GET", "HEAD")
        if writes and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
            raise ProblemError(403, f"Send the {CSRF_HEADER} header with the CSRF cookie")
        return member

    return dependency


# What a signed-in staff member needs to call the staff API without a token, per scope.
SESSION_PERMISSION = {
    TokenScope.stories: Permission.publish,
    TokenScope.moderation: Permission.moderate,
}


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def token_with(scope: TokenScope) -> Callable[[Request], Awaitable[ApiCaller]]:
    """A dependency for the staff API: a token of ``scope`` in ``Authorization: Bearer``
    (none, or one not in force: 401 with ``WWW-Authenticate: Bearer``; another scope: 403).
    Without the header, a signed-in staff member allowed to do the same passes too, sending
    the CSRF header on writes as every staff API call from a page does (the editor's own
    script)."""
    permission = SESSION_PERMISSION[scope]

    async def dependency(request: Request) -> ApiCaller:
        secret = bearer(request)
        if secret is None and request.cookies.get(STAFF_COOKIE):
            member = await current_staff(request)
            if member is not None:
                if not member.can(permission):
                    raise ProblemError(403, f"A {member.role} may not do this")
                writes = request.method not in ("GET", "HEAD")
                if writes and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
                    raise ProblemError(403, f"Send the {CSRF_HEADER} header with the CSRF cookie")
                return ApiCaller(staff=member)
        if secret is None:
            raise ProblemError(
                401,
                "Send a staff API token as Authorization: Bearer TOKEN "
                "(made at /admin/tokens or with tribune token create)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        identity = await tokens.authenticate(await get_db(request), secret)
        if identity is None:
            raise ProblemError(
                401,
                "This API token is not valid: it was mistyped, or it was revoked",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        if identity.scope != scope:
            raise ProblemError(
                403,
                f"This token may {tokens.SCOPE_WORDS[identity.scope]}, not "
                f"{tokens.SCOPE_WORDS[scope]}: make a token with the scope {scope}",
                headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
            )
        return ApiCaller(token=identity)

    return dependency


async def sign_in_required(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/admin/login?next={quote(target, safe='')}", 303)


def check_form(request: Request, form: dict[str, str]) -> None:
    """Refuse a staff form whose CSRF token is missing or wrong."""
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise ProblemError(403, "This form had expired: go back, reload the page and try again")


def staff_page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """A staff page: never cached, never indexed, with a fresh CSRF token when needed."""
    context = {"staff": getattr(request.state, "staff", None), **context}
    response = render_form(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


SignedIn = Annotated[Staff, Depends(staff_with(Permission.signed_in))]
StaffAdmin = Annotated[Staff, Depends(staff_with(Permission.staff))]
Auditor = Annotated[Staff, Depends(staff_with(Permission.audit))]
Moderator = Annotated[Staff, Depends(staff_with(Permission.moderate))]
Banner = Annotated[Staff, Depends(staff_with(Permission.ban))]
RuleKeeper = Annotated[Staff, Depends(staff_with(Permission.rules))]
Editor = Annotated[Staff, Depends(staff_with(Permission.stories))]
Publisher = Annotated[Staff, Depends(staff_with(Permission.publish))]
TokenKeeper = Annotated[Staff, Depends(staff_with(Permission.tokens))]
CommenterAdmin = Annotated[Staff, Depends(staff_with(Permission.commenters))]
