"""Story pages (/, /tags/{tag}) and the stories API. The story page itself, with its
discussion, is in comments/pages.py."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tribune import public
from tribune.cursor import LIMIT_MAX
from tribune.exceptions import Invalid, NotFound
from tribune.stories import service
from tribune.stories.schemas import StoryDetail, StoryList
from tribune.web.deps import Cursor, Db, Limit, StoryId, settings_of
from tribune.web.openapi import UNAVAILABLE, problems
from tribune.web.responses import Json
from tribune.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["stories"])

STORIES_PAGE = 20  # stories per page on the home and tag pages


# Pages ---------------------------------------------------------------------------------------


@pages.get("/")
async def home(request: Request, db: Db, cursor: Cursor = None) -> Response:
    stories, following = await service.recent(db, service.decode_cursor(cursor), STORIES_PAGE)
    return render(
        request,
        "index.html",
        {"stories": stories, "next_cursor": service.encode_cursor(following)},
    )


@pages.get("/tags/{slug}")
async def tag_page(request: Request, db: Db, slug: str, cursor: Cursor = None) -> Response:
    found = await service.tagged(db, slug, service.decode_cursor(cursor), STORIES_PAGE)
    if found is None:
        raise NotFound
    tag, stories, following = found
    return render(
        request,
        "tag.html",
        {"tag": tag, "stories": stories, "next_cursor": service.encode_cursor(following)},
    )


# API -----------------------------------------------------------------------------------------


@api.get(
    "/stories",
    operation_id="list_stories",
    response_model=StoryList,
    responses=problems(422, UNAVAILABLE),
)
async def list_stories(
    request: Request, db: Db, cursor: Cursor = None, limit: Limit = 50
) -> Response:
    """Published stories, newest first."""
    if not 1 <= limit <= LIMIT_MAX:
        errors = {"limit": f"Limit must be between 1 and {LIMIT_MAX}"}
        raise Invalid("The request has invalid parameters", errors)
    stories, following = await service.recent(db, service.decode_cursor(cursor), limit)
    base_url = settings_of(request).base_url
    return Json(
        {
            "stories": [public.story(s, base_url) for s in stories],
            "next_cursor": service.encode_cursor(following),
        }
    )


@api.get(
    "/stories/{story_id}",
    operation_id="get_story",
    response_model=StoryDetail,
    responses=problems(404, 422, UNAVAILABLE),
)
async def get_story(request: Request, db: Db, story_id: StoryId) -> Response:
    """One published story with its body as HTML."""
    story = await service.story_by_id(db, story_id)
    if story is None:
        raise NotFound(f"There is no story {story_id}")
    return Json(public.story(story, settings_of(request).base_url, detail=True))
