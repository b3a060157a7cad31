"""Staff sign-in and sign-out, the staff list, the audit log, and the checks every staff page
and staff API call goes through (session cookie, role, CSRF)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tribune.accounts import service
from tribune.accounts.service import Staff
from tribune.storage.tables import Role
from tribune.web.deps import MAX_ID, AppKeys, Db, client_hash
from tribune.web.errors import ProblemError, wants_json
from tribune.web.forms import read_form
from tribune.web.security import CSRF_FIELD, csrf_ok
from tribune.web.templating import render_form

router = APIRouter(include_in_schema=False)

STAFF_COOKIE = "tribune_staff"
CSRF_HEADER = "x-csrf-token"


class SignInRequired(Exception):
    """A staff page was asked for without a session: pages redirect to the login form."""


async def current_staff(request: Request) -> Staff | None:
    if not hasattr(request.state, "staff"):
        token = request.cookies.get(STAFF_COOKIE)
        request.state.staff = await service.session_staff(request.app.state.db, token)
    member: Staff | None = request.state.staff
    return member


def staff_with(permission: str) -> Callable[[Request], Awaitable[Staff]]:
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


async def sign_in_required(request: Request, _exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/admin/login?next={quote(target, safe='')}", 303)


def check_form(request: Request, form: dict[str, str]) -> None:
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise ProblemError(403, "This form had expired: go back, reload the page and try again")


def safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://..." would leave it.
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return "/admin"


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> Response:
    """A staff page: never cached, never indexed, with a fresh CSRF token when needed."""
    context = {"staff": getattr(request.state, "staff", None), **context}
    response = render_form(request, template, context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


SignedIn = Annotated[Staff, Depends(staff_with("signed_in"))]
StaffAdmin = Annotated[Staff, Depends(staff_with("staff"))]
Auditor = Annotated[Staff, Depends(staff_with("audit"))]


# Signing in and out ----------------------------------------------------------------------------


@router.get("/admin/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current_staff(request):
        return RedirectResponse(safe_next(next), 303)
    return page(request, "login.html", {"form": {}, "error": None, "next": safe_next(next)})


@router.post("/admin/login")
async def login(request: Request, db: Db, keys: AppKeys) -> Response:
    form = await read_form(request, ("email", "password", "next", CSRF_FIELD))
    target = safe_next(form.get("next"))
    kept = {"email": form.get("email", "")}
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        error = "This form had expired. Please sign in again."
        return page(
            request, "login.html", {"form": kept, "error": error, "next": target}, status_code=403
        )
    try:
        _member, token = await service.log_in(
            db, keys, form.get("email", ""), form.get("password", ""), client_hash(request)
        )
    except service.LoginRefused as exc:
        response = page(
            request,
            "login.html",
            {"form": kept, "error": str(exc), "next": target},
            status_code=429 if exc.retry_after else 401,
        )
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(target, 303)
    response.set_cookie(
        STAFF_COOKIE,
        token,
        max_age=service.SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/admin/logout")
async def logout(request: Request, db: Db, member: SignedIn) -> Response:
    form = await read_form(request, (CSRF_FIELD,))
    check_form(request, form)
    await service.log_out(db, request.cookies.get(STAFF_COOKIE, ""), member)
    response = RedirectResponse("/admin/login", 303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response


@router.get("/admin")
async def admin_home(member: SignedIn) -> Response:
    return RedirectResponse(
        "/admin/moderation" if member.can("moderate") else "/admin/stories", 303
    )


# Staff -----------------------------------------------------------------------------------------

STAFF_FIELDS = ("email", "name", "role", "password", CSRF_FIELD)


@router.get("/admin/staff")
async def staff_list(request: Request, db: Db, member: StaffAdmin) -> Response:
    return await _staff_page(request, db, {}, {})


async def _staff_page(
    request: Request, db: Db, form: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    members = await service.all_staff(db)
    context = {"members": members, "roles": list(Role), "form": form, "errors": errors}
    return page(request, "staff.html", context, status_code=status_code)


@router.post("/admin/staff")
async def add_staff(request: Request, db: Db, member: StaffAdmin) -> Response:
    form = await read_form(request, STAFF_FIELDS)
    check_form(request, form)
    try:
        await service.create_staff(
            db,
            email=form.get("email", ""),
            name=form.get("name", ""),
            role=form.get("role", ""),
            password=form.get("password", ""),
            by=member,
        )
    except service.InvalidStaff as exc:
        kept = {k: v for k, v in form.items() if k != "password"}
        return await _staff_page(request, db, kept, exc.errors, status_code=422)
    return RedirectResponse("/admin/staff", 303)


@router.post("/admin/staff/{staff_id}/remove")
async def remove_staff(
    request: Request,
    db: Db,
    member: StaffAdmin,
    staff_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    form = await read_form(request, (CSRF_FIELD,))
    check_form(request, form)
    try:
        await service.remove_staff(db, staff_id, by=member)
    except service.InvalidStaff as exc:
        return await _staff_page(request, db, {}, exc.errors, status_code=422)
    return RedirectResponse("/admin/staff", 303)


# The audit log ---------------------------------------------------------------------------------


@router.get("/admin/audit")
async def audit_log(
    request: Request,
    db: Db,
    member: Auditor,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    entries = await service.audit_entries(db, before, AUDIT_PAGE + 1)
    more = len(entries) > AUDIT_PAGE
    entries = entries[:AUDIT_PAGE]
    older = entries[-1]["id"] if more else None
    return page(request, "audit.html", {"entries": entries, "older": older})


AUDIT_PAGE = 100
