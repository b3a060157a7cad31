"""Story pages (/, /stories/{slug}, /tags/{tag}) and the stories API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from tribune.comments import threads
from tribune.comments.cache import CSRF_SLOT
from tribune.comments.cookies import own_tokens
from tribune.comments.schemas import Problem
from tribune.stories import service
from tribune.stories.schemas import StoryDetail, StoryList
from tribune.web.deps import MAX_ID, Db, StoryId, reader_of
from tribune.web.errors import ProblemError
from tribune.web.responses import Json
from tribune.web.security import csrf_token
from tribune.web.templating import ENV, render, render_form

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["stories"])

PAGE_SIZE = 20
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the page before")]
Limit = Annotated[int, Query(description="Items per page, 1–100")]


def story_url(slug: str) -> str:
    return f"/stories/{quote(slug)}"


def _cursor(cursor: str | None) -> Any:
    try:
        return service.decode_cursor(cursor)
    except service.InvalidCursor:
        raise ProblemError(
            422,
            "The cursor is not valid",
            errors={"cursor": "Cursor is malformed; pass next_cursor back as given"},
        ) from None


# Pages ---------------------------------------------------------------------------------------


@pages.get("/")
async def home(request: Request, db: Db, cursor: Cursor = None) -> Response:
    stories, following = await service.recent(db, _cursor(cursor), PAGE_SIZE)
    return render(
        request,
        "index.html",
        {"stories": stories, "next_cursor": service.encode_cursor(following)},
    )


@pages.get("/tags/{slug}")
async def tag_page(request: Request, db: Db, slug: str, cursor: Cursor = None) -> Response:
    found = await service.tagged(db, slug, _cursor(cursor), PAGE_SIZE)
    if found is None:
        raise HTTPException(404)
    tag, stories, following = found
    return render(
        request,
        "tag.html",
        {"tag": tag, "stories": stories, "next_cursor": service.encode_cursor(following)},
    )


async def render_story_page(
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
    input and the errors, when a post was refused)."""
    settings = request.app.state.settings
    keys = request.app.state.keys
    form = form or {}
    reader = reader_of(request)
    own = own_tokens(request, keys)
    token = csrf_token(request)
    # A reader who has voted or posted sees their own state; everyone else shares one rendering
    # of the thread per version, with only their CSRF token filled in.
    shared = template == "story.html" and not (form or errors or reply_to or own or reader.voter_id)
    fragments = request.app.state.fragment_cache
    key = (story["id"], sort, after, settings.thread_depth)
    meta = await threads.version(db, story["id"]) if shared else None
    if meta is not None and (cached := fragments.get(key, meta[0])) is not None:
        return render_form(
            request,
            template,
            {
                "story": story,
                "thread": {"total": meta[1]},
                "thread_html": cached.replace(CSRF_SLOT, token),
                "form": {},
                "errors": {},
                "replying": None,
            },
            status_code=status_code,
        )
    try:
        thread = await threads.thread_page(
            db, story, sort=sort, cursor=after, max_depth=settings.thread_depth
        )
    except threads.InvalidQuery as exc:
        raise ProblemError(422, "; ".join(exc.errors.values())) from None
    thread_html = None
    if meta is not None:
        # Cached under the version read before the page: the page is never older than it.
        rendered = ENV.get_template("_thread.html").render(
            thread=thread,
            story=story,
            sort=sort,
            sorts=SORT_LABELS,
            after=after,
            my_votes={},
            editable=set(),
            csrf_token=CSRF_SLOT,
        )
        fragments.put(key, meta[0], rendered)
        thread_html = rendered.replace(CSRF_SLOT, token)
    my_votes = (
        {}
        if shared
        else await threads.votes_of(db, list(thread.shown), reader.voter_id, reader.client_hash)
    )
    window = timedelta(minutes=settings.edit_minutes)
    now = datetime.now(UTC)
    editable = {
        comment_id
        for comment_id in own
        if comment_id in thread.shown
        and thread.shown[comment_id].comment["status"] == "approved"
        and now - thread.shown[comment_id].comment["created_at"] < window
    }
    awaiting = await threads.own_hidden(db, story["id"], list(own))
    parent_id = form.get("parent_id") or (str(reply_to) if reply_to else "")
    replying = None
    if parent_id.isdigit():
        replying = await threads.comment(db, int(parent_id))
        if replying is None or replying["story_slug"] != story["slug"]:
            replying = None
    return render_form(
        request,
        template,
        {
            "story": story,
            "thread": thread,
            "sort": sort,
            "sorts": SORT_LABELS,
            "after": after,
            "form": form,
            "errors": errors or {},
            "replying": replying,
            "my_votes": my_votes,
            "editable": editable,
            "thread_html": thread_html,
            "awaiting": awaiting,
        },
        status_code=status_code,
    )


