"""Pages every reader gets alike (the home, tag and author pages, the Atom feeds): made once
for what they show and the site's settings, kept by their path, answered by their route and
then by the fast lane, with a strong ETag (304 to If-None-Match) and Cache-Control public, so
that caches in front may keep them too (pagecache.py).

What a page is made from is read before the page is made, and the page is kept under it: the
page holds at least what that read saw, and a change after it shows on the next request, on
every instance (what it is made from lives in the database). These pages hold nothing of the
reader (no token, no cookie, nothing that depends on one), so they vary on nothing else.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Hashable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from tribune.identity import SiteCache
from tribune.pagecache import HTML, LRU, SharedAnswer, etag_of
from tribune.web.deps import site_cache_of
from tribune.web.fastlane import Lane, Params

# What a page is made from, read again (the route's own reads, quickest way): None when
# there is nothing there any more, which the route answers itself.
Version = Callable[[], Awaitable[Hashable | None]]
SharedPages = LRU[str, tuple[SharedAnswer, Version]]


def shared_pages() -> SharedPages:
    return LRU(256)


def respond(answer: SharedAnswer, request: Request) -> Response:
    status, headers, body = answer.reply(request.headers, routed=True)
    response = Response(body, status_code=status)
    response.raw_headers = headers
    return response


async def kept(
    request: Request, version: Version, make: Callable[[], Awaitable[bytes]], kind: bytes = HTML
) -> Response:
    """The page at this path as kept for its current version, made by ``make`` when it is
    not; the fast lane (below) then answers it while it is current."""
    pages: SharedPages = request.app.state.shared_pages
    path = request.scope["path"]
    current = await version()
    site = site_cache_of(request).current.version
    now = time.monotonic()
    found = pages.find(path)
    if current is not None and found is not None and found[0].holds(current, site, now):
        return respond(found[0], request)
    body = await make()
    page = SharedAnswer(current, site, body, etag_of(body), now, kind)
    if current is not None:
        pages.keep(path, (page, version))
    return respond(page, request)


def once(request: Request, body: bytes, kind: bytes = HTML) -> Response:
    """A page every reader gets alike but not kept (a listing's later pages): the same
    headers, its ETag made from these bytes."""
    site = site_cache_of(request).current.version
    return respond(SharedAnswer(None, site, body, etag_of(body), 0.0, kind), request)


def lane(pages: SharedPages, site: SiteCache, *paths: str) -> Lane:
    """The kept pages at these paths (patterns), while still current. A query string makes
    another page (a later page of a listing), or one the route must see: the route answers."""

    async def answer(match: re.Match[str], params: Params, asked: Headers) -> SharedAnswer | None:
        if params:
            return None
        found = pages.find(match.string)
        if found is None:
            return None
        page, version = found
        current = await site.fresh()
        if not page.holds(await version(), current.version, time.monotonic()):
            return None
        return page

    return Lane(re.compile("|".join(f"(?:{path})" for path in paths)), answer)
