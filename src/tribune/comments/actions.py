"""One comment's actions without JavaScript: edit and delete one's own comment, report and
vote. Every form posts, then redirects (POST/redirect/GET); a refused form is shown again
with everything typed kept and a message beside each wrong field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from tribune import public
from tribune.comments import editing, threads, votes
from tribune.comments.forms import FORM_EXPIRED, FORM_FIELDS, location, saved_at
from tribune.exceptions import Invalid, NotAllowed, NotFound
from tribune.keys import Keys
from tribune.live.deps import events_of
from tribune.moderation import reports
from tribune.moderation.reports import AlreadyReported
from tribune.ratelimit import RateLimited
from tribune.vocabulary import CommentStatus, ReportReason
from tribune.web.cookies import own_tokens, remember_voter
from tribune.web.deps import (
    AppKeys,
    AppSettings,
    CommentId,
    CurrentReader,
    Db,
    limiter_of,
    with_voter,
)
from tribune.web.forms import read_form
from tribune.web.security import CSRF_FIELD, csrf_ok, reader_form_ok
from tribune.web.templating import render_form

router = APIRouter(include_in_schema=False)


# Edit and delete one's own comment ----------------------------------------------------------


async def _own(request: Request, db: Db, keys: Keys, comment_id: int) -> tuple[dict[str, Any], str]:
    comment = await threads.comment(db, comment_id)
    if comment is None or comment["status"] != CommentStatus.approved:
        raise NotFound
    token = own_tokens(request, keys).get(comment_id)
    if token is None:
        raise NotAllowed(
            "Only the author can change this comment, from the browser it was posted with"
        )
    return comment, token


def _edit_page(
    request: Request,
    comment: dict[str, Any],
    *,
    body: str,
    errors: dict[str, str],
    edit_minutes: int,
    status_code: int = 200,
    delete: bool = False,
) -> Response:
    """The edit or delete form; once the edit window has passed, a page that says so and
    leads back to the comment instead (a form there would only fail when sent)."""
    ends = editing.window_ends(comment["created_at"], edit_minutes)
    if datetime.now(UTC) >= ends and not errors:
        return render_form(
            request,
            "window_passed.html",
            {"comment": comment, "message": editing.window_passed(edit_minutes), "delete": delete},
            status_code=403,
        )
    return render_form(
        request,
        "delete.html" if delete else "edit.html",
        {"comment": comment, "body": body, "errors": errors, "until": ends},
        status_code=status_code,
    )


@router.get("/comments/{comment_id}/edit")
async def edit_form(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    comment, _ = await _own(request, db, keys, comment_id)
    return _edit_page(
        request, comment, body=comment["body_md"], errors={}, edit_minutes=settings.edit_minutes
    )


@router.post("/comments/{comment_id}/edit")
async def edit_submit(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    comment_id: CommentId,
) -> Response:
    comment, token = await _own(request, db, keys, comment_id)
    form = await read_form(request, FORM_FIELDS)
    body = form.get("body", "")
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _edit_page(
            request,
            comment,
            body=body,
            errors={"form": FORM_EXPIRED},
            edit_minutes=settings.edit_minutes,
            status_code=403,
        )
    try:
        edited = await editing.edit_comment(
            db,
            comment_id,
            body,
            keys=keys,
            token=token,
            window_minutes=settings.edit_minutes,
            events=events_of(request),
        )
    except Invalid as exc:
        return _edit_page(
            request,
            comment,
            body=body,
            errors=exc.errors,
            edit_minutes=settings.edit_minutes,
            status_code=422,
        )
    except NotAllowed as exc:
        return _edit_page(
            request,
            comment,
            body=body,
            errors={"form": exc.detail},
            edit_minutes=settings.edit_minutes,
            status_code=403,
        )
    target = await saved_at(db, comment["story_slug"], edited)
    return RedirectResponse(target, status_code=303)


@router.get("/comments/{comment_id}/delete")
async def delete_form(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    comment, _ = await _own(request, db, keys, comment_id)
    return _edit_page(
        request, comment, body="", errors={}, edit_minutes=settings.edit_minutes, delete=True
    )


@router.post("/comments/{comment_id}/delete")
async def delete_submit(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    comment_id: CommentId,
) -> Response:
    comment, token = await _own(request, db, keys, comment_id)
    form = await read_form(request, FORM_FIELDS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _edit_page(
            request,
            comment,
            body="",
            errors={"form": FORM_EXPIRED},
            edit_minutes=settings.edit_minutes,
            status_code=403,
            delete=True,
        )
    after = await location(db, comment_id, anchor=False)
    try:
        await editing.delete_comment(
            db,
            comment_id,
            keys=keys,
            token=token,
            window_minutes=settings.edit_minutes,
            events=events_of(request),
        )
    except NotAllowed as exc:
        return _edit_page(
            request,
            comment,
            body="",
            errors={"form": exc.detail},
            edit_minutes=settings.edit_minutes,
            status_code=403,
            delete=True,
        )
    return RedirectResponse(f"{after}#comments", status_code=303)


# Reports ------------------------------------------------------------------------------------

REPORT_CHOICES = [(reason.value, reason.label) for reason in ReportReason]


def _report_page(
    request: Request,
    comment: dict[str, Any],
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    *,
    done: str | None = None,
    back: str | None = None,
) -> Response:
    """The report form; or, with ``done``, what the reader is told instead of it (thanks
    for a report, or that it is their own comment) and ``back`` to the comment."""
    return render_form(
        request,
        "report.html",
        {
            "comment": comment,
            "form": form,
            "errors": errors,
            "reasons": REPORT_CHOICES,
            "done": done,
            "heading": "Your own comment" if done == OWN_COMMENT else "Thank you",
            "back": back or f"/comments/{comment['id']}",
        },
        status_code=status_code,
    )


OWN_COMMENT = "This is your own comment: you can edit or delete it instead of reporting it."


async def _reportable(db: Db, comment_id: int) -> dict[str, Any]:
    comment = await threads.comment(db, comment_id)
    if comment is None or comment["status"] != CommentStatus.approved:
        raise NotFound
    return comment


@router.get("/comments/{comment_id}/report")
async def report_form(
    request: Request, db: Db, keys: AppKeys, reader: CurrentReader, comment_id: CommentId
) -> Response:
    """The report form; the thanks, without a form, for a reader who reported the comment
    (even once their report and others' hid it); a word instead on their own comment."""
    if (done := await reports.reported(db, comment_id, reader.voter_id)) is not None:
        shown = await threads.comment(db, comment_id)
        if shown is not None and shown["status"] == CommentStatus.approved:
            back = await location(db, comment_id)
            return _report_page(request, shown, {}, {}, done=reports.THANKS, back=back)
        back = f"{public.story_path(done['story_slug'])}#comments"  # reports hid it
        return _report_page(request, done, {}, {}, done=reports.THANKS, back=back)
    comment = await _reportable(db, comment_id)
    if comment_id in own_tokens(request, keys):
        return _report_page(
            request, comment, {}, {}, done=OWN_COMMENT, back=await location(db, comment_id)
        )
    return _report_page(request, comment, {}, {})


@router.post("/comments/{comment_id}/report")
async def report_submit(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    """Send a report: back at the comment, where the reader now reads "Thank you, a
    moderator will look at it" (their own rendering of the thread, never the shared one);
    the thanks page instead when the report hid the comment."""
    comment = await _reportable(db, comment_id)
    form = await read_form(request, ("reason", "text", CSRF_FIELD))
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _report_page(request, comment, form, {"form": FORM_EXPIRED}, status_code=403)
    voter = with_voter(reader, keys)
    back = await location(db, comment_id)  # before reports may hide it
    try:
        result = await reports.report(
            db,
            comment_id,
            form,
            reader=voter,
            events=events_of(request),
            limiter=limiter_of(request),
            reporters_per_address=settings.reporters_per_address,
        )
    except Invalid as exc:
        return _report_page(request, comment, form, exc.errors, status_code=422)
    except AlreadyReported as exc:
        return _report_page(request, comment, {}, {}, 409, done=exc.detail, back=back)
    except RateLimited as exc:
        response = _report_page(request, comment, form, {"form": f"{exc.detail}."}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    target = f"/comments/{comment_id}/report" if result["hidden"] else back
    response = RedirectResponse(target, status_code=303)
    remember_voter(request, response, keys, voter)
    return response


# Votes --------------------------------------------------------------------------------------


@router.post("/comments/{comment_id}/vote")
async def vote_form(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    form = await read_form(request, FORM_FIELDS)
    if not reader_form_ok(request, form.get(CSRF_FIELD)):  # the shared page's buttons
        raise NotAllowed("This form had expired: go back, reload the page and vote again")
    value: Any = form.get("value", "")
    value = int(value) if value in ("1", "-1", "0") else value
    voter = with_voter(reader, keys)
    await votes.vote(
        db,
        comment_id,
        value,
        reader=voter,
        events=events_of(request),
        voters_per_address=settings.voters_per_address,
    )
    response = RedirectResponse(await location(db, comment_id), status_code=303)
    remember_voter(request, response, keys, voter)
    return response
