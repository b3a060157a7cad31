"""The discussion API, the no-JavaScript comment form, and comment permalinks."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from tribune.comments import service
from tribune.comments.schemas import CommentIn, CommentOut, Problem, ThreadPage
from tribune.stories import service as stories
from tribune.stories.routes import Cursor, render_story_page, story_url
from tribune.web.deps import ClientHash, CommentId, Db, StoryId
from tribune.web.errors import ProblemError
from tribune.web.responses import Json
from tribune.web.security import CSRF_FIELD, BodyTooLarge, csrf_ok, read_body

api = APIRouter(prefix="/api/v1", tags=["comments"])
pages = APIRouter(include_in_schema=False)

FORM_FIELDS = ("name", "email", "website", "body")
FORM_EXPIRED = "This form had expired. Your comment is still here: please send it again."


async def _body(request: Request, media_type: str) -> str:
    """The request body as text, after checking its type, size and encoding."""
    declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if declared != media_type:
        raise ProblemError(415, f"Send the request body as {media_type}")
    try:
        raw = await read_body(request)
    except BodyTooLarge:
        raise ProblemError(413, "The request body is too large") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid UTF-8 (byte {exc.start})") from None


async def _story(db: Db, story_id: int) -> dict[str, Any]:
    story = await stories.story_by_id(db, story_id)
    if story is None:
        raise ProblemError(404, f"There is no story {story_id}")
    return story


# API -----------------------------------------------------------------------------------------


@api.get(
    "/stories/{story_id}/comments",
    operation_id="list_comments",
    response_model=ThreadPage,
    responses={404: {"model": Problem}, 422: {"model": Problem}},
)
async def list_comments(
    db: Db,
    story_id: StoryId,
    sort: Annotated[str, Query(description="oldest, newest, top or replies")] = "oldest",
    cursor: Cursor = None,
    limit: Annotated[int, Query(description="Top-level comments per page, 1–100")] = 50,
) -> Response:
    """A page of a story's top-level comments, each with its replies."""
    story = await _story(db, story_id)
    try:
        page = await service.thread_page(db, story, sort=sort, cursor=cursor, limit=limit)
    except service.InvalidQuery as exc:
        raise ProblemError(422, "The request has invalid parameters", errors=exc.errors) from None
    return Json(page)


@api.post(
    "/stories/{story_id}/comments",
    operation_id="create_comment",
    status_code=201,
    response_model=CommentOut,
    responses={
        400: {"model": Problem},
        404: {"model": Problem},
        413: {"model": Problem},
        415: {"model": Problem},
        422: {"model": Problem},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CommentIn.model_json_schema()}},
        }
    },
)
async def create_comment(
    request: Request, db: Db, story_id: StoryId, client: ClientHash
) -> Response:
    """Post a comment. Errors name each bad field with the form's own messages."""
    text = await _body(request, "application/json")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ProblemError(400, f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ProblemError(400, "The request body must be a JSON object")
    try:
        comment = await service.post_comment(db, story_id, data, client_hash=client)
    except service.InvalidComment as exc:
        raise ProblemError(422, "The comment was not accepted", errors=exc.errors) from None
    except service.StoryNotFound:
        raise ProblemError(404, f"There is no story {story_id}") from None
    return Json(comment, 201, headers={"Location": f"/comments/{comment['id']}"})


# Pages ---------------------------------------------------------------------------------------


@pages.post("/stories/{slug}/comments")
async def post_comment_form(request: Request, db: Db, slug: str, client: ClientHash) -> Response:
    """The comment form without JavaScript: POST, then redirect to the new comment (or the
    page again with every field as typed and a message beside each wrong one)."""
    story = await stories.story_by_slug(db, slug)
    if story is None:
        raise HTTPException(404)
    text = await _body(request, "application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise ProblemError(400, "The form data is not valid") from None
    form = {key: value for key, value in pairs if key in (*FORM_FIELDS, CSRF_FIELD)}

    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return await render_story_page(
            request, db, story, form=form, errors={"form": FORM_EXPIRED}, status_code=403
        )
    try:
        comment = await service.post_comment(db, story["id"], form, client_hash=client)
    except service.InvalidComment as exc:
        return await render_story_page(
            request, db, story, form=form, errors=exc.errors, status_code=422
        )
    except service.StoryNotFound:
        raise HTTPException(404) from None
    return RedirectResponse(await _location(db, comment["id"]), status_code=303)


@pages.get("/stories/{slug}/comments")
async def comments_anchor(slug: str) -> Response:
    """Where the form posts; reloading or sharing that address leads back to the story."""
    return RedirectResponse(f"{story_url(slug)}#comments", status_code=303)


async def _location(db: Db, comment_id: int) -> str:
    found = await service.locate(db, comment_id)
    if found is None:
        raise HTTPException(404)
    slug, after = found
    query = f"?after={after}" if after else ""
    return f"{story_url(slug)}{query}#c{comment_id}"


@pages.get("/comments/{comment_id}")
async def permalink(db: Db, comment_id: CommentId) -> Response:
    """A comment's permanent address: redirects to the page of the thread that shows it."""
    return RedirectResponse(await _location(db, comment_id), status_code=302)
