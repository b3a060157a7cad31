"""The discussion API: threads, posting, editing and deleting by token, votes, reports,
counts; and the fast lanes that answer the two hottest reads before the framework does.

Failures raised by the services (tribune.exceptions) become problem details in
web/errors.py; each route says which it can answer with, for the OpenAPI document
(web/openapi.py)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import WithJsonSchema
from starlette.datastructures import Headers
from starlette.responses import Response

from tribune.comments import editing, replies, schemas, service, threads, votes
from tribune.comments.cache import Encoded, ThreadKey, VersionedLRU
from tribune.exceptions import Invalid
from tribune.fields import whole_number
from tribune.jsonformat import dumps
from tribune.live.deps import events_of
from tribune.moderation import reports
from tribune.storage.engine import Database
from tribune.stories import service as stories
from tribune.vocabulary import Sort
from tribune.web.cookies import own_tokens, remember_voter
from tribune.web.deps import (
    MAX_ID,
    AppKeys,
    AppSettings,
    CommentId,
    CurrentReader,
    Cursor,
    Db,
    Limit,
    StoryId,
    db_of,
    keys_of,
    limiter_of,
    reader_of,
    with_voter,
)
from tribune.web.errors import ProblemError
from tribune.web.fastlane import Lane, Params
from tribune.web.forms import read_json
from tribune.web.openapi import (
    EDIT_TOKEN,
    END,
    UNAVAILABLE,
    VOTER,
    VOTER_GIVEN,
    json_body,
    problems,
)
from tribune.web.responses import Json
from tribune.web.security import same_origin

router = APIRouter(prefix="/api/v1", tags=["comments"])

COUNTS_MAX = 100
THREAD_PARAMS = frozenset(("sort", "cursor", "limit"))
LOCATION = {"Location": {"description": "/comments/{id}", "schema": {"type": "string"}}}


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


# Threads ----------------------------------------------------------------------------------


@router.get(
    "/stories/{story_id}/comments",
    operation_id="list_comments",
    response_model=schemas.ThreadPage,
    responses=problems(404, 422, UNAVAILABLE),
)
async def list_comments(
    request: Request,
    db: Db,
    settings: AppSettings,
    story_id: StoryId,
    sort: Annotated[str, Query(json_schema_extra={"enum": list(Sort)})] = threads.DEFAULT_SORT,
    cursor: Cursor = None,
    limit: Limit = threads.PAGE_SIZE,
) -> Response:
    """A page of a story's top-level comments, each with its replies nested."""
    query = threads.ThreadQuery.parse(sort, cursor, limit)
    cache: VersionedLRU[ThreadKey, Encoded] = request.app.state.thread_cache
    page = await threads.thread_json(db, cache, story_id, query, max_depth=settings.thread_depth)
    return _encoded(request, page)


def _encoded(request: Request, page: Encoded) -> Response:
    """The page as the fast lane sends it (gzip, ETag, 304 to an If-None-Match naming it)."""
    status, headers, body = page.reply(request.headers, routed=True)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


@router.get(
    "/comments/{comment_id}/replies",
    operation_id="list_replies",
    response_model=schemas.RepliesPage,
    responses=problems(404, 422, UNAVAILABLE),
)
async def list_replies(
    request: Request,
    db: Db,
    settings: AppSettings,
    comment_id: CommentId,
    cursor: Cursor = None,
    limit: Limit = threads.PAGE_SIZE,
) -> Response:
    """A page of a top-level comment's replies at every depth, in thread order: pass the
    thread page's `replies_cursor` to continue where it cut them, then `next_cursor`."""
    query = replies.RepliesQuery.parse(cursor, limit)
    cache: VersionedLRU[ThreadKey, Encoded] = request.app.state.thread_cache
    page = await replies.replies_json(db, cache, comment_id, query, max_depth=settings.thread_depth)
    return _encoded(request, page)


def thread_lane(db: Database, cache: VersionedLRU[ThreadKey, Encoded], depth: int) -> Lane:
    """list_comments for a page already encoded for the thread's current version."""

    async def answer(match: re.Match[str], params: Params, _: Headers) -> Encoded | None:
        found = dict(params)
        if len(found) != len(params) or not THREAD_PARAMS.issuperset(found):
            return None  # repeated or unknown parameters: the route decides what they mean
        limit = None
        if "limit" in found and (limit := whole_number(found["limit"])) is None:
            return None
        try:
            query = threads.ThreadQuery.parse(found.get("sort"), found.get("cursor"), limit)
        except Invalid:
            return None
        story_id = int(match.group(1))
        return await threads.cached_json(db, cache, story_id, query.key(story_id, depth))

    return Lane(re.compile(r"/api/v1/stories/([1-9][0-9]{0,17})/comments"), answer)


# Posting, editing, deleting -----------------------------------------------------------------


