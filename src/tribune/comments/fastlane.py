"""The hottest reads served without the framework: a thread page already encoded for the
story's current version (what every reader's page load asks for), and comment counts (what
every front page and embed asks for).

This ASGI layer answers only when it can give exactly the bytes the API route would; anything
else (a miss, an unusual or invalid query, any error) goes to the route, which validates,
answers, and fills the cache for the next reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tribune.comments.cache import GZIP_MIN, ThreadCache, compress
from tribune.comments.threads import LIMIT_MAX, PAGE_SIZE, SORTS
from tribune.encoding import dumps
from tribune.storage.engine import Database
from tribune.storage.stories import comment_counts_now, thread_meta_now
from tribune.web.deps import MAX_ID

THREAD_PATH = re.compile(r"/api/v1/stories/([1-9][0-9]{0,17})/comments")
THREAD_PARAMS = {"sort", "cursor", "limit"}
COUNTS_PATH = "/api/v1/counts"
COUNTS_MAX = 100


def counts_body(found: dict[int, int]) -> bytes:
    """The counts answer; the route and the fast lane both encode it here."""
    return dumps({"counts": {str(story_id): count for story_id, count in found.items()}})


def valid_story_ids(values: list[str]) -> bool:
    return all(value.isdigit() and 0 < int(value) <= MAX_ID for value in values)


class FastLane:
    def __init__(self, app: ASGIApp, *, db: Database, cache: ThreadCache, depth: int) -> None:
        self.app = app
        self.db = db
        self.cache = cache
        self.depth = depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            if path == COUNTS_PATH:
                if await self._counts(scope, send):
                    return
            elif (match := THREAD_PATH.fullmatch(path)) and await self._thread(
                int(match.group(1)), scope, send
            ):
                return
        await self.app(scope, receive, send)

    async def _thread(self, story_id: int, scope: Scope, send: Send) -> bool:
        params = _query(scope)
        if params is None or not {key for key, _ in params} <= THREAD_PARAMS:
            return False
        found = dict(params)
        sort = found.get("sort", "oldest")
        limit_text = found.get("limit", str(PAGE_SIZE))
        if sort not in SORTS or not limit_text.isdigit() or not 1 <= int(limit_text) <= LIMIT_MAX:
            return False
        key = (story_id, sort, found.get("cursor") or None, int(limit_text), self.depth)
        meta = await thread_meta_now(self.db, story_id)
        if meta is None:
            return False
        entry = self.cache.get(key, meta[0])
        if entry is None:
            return False
        await _send_json(scope, send, entry.body, entry.gzipped)
        return True

    async def _counts(self, scope: Scope, send: Send) -> bool:
        params = _query(scope)
        if params is None or any(key != "story" for key, _ in params):
            return False
        values = [value for _, value in params]
        if len(values) > COUNTS_MAX or not valid_story_ids(values):
            return False
        body = counts_body(await comment_counts_now(self.db, [int(value) for value in values]))
        await _send_json(scope, send, body, lambda: compress(body))
        return True


def _query(scope: Scope) -> list[tuple[str, str]] | None:
    try:
        return parse_qsl(scope["query_string"].decode("ascii"), strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None


async def _send_json(scope: Scope, send: Send, body: bytes, gzipped: Callable[[], bytes]) -> None:
    headers = [(b"content-type", b"application/json")]
    if len(body) >= GZIP_MIN:
        # As GZipMiddleware does for the route: Vary on every compressible answer.
        if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
            body = gzipped()
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"vary", b"Accept-Encoding"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
