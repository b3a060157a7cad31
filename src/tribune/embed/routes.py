"""The embed: /embed.js and /count.js, the discussion of any allowed site's page as an HTML
fragment (/embed/thread, for embed.js and for server-side includes), counts by page
address (/embed/counts), and opening a page's thread (POST /api/v1/threads). The rules
are in embed/service.py; who may call from which page, in embed/cors.py."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse, Response

from tribune.comments import threads
from tribune.comments.cache import VersionedLRU
from tribune.embed import service
from tribune.exceptions import Invalid
from tribune.settings import Settings
from tribune.vocabulary import Sort
from tribune.web.deps import Cursor, Db, settings_of, site_cache_of
from tribune.web.forms import read_json
from tribune.web.openapi import UNAVAILABLE, json_body, problems
from tribune.web.responses import Json
from tribune.web.templating import ENV, STATIC, static_url

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["embed"])

SORT_LABELS = {sort: sort.label for sort in Sort}
# The fragment is the same for every reader: shared caches (an edge include, a CDN) may keep
# it a few seconds and serve it stale while they fetch it again; browsers ask each time (a
# reader who just posted reloads the page and finds the thread as it is).
SHARED = "public, max-age=0, s-maxage=5, stale-while-revalidate=30"
SCRIPT_CACHE = "public, max-age=3600"  # embed.js and count.js live at fixed addresses
PageUrl = Annotated[
    str,
    Query(max_length=6000, description="The address of the page the discussion is under"),
]


def compact(source: bytes) -> bytes:
    """A script as served: each line without its indentation, and without the lines that
    are only comments (the file stays readable; readers' phones get 15% fewer bytes). Exact
    for these scripts: no string or template in them spans two lines."""
    lines = (line.strip() for line in source.decode().splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")).encode()


@functools.cache
def script(name: str) -> bytes:
    """embed.js or count.js as served, told where the stylesheet lives (content-hash URL)."""
    return compact(STATIC[name].body).replace(b"__EMBED_CSS__", static_url("embed.css").encode())


def _script(name: str) -> Response:
    return Response(
        script(name),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": SCRIPT_CACHE},
    )


@router.get("/embed.js")
async def embed_js() -> Response:
    return _script("embed.js")


@router.get("/count.js")
async def count_js() -> Response:
    return _script("count.js")


@router.get("/embed/thread")
async def embed_thread(
    request: Request,
    db: Db,
    url: PageUrl,
    sort: str = threads.DEFAULT_SORT,
    after: Cursor = None,
) -> Response:
    """A page of the discussion of ``url`` as an HTML fragment (the first, or the one after
    ``after``); a page with no thread yet gets an empty one to start."""
    settings = settings_of(request)
    page_url = service.address(url)
    service.check_origin(page_url, None, settings.origins())
    query = threads.ThreadQuery.parse(sort, after)
    thread = await service.thread_of(db, page_url)
    site = site_cache_of(request).current
    cache: VersionedLRU[tuple[object, ...], str] = request.app.state.fragment_cache
    html = None
    if thread is not None:
        key = ("embed", thread["id"], query.sort, query.cursor, settings.thread_depth, site.version)
        html = cache.get(key, thread["version"])
        if html is None:
            page = await threads.thread_page(db, thread, query, max_depth=settings.thread_depth)
            html = _fragment(
                settings, thread, page.comments, page.total, query.sort, page.next_cursor
            )
            cache.put(key, thread["version"], html)
    else:
        html = _fragment(settings, None, [], 0, query.sort, None)
    return HTMLResponse(html, headers={"Cache-Control": SHARED})


def _fragment(
    settings: Settings,
    thread: dict[str, Any] | None,
    comments: list[dict[str, Any]],
    total: int,
    sort: str,
    next_cursor: str | None,
) -> str:
    return ENV.get_template("embed_thread.html").render(
        base_url=settings.base_url,
        edit_minutes=settings.edit_minutes,
        thread=thread,
        comments=comments,
        total=total,
        mode=thread["comment_mode"] if thread else "open",
        sort=sort,
        sorts=SORT_LABELS,
        next_cursor=next_cursor,
    )


@router.get("/embed/counts")
async def embed_counts(
    db: Db,
    url: Annotated[list[str], Query(max_length=6000)] = [],  # noqa: B006
) -> Response:
    """Comment counts of up to 100 pages by address: ``{"counts": {"<url>": N}}``, each
    address as asked (pages without a discussion are left out)."""
    if len(url) > service.COUNTS_MAX:
        raise Invalid("Too many pages", {"url": f"At most {service.COUNTS_MAX} pages per request"})
    found = await service.counts_by_url(db, url)
    return Json({"counts": found}, headers={"Cache-Control": SHARED})


class ThreadIn(BaseModel):
    url: str = Field(max_length=6000, description="The page's address (normalised by Tribune)")
    title: str | None = Field(None, description="The page's title (plain text, cut to 200)")


class ThreadOut(BaseModel):
    id: int = Field(description="The thread's story id: its comments are the story's")
    title: str
    page_url: str = Field(description="The page's address as Tribune keeps it")
    url: str = Field(description="Tribune's own page of the discussion")
    comment_count: int
    comment_mode: str


@api.post(
    "/threads",
    operation_id="open_thread",
    status_code=201,
    response_model=ThreadOut,
    responses={
        200: {"model": ThreadOut, "description": "The page's thread already existed"},
        **problems(400, 403, 413, 415, 422, UNAVAILABLE),
    },
    openapi_extra=json_body(ThreadIn),
)
async def open_thread(request: Request, db: Db) -> Response:
    """The discussion of another site's page, opened on first use: only for a page of a
    site in `TRIBUNE_ALLOWED_ORIGINS`, and from a browser only by a page of that site (its
    `Origin`). `201` when made now, `200` when it was there."""
    data = await read_json(request)
    settings = settings_of(request)
    thread, made = await service.open_thread(
        db,
        data.get("url"),
        data.get("title"),
        asking=request.headers.get("origin"),
        allowed=settings.origins(),
    )
    body = {
        "id": thread["id"],
        "title": thread["title"],
        "page_url": thread["page_url"],
        "url": settings.base_url + thread["path"],
        "comment_count": thread["comment_count"],
        "comment_mode": thread["comment_mode"],
    }
    return Json(body, 201 if made else 200)