@router.post(
    "/stories/{story_id}/comments",
    operation_id="create_comment",
    status_code=201,
    response_model=schemas.CommentCreated,
    responses={
        201: {"headers": LOCATION},
        200: {
            "model": schemas.CommentCreated,
            "description": "A retry: the comment the first post with this Idempotency-Key made",
            "headers": LOCATION
            | {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}},
        },
        **problems(400, 403, 404, 413, 415, 422, 429, UNAVAILABLE),
    },
    openapi_extra=json_body(
        schemas.CommentIn,
        parameters=[
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": f"^[\\x20-\\x7e]{{1,255}}{END}"},
                "description": "Any 1–255 printable ASCII characters, new for each comment "
                "(a UUID): a retry with the same key stores nothing more.",
            }
        ],
    ),
)
async def create_comment(request: Request, story_id: StoryId) -> Response:
    """Post a comment, or a reply with `parent_id`. The answer carries the `edit_token` that
    lets its author edit or delete it during the edit window. A refusal (closed story, ban,
    rate limit) carries the submitted fields back under `comment`. With an
    `Idempotency-Key` header, sending the same post again (a retry after a lost answer)
    stores nothing more and answers 200 with the comment the first one made."""
    # The hottest write takes its handle, keys and reader itself: solved as dependencies
    # they cost about 4% of a post's CPU, and none of them adds to the OpenAPI schema.
    db, keys, reader = db_of(request), keys_of(request), reader_of(request)
    data = await read_json(request)
    comment = await service.post_comment(
        db,
        story_id,
        data,
        keys=keys,
        reader=reader,
        events=events_of(request),
        limiter=limiter_of(request),
        idempotency_key=request.headers.get("idempotency-key"),
    )
    headers = {"Location": f"/comments/{comment['id']}"}
    if comment.pop("replayed", False):
        return Json(comment, 200, headers=headers | {"Idempotent-Replayed": "true"})
    return Json(comment, 201, headers=headers)


@router.patch(
    "/comments/{comment_id}",
    operation_id="edit_comment",
    response_model=schemas.CommentOut,
    responses=problems(400, 403, 404, 413, 415, 422, UNAVAILABLE),
    openapi_extra=json_body(schemas.CommentEdit, security=EDIT_TOKEN),
)
async def edit_comment(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    comment_id: CommentId,
) -> Response:
    """Change the body of one's own comment (`Authorization: Bearer EDIT_TOKEN`)."""
    data = await read_json(request)
    comment = await editing.edit_comment(
        db,
        comment_id,
        data.get("body"),
        keys=keys,
        token=bearer_token(request),
        window_minutes=settings.edit_minutes,
        events=events_of(request),
    )
    return Json(comment)


@router.delete(
    "/comments/{comment_id}",
    operation_id="delete_comment",
    status_code=204,
    responses=problems(403, 404, 422, UNAVAILABLE),
    openapi_extra={"security": EDIT_TOKEN},
)
async def delete_comment(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    comment_id: CommentId,
) -> Response:
    """Delete one's own comment (`Authorization: Bearer EDIT_TOKEN`)."""
    await editing.delete_comment(
        db,
        comment_id,
        keys=keys,
        token=bearer_token(request),
        window_minutes=settings.edit_minutes,
        events=events_of(request),
    )
    return Response(status_code=204)


# A reader's own data -----------------------------------------------------------------------

OWN_TOKENS = json_body(schemas.OwnTokens)


def _tokens_of(request: Request, data: dict[str, object], keys: AppKeys) -> object:
    """The edit tokens the request names: in its JSON (the embed's, the API's), else those
    of this browser's tribune_own cookie (Tribune's own pages)."""
    if "tokens" in data:
        return data["tokens"]
    return list(own_tokens(request, keys).values()) or None


@router.post(
    "/comments/mine",
    operation_id="my_comments",
    response_model=schemas.OwnData,
    responses=problems(400, 403, 404, 413, 415, 422, UNAVAILABLE),
    openapi_extra=OWN_TOKENS,
)
async def my_comments(request: Request, db: Db, keys: AppKeys, settings: AppSettings) -> Response:
    """Everything Tribune keeps of one's own comments, during the edit window: send their
    edit tokens as `{"tokens": [...]}` (Tribune's own pages may leave them out: the browser's
    cookie holds them). The name, e-mail and website as given, the text as written and as
    shown, the story, times, status, score, and whether an address hash is kept."""
    data = await read_json(request)
    found = await editing.own_data(
        db, _tokens_of(request, data, keys), keys=keys, window_minutes=settings.edit_minutes
    )
    return Json({"comments": found}, headers={"Cache-Control": "no-store"})


@router.post(
    "/comments/mine/erase",
    operation_id="erase_my_comments",
    response_model=schemas.Erased,
    responses=problems(400, 403, 404, 413, 415, 422, UNAVAILABLE),
    openapi_extra=OWN_TOKENS,
)
async def erase_my_comments(
    request: Request, db: Db, keys: AppKeys, settings: AppSettings
) -> Response:
    """Erase one's own comments, during the edit window (their edit tokens, as for
    `/comments/mine`): each is removed, or, where replies hang from it, left as a placeholder
    keeping nothing of its author or text. One token that does not hold erases nothing."""
    data = await read_json(request)
    erased = await editing.erase_own(
        db,
        _tokens_of(request, data, keys),
        keys=keys,
        window_minutes=settings.edit_minutes,
        events=events_of(request),
    )
    return Json({"erased": erased})


