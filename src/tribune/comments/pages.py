"""The discussion without JavaScript: the comment form, reply, edit, delete and vote forms,
permalinks and identicons. Every form posts, then redirects (POST/redirect/GET)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from tribune.comments import avatars, service, threads
from tribune.comments.cookies import own_tokens, remember_own, remember_voter
from tribune.keys import Keys
from tribune.moderation import service as moderation
from tribune.stories import service as stories
from tribune.stories.routes import render_story_page, story_url
from tribune.web.deps import AppKeys, AppSettings, CommentId, CurrentReader, Db
from tribune.web.errors import ProblemError
from tribune.web.forms import read_form
from tribune.web.ratelimit import RateLimited
from tribune.web.security import CSRF_FIELD, csrf_ok
from tribune.web.templating import render_form

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("name", "email", "website", "body", "parent_id", "value", CSRF_FIELD)
FORM_EXPIRED = "This form had expired. Your comment is still here: please send it again."


async def location(db: Db, comment_id: int, *, anchor: bool = True) -> str:
    found = await threads.locate(db, comment_id)
    if found is None:
        raise HTTPException(404)
    slug, after = found
    query = f"?after={after}" if after else ""
    return f"{story_url(slug)}{query}#c{comment_id}" if anchor else f"{story_url(slug)}{query}"


@router.post("/stories/{slug}/comments")
async def post_comment_form(
    request: Request, db: Db, keys: AppKeys, slug: str, reader: CurrentReader
) -> Response:
    """The comment form: redirect to the new comment, or show the page again with every
    field as typed and a message beside each wrong one."""
    story = await stories.story_by_slug(db, slug)
    if story is None:
        raise HTTPException(404)
    form = await read_form(request, FORM_FIELDS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return await render_story_page(
            request, db, story, form=form, errors={"form": FORM_EXPIRED}, status_code=403
        )
    try:
        comment = await service.post_comment(
            db, story["id"], form, keys=keys, reader=reader, limiter=request.app.state.limiter
        )
    except service.InvalidComment as exc:
        return await render_story_page(
            request, db, story, form=form, errors=exc.errors, status_code=422
        )
    except service.StoryNotFound:
        raise HTTPException(404) from None
    except moderation.StoryClosed:
        errors = {"form": "Comments are closed on this story. Your text is still here to copy."}
        return await render_story_page(
            request, db, story, form=form, errors=errors, status_code=403
        )
    except moderation.Banned as exc:
        errors = {"form": f"{exc} Your text is still here to copy."}
        return await render_story_page(
            request, db, story, form=form, errors=errors, status_code=403
        )
    except RateLimited as exc:
        response = await render_story_page(
            request,
            db,
            story,
            form=form,
            errors={"form": f"{exc.message()}. Your comment is still here: send it again then."},
            status_code=429,
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if comment["status"] != "approved":
        # Held or rejected: the author sees it above the discussion with the reason.
        target = f"{story_url(story['slug'])}#c{comment['id']}"
    else:
        target = await location(db, comment["id"])
    response = RedirectResponse(target, status_code=303)
    remember_own(request, response, keys, comment["edit_token"])
    return response


@router.get("/stories/{slug}/comments")
async def comments_anchor(slug: str) -> Response:
    """Where the form posts; reloading or sharing that address leads back to the story."""
    return RedirectResponse(f"{story_url(slug)}#comments", status_code=303)


@router.get("/comments/{comment_id}")
async def permalink(db: Db, comment_id: CommentId) -> Response:
    """A comment's permanent address: redirects to the page of the thread that shows it."""
    return RedirectResponse(await location(db, comment_id), status_code=302)


# Edit and delete one's own comment ----------------------------------------------------------------


async def _own(request: Request, db: Db, keys: Keys, comment_id: int) -> tuple[dict[str, Any], str]:
    comment = await threads.comment(db, comment_id)
    if comment is None or comment["status"] != "approved":
        raise HTTPException(404)
    token = own_tokens(request, keys).get(comment_id)
    if token is None:
        raise ProblemError(
            403, "Only the author can change this comment, from the browser it was posted with"
        )
    return comment, token


def _edit_page(
    request: Request,
    comment: dict[str, Any],
    *,
    body: str,
    errors: dict[str, str],
    status_code: int = 200,
    delete: bool = False,
) -> Response:
    return render_form(
        request,
        "delete.html" if delete else "edit.html",
        {"comment": comment, "body": body, "errors": errors},
        status_code=status_code,
    )


@router.get("/comments/{comment_id}/edit")
async def edit_form(request: Request, db: Db, keys: AppKeys, comment_id: CommentId) -> Response:
    comment, _ = await _own(request, db, keys, comment_id)
    return _edit_page(request, comment, body=comment["body_md"], errors={})