SORT_LABELS = {"oldest": "Oldest", "newest": "Newest", "top": "Top", "replies": "Most replies"}
Sort = Annotated[str, Query(description="oldest, newest, top or replies")]


async def _published(db: Db, slug: str) -> dict[str, Any]:
    story = await service.story_by_slug(db, slug)
    if story is None:
        raise HTTPException(404)
    return story


@pages.get("/stories/{slug}")
async def story_page(
    request: Request,
    db: Db,
    slug: str,
    sort: Sort = threads.DEFAULT_SORT,
    after: Cursor = None,
    reply_to: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    story = await _published(db, slug)
    return await render_story_page(request, db, story, sort=sort, after=after, reply_to=reply_to)


@pages.get("/stories/{slug}/thread")
async def thread_fragment(
    request: Request, db: Db, slug: str, sort: Sort = threads.DEFAULT_SORT, after: Cursor = None
) -> Response:
    """The next page of comments as an HTML fragment, for "Show more comments" in place."""
    story = await _published(db, slug)
    return await render_story_page(
        request, db, story, sort=sort, after=after, template="_thread_page.html"
    )


# API -----------------------------------------------------------------------------------------


def story_json(story: dict[str, Any], base_url: str, *, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": story["id"],
        "slug": story["slug"],
        "title": story["title"],
        "url": base_url + story_url(story["slug"]),
        "source_url": story["source_url"],
        "tags": [
            {"slug": t["slug"], "name": t["name"], "url": f"{base_url}/tags/{quote(t['slug'])}"}
            for t in story["tags"]
        ],
        "published_at": story["published_at"],
        "comment_count": story["comment_count"],
    }
    if detail:
        out |= {
            "lead": story["lead"],
            "body_html": story["body_html"],
            "video_url": story["video_url"],
            "promo_links": story["promo_links"],
            "about": story["about"],
        }
    return out


@api.get(
    "/stories",
    operation_id="list_stories",
    response_model=StoryList,
    responses={422: {"model": Problem}},
)
async def list_stories(
    request: Request, db: Db, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """Published stories, newest first."""
    if not 1 <= limit <= threads.LIMIT_MAX:
        raise ProblemError(
            422,
            "The request has invalid parameters",
            errors={"limit": f"Limit must be between 1 and {threads.LIMIT_MAX}"},
        )
    stories, following = await service.recent(db, _cursor(cursor), limit)
    base_url = request.app.state.settings.base_url
    return Json(
        {
            "stories": [story_json(s, base_url) for s in stories],
            "next_cursor": service.encode_cursor(following),
        }
    )


@api.get(
    "/stories/{story_id}",
    operation_id="get_story",
    response_model=StoryDetail,
    responses={404: {"model": Problem}},
)
async def get_story(request: Request, db: Db, story_id: StoryId) -> Response:
    """One published story with its body as HTML."""
    story = await service.story_by_id(db, story_id)
    if story is None:
        raise ProblemError(404, f"There is no story {story_id}")
    return Json(story_json(story, request.app.state.settings.base_url, detail=True))
