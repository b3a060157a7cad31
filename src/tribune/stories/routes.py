"""Story pages (/, /tags/{tag}, /authors/{slug}, the short links /s/{code}) and the stories
API. The story page itself, with its discussion, is in comments/pages.py; the sitemaps and
robots.txt in sitemaps.py."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from tribune import public
from tribune.accounts.deps import bearer, token_with
from tribune.cursor import LIMIT_MAX
from tribune.exceptions import Invalid, NotFound
from tribune.shortlinks import decode_short
from tribune.stories import editor, seo, service
from tribune.stories.schemas import StaffStory, StoryDetail, StoryList
from tribune.vocabulary import TokenScope
from tribune.web import shared
from tribune.web.deps import Cursor, Db, Limit, StoryId, settings_of, site_cache_of
from tribune.web.openapi import UNAVAILABLE, problems
from tribune.web.responses import Json
from tribune.web.templating import render_text

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["stories"])

# A staff API token's read of any story (a draft the CMS just pushed).
STAFF_READER = token_with(TokenScope.stories)
STORIES_PAGE = 20  # stories per page on the home, tag and author pages
DEFAULT_DESCRIPTION = "Latest news stories and the reader discussion beneath them."


# Pages ---------------------------------------------------------------------------------------


def _pages(
    path: str,
    after: service.StoryCursor | None,
    previous: service.StoryCursor | None,
    following: service.StoryCursor | None,
) -> dict[str, Any]:
    """A listing's links to its older and newer pages; the first page is the bare path."""
    newer = service.encode_cursor(previous)
    return {
        "path": path,
        "next_cursor": service.encode_cursor(following),
        "has_previous": after is not None,
        "previous_href": f"{path}?cursor={quote(newer)}" if newer else path,
    }


def _canonical(path: str, after: service.StoryCursor | None) -> str:
    """A page of a listing is its own canonical page: the path and the cursor, re-encoded."""
    cursor = service.encode_cursor(after)
    return f"{path}?cursor={quote(cursor)}" if cursor else path


# The listings are the same for every reader: their first pages are kept for the stories they
# show (web/shared.py), later pages made each time, all sent with Cache-Control public.
SHARED_PATHS = ("/", "/tags/[^/]+", "/authors/[^/]+")


@pages.get("/")
async def home(request: Request, db: Db, cursor: Cursor = None) -> Response:
    after = service.decode_cursor(cursor)

    async def version() -> Hashable:
        return await service.listing_version(db, STORIES_PAGE)

    async def make() -> bytes:
        stories, following = await service.recent(db, after, STORIES_PAGE)
        previous = None
        if after is not None:
            previous = await service.previous_page(db, after, stories, STORIES_PAGE)
        site = site_cache_of(request).current
        description = site.tagline or DEFAULT_DESCRIPTION
        text = render_text(
            request,
            "index.html",
            {
                "stories": stories,
                "pages": _pages("/", after, previous, following),
                "seo": seo.listing_meta(
                    settings_of(request).base_url,
                    site,
                    _canonical("/", after),
                    site.name,
                    description,
                ),
            },
        )
        return text.encode()

    if after is not None:
        return shared.once(request, await make())
    return await shared.kept(request, version, make)


@pages.get("/tags/{slug}")
async def tag_page(request: Request, db: Db, slug: str, cursor: Cursor = None) -> Response:
    after = service.decode_cursor(cursor)

    async def version() -> Hashable | None:
        # A tag no published story carries any more has no page: the route says so.
        return await service.listing_version(db, STORIES_PAGE, tag_id=tag_id) or None

    async def make() -> bytes:
        found = await service.tagged(db, slug, after, STORIES_PAGE)
        if found is None:
            raise NotFound
        tag, stories, following = found
        previous = None
        if after is not None:
            previous = await service.previous_page(
                db, after, stories, STORIES_PAGE, tag_id=tag["id"]
            )
        path = public.tag_path(tag["slug"])
        site = site_cache_of(request).current
        text = render_text(
            request,
            "tag.html",
            {
                "tag": tag,
                "stories": stories,
                "pages": _pages(path, after, previous, following),
                "seo": seo.listing_meta(
                    settings_of(request).base_url,
                    site,
                    _canonical(path, after),
                    f"Stories tagged #{tag['name']}",
                    f"Stories tagged {tag['name']}.",
                ),
            },
        )
        return text.encode()

    if after is not None:
        return shared.once(request, await make())
    tag_id = await service.tag_id(db, slug)
    if tag_id is None:
        raise NotFound
    return await shared.kept(request, version, make)


@pages.get("/authors/{slug}")
async def author_page(request: Request, db: Db, slug: str, cursor: Cursor = None) -> Response:
    after = service.decode_cursor(cursor)

    async def version() -> Hashable | None:
        return await service.listing_version(db, STORIES_PAGE, author_id=author_id) or None

    async def make() -> bytes:
        found = await service.by_author(db, slug, after, STORIES_PAGE)
        if found is None:
            raise NotFound
        author, stories, following = found
        previous = None
        if after is not None:
            previous = await service.previous_page(
                db, after, stories, STORIES_PAGE, author_id=author["id"]
            )
        path = public.author_path(author["slug"])
        site = site_cache_of(request).current
        text = render_text(
            request,
            "author.html",
            {
                "author": author,
                "stories": stories,
                "pages": _pages(path, after, previous, following),
                "seo": seo.listing_meta(
                    settings_of(request).base_url,
                    site,
                    _canonical(path, after),
                    author["name"],
                    author["bio"] or f"Stories by {author['name']} on {site.name}.",
                    kind="profile",
                ),
            },
        )
        return text.encode()

    if after is not None:
        return shared.once(request, await make())
    author_id = await service.author_id(db, slug)
    if author_id is None:
        raise NotFound
    return await shared.kept(request, version, make)


@pages.get("/s/{code}")
async def short_link(db: Db, code: str) -> Response:
    """A story's short link: 301 to its page, for a published story only."""
    story_id = decode_short(code)
    story = None if story_id is None else await service.story_by_id(db, story_id)
    if story is None:
        raise NotFound
    return RedirectResponse(public.story_path(story["slug"]), status_code=301)


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
    response_model=StoryDetail | StaffStory,
    responses=problems(401, 403, 404, 422, UNAVAILABLE),
    openapi_extra={"security": [{}, {"bearerToken": []}]},
)
async def get_story(request: Request, db: Db, story_id: StoryId) -> Response:
    """One published story with its body as HTML. With a staff API token of scope
    `stories` (`Authorization: Bearer`), any story whatever its status, with `status`,
    `publish_at`, `revision` and its Markdown `body`."""
    if bearer(request) is not None:
        await STAFF_READER(request)
        found = await editor.story(db, story_id)
        if found is None:
            raise NotFound(f"There is no story {story_id}")
        return Json(editor.staff_view(found, settings_of(request).base_url))
    story = await service.story_by_id(db, story_id)
    if story is None:
        raise NotFound(f"There is no story {story_id}")
    return Json(public.story(story, settings_of(request).base_url, detail=True))
