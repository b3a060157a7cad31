"""The admins' page for a commenter's data (/admin/commenters): every comment of one e-mail
address found, exported as JSON, and erased after a confirmation. The rules are in
comments/personal.py; every step is audited there, without the address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from tribune.accounts.deps import CommenterAdmin, check_form, staff_page
from tribune.comments import personal
from tribune.exceptions import Invalid
from tribune.live.deps import events_of
from tribune.web.deps import MAX_ID, AppKeys, Db
from tribune.web.forms import read_form
from tribune.web.responses import Json
from tribune.web.security import CSRF_FIELD

router = APIRouter(include_in_schema=False)

FIELDS = ("email", "confirmed", CSRF_FIELD)
# Long enough for any address check_email accepts, and for it to say why one is too long.
TYPED_MAX = 1000


def _plural(count: int) -> str:
    return f"{count} comment{'s' if count != 1 else ''}"


def _page(
    request: Request,
    email: str,
    *,
    template: str = "commenters.html",
    status_code: int = 200,
    **extra: object,
) -> Response:
    context: dict[str, object] = {
        "email": email,
        "errors": {},
        "found": None,
        "total": 0,
        "shown_max": personal.SHOWN_MAX,
        "notice": None,
    }
    response = staff_page(request, template, context | extra, status_code=status_code)
    # The lookup's address holds the e-mail: a link followed from here must not send it on,
    # even to this site's own logs.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/admin/commenters")
async def commenters_page(
    request: Request,
    db: Db,
    keys: AppKeys,
    member: CommenterAdmin,
    email: Annotated[str | None, Query(max_length=TYPED_MAX)] = None,
    removed: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    kept: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> Response:
    if email is None:
        # After an erasure, a notice in the server's words from two numbers: no address
        # goes into a redirect (it would stay in the browser's history).
        notice = None
        if removed is not None and kept is not None:
            notice = (
                f"Erased {_plural(removed + kept)}: {removed} removed, {kept} kept as empty "
                "placeholders for their replies."
            )
        return _page(request, "", notice=notice)
    try:
        found, total = await personal.commenter_comments(db, keys, email, by=member)
    except Invalid as exc:
        return _page(request, email, errors=exc.errors, status_code=422)
    return _page(request, email, found=found, total=total)


@router.post("/admin/commenters/export")
async def export_commenter(
    request: Request, db: Db, keys: AppKeys, member: CommenterAdmin
) -> Response:
    form = await read_form(request, FIELDS)
    check_form(request, form)
    email = form.get("email", "")
    try:
        data = await personal.commenter_export(db, keys, email, by=member)
    except Invalid as exc:
        return _page(request, email, errors=exc.errors, status_code=422)
    return Json(
        data,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="commenter-comments.json"',
        },
    )


@router.post("/admin/commenters/erase")
async def erase_commenter(
    request: Request, db: Db, keys: AppKeys, member: CommenterAdmin
) -> Response:
    form = await read_form(request, FIELDS)
    check_form(request, form)
    email = form.get("email", "")
    try:
        if form.get("confirmed") != "yes":
            # Asks first, listing what will go (this look is audited as a lookup too).
            found, total = await personal.commenter_comments(db, keys, email, by=member)
            return _page(request, email, template="commenters_erase.html", found=found, total=total)
        events = events_of(request)
        done = await personal.erase_commenter(db, keys, email, by=member, events=events)
    except Invalid as exc:
        return _page(request, email, errors=exc.errors, status_code=422)
    return RedirectResponse(
        f"/admin/commenters?removed={done.removed}&kept={done.placeholders}", 303
    )
