"""A reader's own comments and data, without JavaScript: the comments this browser posted that
are still in their edit window (its tribune_own cookie holds their tokens), a download of
everything kept of them, and their erasure after a confirmation. Every answer is the
reader's alone: never stored by any cache."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from tribune.comments import editing
from tribune.exceptions import Invalid, NotAllowed, NotFound
from tribune.fields import whole_number
from tribune.live.deps import events_of
from tribune.web.cookies import forget_own, own_tokens
from tribune.web.deps import AppKeys, AppSettings, Db
from tribune.web.forms import read_form_pairs
from tribune.web.responses import Json
from tribune.web.security import CSRF_FIELD, csrf_ok
from tribune.web.templating import render_form

router = APIRouter(include_in_schema=False)

EXPIRED = "This page had expired, so nothing was {done}. Please try again."
PASSED = (
    "Nothing was erased: {count} of the comments you confirmed can no longer be erased "
    "from this browser (their time has passed, or they were deleted). The list below is "
    "what you can still erase."
)
JUST_PASSED = (
    "Nothing was {done}: the time to manage one of these comments passed just now. "
    "Please try again with those that are left."
)
NONE_CONFIRMED = "Nothing was erased: the form named no comment. Please confirm again."
GONE = (
    "Nothing was {done}: this browser has no comments left to manage (their time has "
    "passed, or they were posted from another browser)."
)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    request: Request,
    template: str,
    listed: list[dict[str, Any]],
    edit_minutes: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {"comments": listed, "edit_minutes": edit_minutes, "error": error}
    return _private(render_form(request, template, context, status_code=status_code))


async def _listed(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The comments this browser can still manage, and its edit tokens by comment id."""
    own = own_tokens(request, keys)
    listed = await editing.manageable(db, own, keys=keys, window_minutes=settings.edit_minutes)
    return listed, own


@router.get("/comments/mine")
async def mine(request: Request, db: Db, keys: AppKeys, settings: AppSettings) -> Response:
    """This browser's comments that can still be downloaded and erased."""
    listed, _ = await _listed(request, db, keys, settings)
    return _page(request, "mine.html", listed, settings.edit_minutes)


@router.post("/comments/mine/download")
async def download(request: Request, db: Db, keys: AppKeys, settings: AppSettings) -> Response:
    """Everything kept of them, as POST /api/v1/comments/mine answers, as a file."""
    form = dict(await read_form_pairs(request))
    listed, own = await _listed(request, db, keys, settings)
    minutes = settings.edit_minutes
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        error = EXPIRED.format(done="downloaded")
        return _page(request, "mine.html", listed, minutes, error=error, status_code=403)
    if not listed:
        error = GONE.format(done="downloaded")
        return _page(request, "mine.html", listed, minutes, error=error, status_code=403)
    tokens = [own[c["id"]] for c in listed]
    try:
        found = await editing.own_data(db, tokens, keys=keys, window_minutes=minutes)
    except (Invalid, NotAllowed, NotFound):  # a window closed since the list was read
        listed, _ = await _listed(request, db, keys, settings)
        error = JUST_PASSED.format(done="downloaded")
        return _page(request, "mine.html", listed, minutes, error=error, status_code=409)
    return Json(
        {"comments": found},
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="my-comments.json"',
        },
    )


@router.get("/comments/mine/erase")
async def erase_form(request: Request, db: Db, keys: AppKeys, settings: AppSettings) -> Response:
    """Asks first, listing what will be erased."""
    listed, _ = await _listed(request, db, keys, settings)
    template = "mine_erase.html" if listed else "mine.html"
    return _page(request, template, listed, settings.edit_minutes)


@router.post("/comments/mine/erase")
async def erase(request: Request, db: Db, keys: AppKeys, settings: AppSettings) -> Response:
    """Erase the comments the reader confirmed (the form names them: one posted since, in
    another tab, is not erased unseen), all or none; the page says what was done."""
    pairs = await read_form_pairs(request, max_fields=100)
    form = dict(pairs)
    confirmed = {whole_number(value) or 0 for key, value in pairs if key == "comment"}
    listed, own = await _listed(request, db, keys, settings)
    minutes = settings.edit_minutes
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        error = EXPIRED.format(done="erased")
        template = "mine_erase.html" if listed else "mine.html"
        return _page(request, template, listed, minutes, error=error, status_code=403)
    if not listed:
        error = GONE.format(done="erased")
        return _page(request, "mine.html", listed, minutes, error=error, status_code=403)
    missing = confirmed - {c["id"] for c in listed}
    if missing or not confirmed:
        error = PASSED.format(count=len(missing)) if missing else NONE_CONFIRMED
        return _page(request, "mine_erase.html", listed, minutes, error=error, status_code=409)
    erasing = [c for c in listed if c["id"] in confirmed]
    try:
        await editing.erase_own(
            db,
            [own[c["id"]] for c in erasing],
            keys=keys,
            window_minutes=minutes,
            events=events_of(request),
        )
    except (Invalid, NotAllowed, NotFound):  # a window closed since the list was read
        error = JUST_PASSED.format(done="erased")
        listed, _ = await _listed(request, db, keys, settings)
        template = "mine_erase.html" if listed else "mine.html"
        return _page(request, template, listed, minutes, error=error, status_code=409)
    response = _page(request, "mine_erased.html", erasing, minutes)
    forget_own(request, response, keys, confirmed)
    return response
