"""The discussion API: threads, posting, editing and deleting by token, votes, counts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tribune.comments import service, threads
from tribune.comments.cache import GZIP_MIN
from tribune.comments.cookies import remember_voter
from tribune.comments.fastlane import COUNTS_MAX, counts_body, valid_story_ids
from tribune.comments.schemas import (
    CommentCreated,
    CommentEdit,
    CommentIn,
    CommentOut,
    Counts,
    Problem,
    ReportIn,
    ReportOut,
    ThreadPage,
    VoteIn,
    VoteOut,
)
from tribune.moderation import service as moderation
from tribune.stories import service as stories
from tribune.stories.routes import Cursor
from tribune.web.deps import AppKeys, AppSettings, CommentId, CurrentReader, Db, StoryId
from tribune.web.errors import ProblemError
from tribune.web.forms import read_json
from tribune.web.ratelimit import RateLimited
from tribune.web.responses import Json

router = APIRouter(prefix="/api/v1", tags=["comments"])


def _json_body(schema: type) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema.model_json_schema()}},  # type: ignore[attr-defined]
        }
    }


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Problem} for status in statuses}


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@router.get(
    "/stories/{story_id}/comments",
    operation_id="list_comments",
    response_model=ThreadPage,
    responses=_problems(404, 422),
)
async def list_comments(
    request: Request,
    db: Db,
    settings: AppSettings,
    story_id: StoryId,
    sort: Annotated[str, Query(description="oldest, newest, top or replies")] = "oldest",
    cursor: Cursor = None,
    limit: Annotated[int, Query(description="Top-level comments per page, 1–100")] = 50,
) -> Response:
    """A page of a story's top-level comments, each with its replies nested."""
    try:
        page = await threads.thread_json(
            db,
            request.app.state.thread_cache,
            story_id,
            sort=sort,
            cursor=cursor,
            limit=limit,
            max_depth=settings.thread_depth,
        )
    except threads.InvalidQuery as exc:
        raise ProblemError(422, "The request has invalid parameters", errors=exc.errors) from None
    except threads.StoryNotFound:
        raise ProblemError(404, f"There is no story {story_id}") from None
    if "gzip" in request.headers.get("accept-encoding", "") and len(page.body) >= GZIP_MIN:
        return Response(
            page.gzipped(),
            media_type="application/json",
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return Response(page.body, media_type="application/json")


@router.post(
    "/stories/{story_id}/comments",
    operation_id="create_comment",
    status_code=201,
    response_model=CommentCreated,
    responses=_problems(400, 403, 404, 413, 415, 422, 429),
    openapi_extra=_json_body(CommentIn),
)
async def create_comment(
    request: Request, db: Db, keys: AppKeys, story_id: StoryId, reader: CurrentReader
) -> Response:
    """Post a comment, or a reply with `parent_id`. The answer carries the `edit_token` that
    lets its author edit or delete it during the edit window."""
    data = await read_json(request)
    try:
        comment = await service.post_comment(
            db, story_id, data, keys=keys, reader=reader, limiter=request.app.state.limiter
        )
    except service.InvalidComment as exc:
        raise ProblemError(422, "The comment was not accepted", errors=exc.errors) from None
    except service.StoryNotFound:
        raise ProblemError(404, f"There is no story {story_id}") from None
    except moderation.StoryClosed:
        raise ProblemError(403, "Comments are closed on this story") from None
    except moderation.Banned as exc:
        # The text travels back, so a page can keep what the reader typed.
        raise ProblemError(403, str(exc), extra={"comment": kept(data)}) from None
    except RateLimited as exc:
        raise ProblemError(
            429,
            exc.message(),
            headers={"Retry-After": str(exc.retry_after)},
            extra={"comment": kept(data)},
        ) from None
    return Json(comment, 201, headers={"Location": f"/comments/{comment['id']}"})


def kept(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in ("name", "email", "website", "body", "parent_id") if k in data}


@router.post(
    "/comments/{comment_id}/reports",
    operation_id="report_comment",
    status_code=201,
    response_model=ReportOut,
    responses=_problems(400, 404, 409, 415, 422, 429),
    openapi_extra=_json_body(ReportIn),
)
async def report_comment(
    request: Request, db: Db, keys: AppKeys, reader: CurrentReader, comment_id: CommentId
) -> Response:
    """Report a comment to the moderators: spam, abuse, off-topic, misinformation or other
    (with `text`). One report per reader per comment."""
    data = await read_json(request)
    new_voter = reader.voter_id is None
    voter_id = reader.voter_id or keys.new_voter_id()
    try:
        result = await moderation.report(
            db,
            comment_id,
            data,
            voter_id=voter_id,
            client_hash=reader.client_hash,
            limiter=request.app.state.limiter,
        )
    except moderation.InvalidReport as exc:
        raise ProblemError(422, "The report was not accepted", errors=exc.errors) from None
    except moderation.AlreadyReported:
        raise ProblemError(409, "You have already reported this comment") from None
    except LookupError:
        raise ProblemError(404, f"There is no comment {comment_id} to report") from None
    except RateLimited as exc:
        raise ProblemError(
            429, exc.message(), headers={"Retry-After": str(exc.retry_after)}
        ) from None
    response = Json(result, 201)
    if new_voter:
        remember_voter(request, response, keys, voter_id)
    return response


@router.patch(
    "/comments/{comment_id}",
    operation_id="edit_comment",
    response_model=CommentOut,
    responses=_problems(400, 403, 404, 415, 422),
    openapi_extra=_json_body(CommentEdit),
)
async def edit_comment(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    """Change the body of one's own comment (`Authorization: Bearer EDIT_TOKEN`)."""
    data = await read_json(request)
    try:
        comment = await service.edit_comment(
            db,
            comment_id,
            data.get("body"),
            keys=keys,
            token=bearer_token(request),
            window_minutes=settings.edit_minutes,
        )
    except service.InvalidComment as exc:
        raise ProblemError(422, "The comment was not changed", errors=exc.errors) from None
    except service.NotAllowed as exc:
        raise ProblemError(403, str(exc)) from None
    except service.CommentNotFound:
        raise ProblemError(404, f"There is no comment {comment_id}") from None
    return Json(comment)


@router.delete(
    "/comments/{comment_id}",
    operation_id="delete_comment",
    status_code=204,
    responses=_problems(403, 404),
)
async def delete_comment(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings, comment_id: CommentId
) -> Response:
    """Delete one's own comment (`Authorization: Bearer EDIT_TOKEN`)."""
    try:
        await service.delete_comment(
            db,
            comment_id,
            keys=keys,
            token=bearer_token(request),
            window_minutes=settings.edit_minutes,
        )
    except service.NotAllowed as exc:
        raise ProblemError(403, str(exc)) from None
    except service.CommentNotFound:
        raise ProblemError(404, f"There is no comment {comment_id}") from None
    return Response(status_code=204)


@router.post(
    "/comments/{comment_id}/votes",
    operation_id="vote",
    response_model=VoteOut,
    responses=_problems(400, 404, 415, 422),
    openapi_extra=_json_body(VoteIn),
)
async def vote(
    request: Request, db: Db, keys: AppKeys, reader: CurrentReader, comment_id: CommentId
) -> Response:
    """Vote a comment up (1) or down (-1), or withdraw the vote (0). One vote per reader."""
    data = await read_json(request)
    new_voter = reader.voter_id is None
    if new_voter:
        reader = service.Reader(client_hash=reader.client_hash, voter_id=keys.new_voter_id())
    try:
        result = await service.vote(db, comment_id, data.get("value"), reader=reader)
    except service.InvalidComment as exc:
        raise ProblemError(422, "The vote was not counted", errors=exc.errors) from None
    except service.CommentNotFound:
        raise ProblemError(404, f"There is no comment {comment_id} to vote on") from None
    response = Json(result)
    if new_voter:
        assert reader.voter_id is not None
        remember_voter(request, response, keys, reader.voter_id)
    return response


@router.get("/counts", operation_id="counts", response_model=Counts, responses=_problems(422))
async def counts(
    db: Db,
    story: Annotated[list[str], Query(description="Story ids, up to 100")] = [],  # noqa: B006
) -> Response:
    """Comment counts of up to 100 stories in one request; unknown ids are left out."""
    if len(story) > COUNTS_MAX:
        raise ProblemError(
            422, "Too many stories", errors={"story": f"At most {COUNTS_MAX} stories per request"}
        )
    if not valid_story_ids(story):
        raise ProblemError(
            422, "Story ids must be numbers", errors={"story": "Story must be a list of story ids"}
        )
    found = await stories.comment_counts(db, [int(value) for value in story])
    return Response(counts_body(found), media_type="application/json")