@router.post("/comments/{comment_id}/edit")
async def edit_submit(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    comment, token = await _own(request, db, keys, comment_id)
    form = await read_form(request, FORM_FIELDS)
    body = form.get("body", "")
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _edit_page(
            request, comment, body=body, errors={"form": FORM_EXPIRED}, status_code=403
        )
    try:
        await service.edit_comment(
            db, comment_id, body, keys=keys, token=token, window_minutes=settings.edit_minutes
        )
    except service.InvalidComment as exc:
        return _edit_page(request, comment, body=body, errors=exc.errors, status_code=422)
    except service.NotAllowed as exc:
        return _edit_page(request, comment, body=body, errors={"form": str(exc)}, status_code=403)
    return RedirectResponse(await location(db, comment_id), status_code=303)


@router.get("/comments/{comment_id}/delete")
async def delete_form(request: Request, db: Db, keys: AppKeys, comment_id: CommentId) -> Response:
    comment, _ = await _own(request, db, keys, comment_id)
    return _edit_page(request, comment, body="", errors={}, delete=True)


@router.post("/comments/{comment_id}/delete")
async def delete_submit(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    comment, token = await _own(request, db, keys, comment_id)
    form = await read_form(request, FORM_FIELDS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _edit_page(
            request, comment, body="", errors={"form": FORM_EXPIRED}, status_code=403, delete=True
        )
    after = await location(db, comment_id, anchor=False)
    try:
        await service.delete_comment(
            db, comment_id, keys=keys, token=token, window_minutes=settings.edit_minutes
        )
    except service.NotAllowed as exc:
        return _edit_page(
            request, comment, body="", errors={"form": str(exc)}, status_code=403, delete=True
        )
    return RedirectResponse(f"{after}#comments", status_code=303)


# Reports ------------------------------------------------------------------------------------------

REPORT_CHOICES = [
    ("spam", "Spam or advertising"),
    ("abuse", "Abuse or harassment"),
    ("off-topic", "Off-topic"),
    ("misinformation", "Misinformation"),
    ("other", "Something else"),
]


def _report_page(
    request: Request,
    comment: dict[str, Any],
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render_form(
        request,
        "report.html",
        {"comment": comment, "form": form, "errors": errors, "reasons": REPORT_CHOICES},
        status_code=status_code,
    )


async def _reportable(db: Db, comment_id: int) -> dict[str, Any]:
    comment = await threads.comment(db, comment_id)
    if comment is None or comment["status"] != "approved":
        raise HTTPException(404)
    return comment


@router.get("/comments/{comment_id}/report")
async def report_form(request: Request, db: Db, comment_id: CommentId) -> Response:
    return _report_page(request, await _reportable(db, comment_id), {}, {})


@router.post("/comments/{comment_id}/report")
async def report_submit(
    request: Request, db: Db, keys: AppKeys, reader: CurrentReader, comment_id: CommentId
) -> Response:
    comment = await _reportable(db, comment_id)
    form = await read_form(request, ("reason", "text", CSRF_FIELD))
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _report_page(request, comment, form, {"form": FORM_EXPIRED}, status_code=403)
    voter_id = reader.voter_id or keys.new_voter_id()
    after = await location(db, comment_id, anchor=False)  # before reports may hide it
    try:
        await moderation.report(
            db,
            comment_id,
            form,
            voter_id=voter_id,
            client_hash=reader.client_hash,
            limiter=request.app.state.limiter,
        )
    except moderation.InvalidReport as exc:
        return _report_page(request, comment, form, exc.errors, status_code=422)
    except moderation.AlreadyReported:
        errors = {"form": "You have already reported this comment. Thank you."}
        return _report_page(request, comment, form, errors, status_code=409)
    except RateLimited as exc:
        response = _report_page(request, comment, form, {"form": exc.message()}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except LookupError:
        raise HTTPException(404) from None
    response = RedirectResponse(f"{after}#comments", status_code=303)
    if reader.voter_id is None:
        remember_voter(request, response, keys, voter_id)
    return response


# Votes --------------------------------------------------------------------------------------------


@router.post("/comments/{comment_id}/vote")
async def vote_form(
    request: Request, db: Db, keys: AppKeys, reader: CurrentReader, comment_id: CommentId
) -> Response:
    form = await read_form(request, FORM_FIELDS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise ProblemError(403, "This form had expired: go back, reload the page and vote again")
    value: Any = form.get("value", "")
    value = int(value) if value in ("1", "-1", "0") else value
    new_voter = reader.voter_id is None
    if new_voter:
        reader = service.Reader(client_hash=reader.client_hash, voter_id=keys.new_voter_id())
    try:
        await service.vote(db, comment_id, value, reader=reader)
    except service.InvalidComment as exc:
        raise ProblemError(422, "; ".join(exc.errors.values())) from None
    except service.CommentNotFound:
        raise HTTPException(404) from None
    response = RedirectResponse(await location(db, comment_id), status_code=303)
    if new_voter:
        assert reader.voter_id is not None
        remember_voter(request, response, keys, reader.voter_id)
    return response


# Identicons ---------------------------------------------------------------------------------------


@router.get("/avatars/{key}.svg")
async def avatar(key: str) -> Response:
    if not avatars.KEY.match(key):
        raise HTTPException(404)
    return Response(
        avatars.identicon(key),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
