"""The story page with its discussion, and the discussion without JavaScript: the comment
form, reply, edit, delete, report and vote forms, permalinks and identicons. Every form
posts, then redirects (POST/redirect/GET); a refused form is shown again with everything
typed kept and a message beside each wrong field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from markupsafe import escape
from starlette.responses import RedirectResponse, Response

from tribune import public
from tribune.comments import avatars, service, threads
from tribune.comments.cache import CSRF_SLOT, VersionedLRU
from tribune.exceptions import Invalid, NotAllowed, NotFound, Unavailable
from tribune.fields import whole_number
from tribune.keys import Keys
from tribune.live.deps import events_of
from tribune.moderation import reports
from tribune.moderation.reports import AlreadyReported
from tribune.moderation.screening import Banned, StoryClosed
from tribune.ratelimit import RateLimited
from tribune.readers import Reader
from tribune.stories import service as stories
from tribune.vocabulary import CommentStatus, ReportReason, Sort
from tribune.web.cookies import own_tokens, remember_own, remember_voter
from tribune.web.deps import (
    MAX_ID,
    AppKeys,
    AppSettings,
    CommentId,
    CurrentReader,
    Cursor,
    Db,
    keys_of,
    limiter_of,
    reader_of,
    settings_of,
    with_voter,
)
from tribune.web.forms import read_form
from tribune.web.security import CSRF_FIELD, csrf_ok, csrf_token
from tribune.web.templating import ENV, render_form

router = APIRouter(include_in_schema=False)

FORM_FIELDS = ("name", "email", "website", "body", "parent_id", "value", CSRF_FIELD)
FORM_EXPIRED = "This form had expired. Your comment is still here: please send it again."
SORT_LABELS = {sort: sort.label for sort in Sort}
SortParam = Annotated[str, Query(description="oldest, newest, top or replies")]


def address(place: threads.Place) -> str:
    """The address of the page a Place names."""
    query = f"?after={place.after}" if place.after else ""
    if place.replies_of is None:
        return public.story_path(place.slug) + query
    return f"/comments/{place.replies_of}/replies{query}"


async def location(db: Db, comment_id: int, *, anchor: bool = True) -> str:
    """The address of the thread page that shows a comment (at its anchor)."""
    found = await threads.locate(db, comment_id)
    if found is None:
        raise NotFound
    if found.replies_of is None:
        path = address(found)
    else:  # one of many replies: the page of replies finds where it is
        path = f"/comments/{found.replies_of}/replies?at={comment_id}"
    return f"{path}#c{comment_id}" if anchor else path


async def saved_at(db: Db, slug: str, comment: dict[str, Any]) -> str:
    """Where the author of a comment just posted or edited goes to see it: its place in the
    thread, or, when the rules held or rejected it, the top of the discussion, where its
    author sees it with the reason."""
    if comment["status"] != CommentStatus.approved:
        return f"{public.story_path(slug)}#c{comment['id']}"
    return await location(db, comment["id"])


# The story page -----------------------------------------------------------------------------


async def _story(db: Db, slug: str) -> dict[str, Any]:
    story = await stories.story_by_slug(db, slug)
    if story is None:
        raise NotFound
    return story


async def discussion_page(
    request: Request,
    db: Db,
    story: dict[str, Any],
    *,
    sort: str = threads.DEFAULT_SORT,
    after: str | None = None,
    reply_to: int | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    template: str = "story.html",
) -> Response:
    """The story with a page of its discussion and the comment form (with the reader's
    input and the errors, when a post was refused); or, with ``_thread_page.html``, the
    page of comments alone."""
    settings = settings_of(request)
    query = threads.ThreadQuery.parse(sort, after)
    form = form or {}
    reader = reader_of(request)
    own = own_tokens(request, keys_of(request))
    token = csrf_token(request)
    # A reader who has voted or posted sees their own state; everyone else shares one rendering
    # of the thread per version, with only their CSRF token filled in.
    shared = template == "story.html" and not (form or errors or reply_to or own or reader.voter_id)
    fragments: VersionedLRU[tuple[object, ...], str] = request.app.state.fragment_cache
    key = (story["id"], query.sort, query.cursor, settings.thread_depth)
    meta = await threads.version(db, story["id"]) if shared else None
    if meta is not None and (cached := fragments.get(key, meta[0])) is not None:
        context = {
            "story": story,
            "thread": {"total": meta[1]},
            "thread_html": cached.replace(CSRF_SLOT, escape(token)),
            "form": {},
            "errors": {},
            "replying": None,
        }
        return render_form(request, template, context, status_code=status_code)
    thread = await threads.thread_page(db, story, query, max_depth=settings.thread_depth)
    thread_html = None
    if meta is not None:
        # Kept under the version read before the page: the page is never older than it.
        rendered = ENV.get_template("_thread.html").render(
            thread=thread,
            story=story,
            sort=query.sort,
            sorts=SORT_LABELS,
            after=query.cursor,
            my_votes={},
            editable=set(),
            csrf_token=CSRF_SLOT,
        )
        fragments.put(key, meta[0], rendered)
        thread_html = rendered.replace(CSRF_SLOT, escape(token))
    return render_form(
        request,
        template,
        {
            "story": story,
            "thread": thread,
            "sort": query.sort,
            "sorts": SORT_LABELS,
            "after": query.cursor,
            "form": form,
            "errors": errors or {},
            "replying": await _replying(db, story, form.get("parent_id"), reply_to),
            "my_votes": {} if shared else await _my_votes(db, thread, reader),
            "editable": _editable(thread, own, settings.edit_minutes),
            "thread_html": thread_html,
            "awaiting": await threads.own_hidden(db, story["id"], list(own)),
        },
        status_code=status_code,
    )


Listing = threads.ThreadPage | threads.RepliesPage  # what a page shows


async def _my_votes(db: Db, thread: Listing, reader: Reader) -> dict[int, int]:
    return await threads.votes_of(db, list(thread.shown), reader.voter_id, reader.client_hash)


def _editable(thread: Listing, own: dict[int, str], edit_minutes: int) -> set[int]:
    """The reader's own comments on this page that they may still edit."""
    window = timedelta(minutes=edit_minutes)
    now = datetime.now(UTC)
    return {
        comment_id
        for comment_id in own
        if (shown := thread.shown.get(comment_id)) is not None
        and shown.comment["status"] == CommentStatus.approved
        and now - shown.comment["created_at"] < window
    }


