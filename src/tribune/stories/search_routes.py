"""Search: the page /search?q= and GET /api/v1/search. The rules are in stories/search.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, WithJsonSchema
from starlette.responses import Response

from tribune.cursor import LIMIT_MAX
from tribune.exceptions import Invalid
from tribune.stories import search
from tribune.vocabulary import SearchHit, SearchKind
from tribune.web.deps import Cursor, Db, Limit, settings_of
from tribune.web.openapi import UNAVAILABLE, problems
from tribune.web.responses import Json
from tribune.web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["search"])

SearchText = Annotated[
    str,
    Query(
        description='What to look for: words (all must match), "a phrase", OR between '
        f"two, -word to leave out. Any text is accepted; only its first {search.QUERY_MAX} "
        "characters are read",
    ),
]
Kind = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "enum": [k.value for k in SearchKind]}),
    Query(alias="type", description="Stories, comments, or both (the default)"),
]


class SearchStoryOut(BaseModel):
    id: int
    slug: str
    title: str
    url: str
    published_at: datetime


class SearchCommentOut(BaseModel):
    id: int
    number: int
    name: str
    url: str


class SearchResultOut(BaseModel):
    type: SearchHit
    story: SearchStoryOut
    comment: SearchCommentOut | None = None  # absent for a story
    snippet_html: str  # the matching text, escaped, with each match in <mark>


class SearchResults(BaseModel):
    results: list[SearchResultOut]
    next_cursor: str | None


def _api_result(result: dict[str, Any], base_url: str) -> dict[str, Any]:
    story = result["story"]
    out: dict[str, Any] = {
        "type": result["type"],
        "story": {
            "id": story["id"],
            "slug": story["slug"],
            "title": story["title"],
            "url": base_url + story["path"],
            "published_at": story["published_at"],
        },
    }
    if (comment := result.get("comment")) is not None:
        out["comment"] = {
            "id": comment["id"],
            "number": comment["number"],
            "name": comment["name"],
            "url": base_url + comment["path"],
        }
    out["snippet_html"] = result["snippet_html"]
    return out


# Page ----------------------------------------------------------------------------------------


@pages.get("/search")
async def search_page(
    request: Request, db: Db, q: SearchText = "", kind: Kind = None, cursor: Cursor = None
) -> Response:
    query = search.clean_query(q)
    remember = settings_of(request).search_cache_seconds
    results, following = await search.search(
        db, query, kind, cursor, search.PAGE, remember=remember
    )
    return render(
        request,
        "search.html",
        {
            "q": query,
            "kind": SearchKind(kind) if kind else SearchKind.both,
            "kinds": [
                (SearchKind.both, "All"),
                (SearchKind.stories, "Stories"),
                (SearchKind.comments, "Comments"),
            ],
            "results": results,
            "next_cursor": following,
            "first_page": not cursor,
        },
    )


# API -----------------------------------------------------------------------------------------


@api.get(
    "/search",
    operation_id="search",
    response_model=SearchResults,
    responses=problems(422, UNAVAILABLE),
)
async def search_api(
    request: Request,
    db: Db,
    q: SearchText = "",
    kind: Kind = None,
    cursor: Cursor = None,
    limit: Limit = search.PAGE,
) -> Response:
    """Published stories and approved comments matching a query, best first, each with a
    snippet of its text where the matches are marked."""
    if not 1 <= limit <= LIMIT_MAX:
        errors = {"limit": f"Limit must be between 1 and {LIMIT_MAX}"}
        raise Invalid("The request has invalid parameters", errors)
    remember = settings_of(request).search_cache_seconds
    results, following = await search.search(db, q, kind, cursor, limit, remember=remember)
    base_url = settings_of(request).base_url
    return Json({"results": [_api_result(r, base_url) for r in results], "next_cursor": following})
