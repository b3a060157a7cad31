"""Staff sign-in and sign-out, the staff list and the audit log. The checks every staff
page goes through are in accounts/deps.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from tribune.accounts import service, tokens
from tribune.accounts.deps import (
    Auditor,
    SignedIn,
    StaffAdmin,
    TokenKeeper,
    check_form,
    current_staff,
    staff_page,
)
from tribune.exceptions import Conflict, Invalid, NotFound
from tribune.vocabulary import Permission, Role, TokenScope
from tribune.web.cookies import STAFF_COOKIE, set_cookie
from tribune.web.deps import MAX_ID, AppKeys, Db, client_hash
from tribune.web.forms import read_form
from tribune.web.security import CSRF_FIELD, csrf_ok

router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 100


def safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://..." would leave it.
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return "/admin"


# Signing in and out ----------------------------------------------------------------------------


@router.get("/admin/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    if await current_staff(request):
        return RedirectResponse(safe_next(next), 303)
    return staff_page(request, "login.html", {"form": {}, "error": None, "next": safe_next(next)})


@router.post("/admin/login")
async def login(request: Request, db: Db, keys: AppKeys) -> Response:
    form = await read_form(request, ("email", "password", "next", CSRF_FIELD))
    target = safe_next(form.get("next"))
    kept = {"email": form.get("email", "")}
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        error = "This form had expired. Please sign in again."
        return staff_page(
            request, "login.html", {"form": kept, "error": error, "next": target}, status_code=403
        )
    try:
        _member, token = await service.log_in(
            db, keys, form.get("email", ""), form.get("password", ""), client_hash(request)
        )
    except service.LoginRefused as exc:
        response = staff_page(
            request,
            "login.html",
            {"form": kept, "error": str(exc), "next": target},
            status_code=429 if exc.retry_after else 401,
        )
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(target, 303)
    set_cookie(request, response, STAFF_COOKIE, token, service.SESSION_HOURS * 3600)
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
        "/admin/moderation" if member.can(Permission.moderate) else "/admin/stories", 303
    )


# Staff -----------------------------------------------------------------------------------------

STAFF_FIELDS = ("email", "name", "role", "password", CSRF_FIELD)


STAFF_DONE = {"role": "The role was changed.", "password": "The password was set."}
# The roles as the forms offer them, the least powerful first.
ROLES = (Role.moderator, Role.editor, Role.admin)


@router.get("/admin/staff")
async def staff_list(
    request: Request,
    db: Db,
    member: StaffAdmin,
    done: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    return await _staff_page(request, db, {}, {}, notice=STAFF_DONE.get(done or ""))


async def _staff_page(
    request: Request,
    db: Db,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    notice: str | None = None,
    failed: int | None = None,
) -> Response:
    members = await service.all_staff(db)
    context = {
        "members": members,
        "roles": ROLES,
        "form": form,
        "errors": errors,
        "notice": notice,
        "failed": failed,  # the member whose row's form the errors are about
    }
    return staff_page(request, "staff.html", context, status_code=status_code)


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
    except Invalid as exc:
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
    except Invalid as exc:
        return await _staff_page(request, db, {}, exc.errors, status_code=422)
    return RedirectResponse("/admin/staff", 303)


@router.post("/admin/staff/{staff_id}/role")
async def change_role(
    request: Request,
    db: Db,
    member: StaffAdmin,
    staff_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    form = await read_form(request, ("role", CSRF_FIELD))
    check_form(request, form)
    try:
        await service.change_role(db, staff_id, form.get("role", ""), by=member)
    except Invalid as exc:
        return await _staff_page(request, db, {}, exc.errors, 422, failed=staff_id)
    return RedirectResponse("/admin/staff?done=role", 303)


@router.post("/admin/staff/{staff_id}/password")
async def reset_password(
    request: Request,
    db: Db,
    member: StaffAdmin,
    staff_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    form = await read_form(request, ("password", CSRF_FIELD))
    check_form(request, form)
    try:
        await service.reset_password(db, staff_id, form.get("password", ""), by=member)
    except Invalid as exc:
        return await _staff_page(request, db, {}, exc.errors, 422, failed=staff_id)
    return RedirectResponse("/admin/staff?done=password", 303)


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
    entries = await service.describe_audit(db, entries)
    return staff_page(request, "audit.html", {"entries": entries, "older": older})


# API tokens ------------------------------------------------------------------------------------

TOKEN_FIELDS = ("name", "scope", CSRF_FIELD)


async def _tokens_page(
    request: Request,
    db: Db,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    made: tuple[dict[str, object], str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "tokens": await tokens.list_tokens(db),
        "scopes": [(scope, tokens.SCOPE_WORDS[scope]) for scope in TokenScope],
        "scope_words": tokens.SCOPE_WORDS,
        "form": form or {},
        "errors": errors or {},
        "made": made[0] if made else None,
        "secret": made[1] if made else None,
        "notice": notice,
    }
    return staff_page(request, "tokens.html", context, status_code=status_code)


@router.get("/admin/tokens")
async def token_list(
    request: Request,
    db: Db,
    member: TokenKeeper,
    revoked: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    notice = None
    if revoked is not None:
        found = [t for t in await tokens.list_tokens(db) if t["id"] == revoked]
        if found and found[0]["revoked_at"] is not None:
            notice = f"The token “{found[0]['name']}” was revoked: it no longer works."
    return await _tokens_page(request, db, notice=notice)


@router.post("/admin/tokens")
async def create_token(request: Request, db: Db, member: TokenKeeper) -> Response:
    form = await read_form(request, TOKEN_FIELDS)
    check_form(request, form)
    try:
        made = await tokens.create(db, form.get("name", ""), form.get("scope", ""), member)
    except Invalid as exc:
        kept = {k: form.get(k, "") for k in ("name", "scope")}
        return await _tokens_page(request, db, form=kept, errors=exc.errors, status_code=422)
    # The secret is in this answer alone (never in a URL or a redirect's next page), which
    # staff_page marks no-store.
    return await _tokens_page(request, db, made=made, status_code=201)


@router.get("/admin/tokens/{token_id}/revoke")
async def revoke_token_confirm(
    request: Request,
    db: Db,
    member: TokenKeeper,
    token_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    found = [t for t in await tokens.list_tokens(db) if t["id"] == token_id]
    if not found:
        raise NotFound(f"There is no token {token_id}")
    return staff_page(request, "token_revoke.html", {"token": found[0]})


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request,
    db: Db,
    member: TokenKeeper,
    token_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    form = await read_form(request, (CSRF_FIELD,))
    check_form(request, form)
    try:
        await tokens.revoke(db, token_id, member)
    except Conflict as exc:
        return await _tokens_page(request, db, notice=exc.detail, status_code=409)
    return RedirectResponse(f"/admin/tokens?revoked={token_id}", 303)