async def _replying(
    db: Db, story: dict[str, Any], parent_id: str | None, reply_to: int | None
) -> dict[str, Any] | None:
    """The comment the form answers, when it is one of this story's."""
    parent = whole_number(parent_id) if parent_id else reply_to
    if parent is None or not 0 < parent <= MAX_ID:
        return None
    replying = await threads.comment(db, parent)
    return replying if replying is not None and replying["story_slug"] == story["slug"] else None


@router.get("/stories/{slug}")
async def story_page(
    request: Request,
    db: Db,
    slug: str,
    sort: SortParam = threads.DEFAULT_SORT,
    after: Cursor = None,
    reply_to: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    story = await _story(db, slug)
    return await discussion_page(request, db, story, sort=sort, after=after, reply_to=reply_to)


@router.get("/stories/{slug}/thread")
async def thread_fragment(
    request: Request,
    db: Db,
    slug: str,
    sort: SortParam = threads.DEFAULT_SORT,
    after: Cursor = None,
) -> Response:
    """The next page of comments as an HTML fragment, for "Show more comments" in place."""
    story = await _story(db, slug)
    return await discussion_page(
        request, db, story, sort=sort, after=after, template="_thread_page.html"
    )


@router.get("/comments/{comment_id}/replies")
async def replies_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    comment_id: CommentId,
    after: Cursor = None,
    at: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    """A page of a top-level comment's replies, continuing where "Show N more replies" was
    (with JavaScript, the link loads them in place); ``at`` leads to where a reply shows."""
    if at is not None:
        place = await threads.find_reply(db, comment_id, at, max_depth=settings.thread_depth)
        # No fragment: the browser keeps the one it asked with (#c{at}, or #comments).
        return RedirectResponse(address(place), status_code=302)
    query = threads.RepliesQuery.parse(after)
    thread = await threads.replies_page(db, comment_id, query, max_depth=settings.thread_depth)
    own = own_tokens(request, keys_of(request))
    context = {
        "story": thread.story,
        "comment": thread.comment,
        "thread": thread,
        "sort": threads.DEFAULT_SORT,
        "after": None,  # of the story page, which Reply links lead to
        "continued": query.cursor is not None,
        "reply_base": public.story_path(thread.story["slug"]),
        "back": await location(db, comment_id),
        "my_votes": await _my_votes(db, thread, reader_of(request)),
        "editable": _editable(thread, own, settings.edit_minutes),
    }
    return render_form(request, "replies.html", context)


# Posting ------------------------------------------------------------------------------------


@router.post("/stories/{slug}/comments")
async def post_comment_form(
    request: Request,
    db: Db,
    keys: AppKeys,
    slug: str,
    reader: CurrentReader,
) -> Response:
    """The comment form: redirect to the new comment, or show the page again with every
    field as typed and a message beside each wrong one."""
    story = await _story(db, slug)
    form = await read_form(request, FORM_FIELDS)

    async def again(errors: dict[str, str], status_code: int) -> Response:
        return await discussion_page(
            request, db, story, form=form, errors=errors, status_code=status_code
        )

    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return await again({"form": FORM_EXPIRED}, 403)
    try:
        comment = await service.post_comment(
            db,
            story["id"],
            form,
            keys=keys,
            reader=reader,
            events=events_of(request),
            limiter=limiter_of(request),
        )
    except Invalid as exc:
        return await again(exc.errors, 422)
    except StoryClosed:
        return await again(
            {"form": "Comments are closed on this story. Your text is still here to copy."}, 403
        )
    except Banned as exc:
        return await again({"form": f"{exc.detail} Your text is still here to copy."}, 403)
    except RateLimited as exc:
        message = f"{exc.detail}. Your comment is still here: send it again then."
        response = await again({"form": message}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Unavailable as exc:
        message = (
            "Your comment could not be saved just now. It is still here: "
            "please send it again in a moment."
        )
        response = await again({"form": message}, 503)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(await saved_at(db, story["slug"], comment), status_code=303)
    remember_own(request, response, keys, comment["edit_token"])
    return response


@router.get("/stories/{slug}/comments")
async def comments_anchor(slug: str) -> Response:
    """Where the form posts; reloading or sharing that address leads back to the story."""
    return RedirectResponse(f"{public.story_path(slug)}#comments", status_code=303)


@router.get("/comments/{comment_id}")
async def permalink(db: Db, comment_id: CommentId) -> Response:
    """A comment's permanent address: redirects to the page of the thread that shows it."""
    return RedirectResponse(await location(db, comment_id), status_code=302)


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
            request, comment, body=body, errors={"form": FORM_EXPIRED}, status_code=403
        )
    try:
        edited = await service.edit_comment(
            db,
            comment_id,
            body,
            keys=keys,
            token=token,
            window_minutes=settings.edit_minutes,
            events=events_of(request),
        )
    except Invalid as exc:
        return _edit_page(request, comment, body=body, errors=exc.errors, status_code=422)
    except NotAllowed as exc:
        return _edit_page(request, comment, body=body, errors={"form": exc.detail}, status_code=403)
    target = await saved_at(db, comment["story_slug"], edited)
    return RedirectResponse(target, status_code=303)


@router.get("/comments/{comment_id}/delete")
async def delete_form(request: Request, db: Db, keys: AppKeys, comment_id: CommentId) -> Response:
    comment, _ = await _own(request, db, keys, comment_id)
    return _edit_page(request, comment, body="", errors={}, delete=True)


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
            request, comment, body="", errors={"form": FORM_EXPIRED}, status_code=403, delete=True
        )
    after = await location(db, comment_id, anchor=False)
    try:
        await service.delete_comment(
            db,
            comment_id,
            keys=keys,
            token=token,
            window_minutes=settings.edit_minutes,
            events=events_of(request),
        )
    except NotAllowed as exc:
        return _edit_page(
            request, comment, body="", errors={"form": exc.detail}, status_code=403, delete=True
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
) -> Response:
    return render_form(
        request,
        "report.html",
        {"comment": comment, "form": form, "errors": errors, "reasons": REPORT_CHOICES},
        status_code=status_code,
    )