# Previews -----------------------------------------------------------------------------------


@router.post(
    "/preview",
    operation_id="preview_comment",
    response_model=schemas.PreviewOut,
    responses=problems(400, 403, 413, 415, 422, 429),
    openapi_extra=json_body(schemas.PreviewIn),
)
async def preview_comment(request: Request, reader: CurrentReader) -> Response:
    """The comment form's Preview: a body rendered as it would be published (Markdown to
    sanitized HTML), stored nowhere. Only from this site's pages (a browser's `Origin` must
    be this site's); at most 120 previews a minute per reader."""
    if not same_origin(request):
        raise ProblemError(403, "Previews are made only for this site's own pages")
    data = await read_json(request)
    html = await service.preview(data.get("body"), reader=reader, limiter=limiter_of(request))
    return Json({"html": html})


# Votes and reports ----------------------------------------------------------------------------


@router.post(
    "/comments/{comment_id}/votes",
    operation_id="vote",
    response_model=schemas.VoteOut,
    responses={
        200: {"headers": VOTER_GIVEN},
        **problems(400, 404, 413, 415, 422, 429, UNAVAILABLE),
    },
    openapi_extra=json_body(schemas.VoteIn, parameters=[VOTER]),
)
async def vote(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    """Vote a comment up (1) or down (-1), or withdraw the vote (0). One vote per reader
    (the `tribune_voter` cookie the first vote sets, or the `X-Tribune-Voter` token it
    answers with); `429` when the reader's address
    already added `TRIBUNE_VOTERS_PER_ADDRESS` new voters to this comment in the last
    hour."""
    data = await read_json(request)
    voter = with_voter(reader, keys)
    result = await votes.vote(
        db,
        comment_id,
        data.get("value"),
        reader=voter,
        events=events_of(request),
        voters_per_address=settings.voters_per_address,
    )
    response = Json(result)
    remember_voter(request, response, keys, voter)
    return response


@router.post(
    "/comments/{comment_id}/reports",
    operation_id="report_comment",
    status_code=201,
    response_model=schemas.ReportOut,
    responses={
        201: {"headers": VOTER_GIVEN},
        **problems(400, 404, 409, 413, 415, 422, 429, UNAVAILABLE),
    },
    openapi_extra=json_body(schemas.ReportIn, parameters=[VOTER]),
)
async def report_comment(
    request: Request,
    db: Db,
    keys: AppKeys,
    settings: AppSettings,
    reader: CurrentReader,
    comment_id: CommentId,
) -> Response:
    """Report a comment to the moderators: spam, abuse, off-topic, misinformation or other
    (with `text`). One report per reader (the `tribune_voter` cookie, or the
    `X-Tribune-Voter` token) per comment; `429`
    when the reader's address already added `TRIBUNE_REPORTERS_PER_ADDRESS` reports of this
    comment in the last hour."""
    data = await read_json(request)
    voter = with_voter(reader, keys)
    result = await reports.report(
        db,
        comment_id,
        data,
        reader=voter,
        events=events_of(request),
        limiter=limiter_of(request),
        reporters_per_address=settings.reporters_per_address,
    )
    response = Json(result, 201)
    remember_voter(request, response, keys, voter)
    return response


# Counts -------------------------------------------------------------------------------------


def _story_ids(values: list[str]) -> list[int] | None:
    """The ids asked for, or None unless every one is a story id."""
    ids = [whole_number(value) or 0 for value in values]
    return ids if all(0 < story_id <= MAX_ID for story_id in ids) else None


def _counts(found: dict[int, int]) -> Encoded:
    return Encoded(dumps({"counts": {str(story_id): count for story_id, count in found.items()}}))


@router.get(
    "/counts",
    operation_id="counts",
    response_model=schemas.Counts,
    responses=problems(422, UNAVAILABLE),
)
async def counts(
    request: Request,
    db: Db,
    story: Annotated[
        list[str],
        WithJsonSchema(
            {
                "type": "array",
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "maxItems": COUNTS_MAX,
            }
        ),
        Query(description=f"Story ids (ASCII digits, 1–{MAX_ID}), up to {COUNTS_MAX}"),
    ] = [],  # noqa: B006
) -> Response:
    """Comment counts of up to 100 stories in one request; unknown ids are left out."""
    if len(story) > COUNTS_MAX:
        errors = {"story": f"At most {COUNTS_MAX} stories per request"}
        raise Invalid("Too many stories", errors)
    ids = _story_ids(story)
    if ids is None:
        raise Invalid("Story ids must be numbers", {"story": "Story must be a list of story ids"})
    return _encoded(request, _counts(await stories.comment_counts(db, ids)))


def counts_lane(db: Database) -> Lane:
    """counts, for the questions the route would answer with 200."""

    async def answer(_match: re.Match[str], params: Params, _: Headers) -> Encoded | None:
        if any(key != "story" for key, _ in params) or len(params) > COUNTS_MAX:
            return None
        ids = _story_ids([value for _, value in params])
        return None if ids is None else _counts(await stories.comment_counts(db, ids))

    return Lane(re.compile(r"/api/v1/counts"), answer)
