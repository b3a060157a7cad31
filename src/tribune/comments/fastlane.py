"""The hottest request served without the framework: a thread page already encoded for the
story's current version (what every reader's page load asks for).

This ASGI layer answers only when it can give exactly the bytes the API route would; anything
else (a miss, an unusual query, any error) goes to the route, which validates, answers, and
fills the cache for the next reader.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from tribune.comments.cache import GZIP_MIN, ThreadCache
from tribune.comments.threads import LIMIT_MAX, PAGE_SIZE, SORTS
from tribune.storage.engine import Database
from tribune.storage.stories import thread_meta_now

PATH = re.compile(r"/api/v1/stories/([1-9][0-9]{0,17})/comments")
PARAMS = {"sort", "cursor", "limit"}


class ThreadFastLane:
    def __init__(self, app: ASGIApp, *, db: Database, cache: ThreadCache, depth: int) -> None:
        self.app = app
        self.db = db
        self.cache = cache
        self.depth = depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = PATH.fullmatch(scope["path"])
            if match and await self._serve(int(match.group(1)), scope, send):
                return
        await self.app(scope, receive, send)

    async def _serve(self, story_id: int, scope: Scope, send: Send) -> bool:
        try:
            params = dict(parse_qsl(scope["query_string"].decode("ascii"), strict_parsing=False))
        except (UnicodeDecodeError, ValueError):
            return False
        if not params.keys() <= PARAMS:
            return False
        sort = params.get("sort", "oldest")
        limit_text = params.get("limit", str(PAGE_SIZE))
        if sort not in SORTS or not limit_text.isdigit() or not 1 <= int(limit_text) <= LIMIT_MAX:
            return False
        key = (story_id, sort, params.get("cursor") or None, int(limit_text), self.depth)
        meta = await thread_meta_now(self.db, story_id)
        if meta is None:
            return False
        entry = self.cache.get(key, meta[0])
        if entry is None:
            return False
        headers = [(b"content-type", b"application/json")]
        body = entry.body
        if len(body) >= GZIP_MIN:
            # As GZipMiddleware does for the route: Vary on every compressible answer.
            if "gzip" in Headers(scope=scope).get("accept-encoding", ""):
                body = entry.gzipped()
                headers.append((b"content-encoding", b"gzip"))
            headers.append((b"vary", b"Accept-Encoding"))
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