async def _reportable(db: Db, comment_id: int) -> dict[str, Any]:
    comment = await threads.comment(db, comment_id)
    if comment is None or comment["status"] != CommentStatus.approved:
        raise NotFound
    return comment


@router.get("/comments/{comment_id}/report")
async def report_form(request: Request, db: Db, comment_id: CommentId) -> Response:
    return _report_page(request, await _reportable(db, comment_id), {}, {})


@router.post("/comments/{comment_id}/report")
async def report_submit(
    request: Request,
    db: Db,
    keys: AppKeys,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    comment = await _reportable(db, comment_id)
    form = await read_form(request, ("reason", "text", CSRF_FIELD))
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _report_page(request, comment, form, {"form": FORM_EXPIRED}, status_code=403)
    voter = with_voter(reader, keys)
    after = await location(db, comment_id, anchor=False)  # before reports may hide it
    try:
        await reports.report(
            db,
            comment_id,
            form,
            reader=voter,
            events=events_of(request),
            limiter=limiter_of(request),
        )
    except Invalid as exc:
        return _report_page(request, comment, form, exc.errors, status_code=422)
    except AlreadyReported:
        errors = {"form": "You have already reported this comment. Thank you."}
        return _report_page(request, comment, form, errors, status_code=409)
    except RateLimited as exc:
        response = _report_page(request, comment, form, {"form": exc.detail}, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = RedirectResponse(f"{after}#comments", status_code=303)
    remember_voter(request, response, keys, reader, voter)
    return response


# Votes --------------------------------------------------------------------------------------


@router.post("/comments/{comment_id}/vote")
async def vote_form(
    request: Request,
    db: Db,
    keys: AppKeys,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    form = await read_form(request, FORM_FIELDS)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise NotAllowed("This form had expired: go back, reload the page and vote again")
    value: Any = form.get("value", "")
    value = int(value) if value in ("1", "-1", "0") else value
    voter = with_voter(reader, keys)
    await service.vote(db, comment_id, value, reader=voter, events=events_of(request))
    response = RedirectResponse(await location(db, comment_id), status_code=303)
    remember_voter(request, response, keys, reader, voter)
    return response


# Identicons ---------------------------------------------------------------------------------


@router.get("/avatars/{key}.svg")
async def avatar(key: str) -> Response:
    if not avatars.KEY.fullmatch(key):
        raise NotFound
    return Response(
        avatars.identicon(key),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )
