"""GET /api/v1/stories/{id}/events: a story's live events as Server-Sent Events.

Each event carries its id; a browser reconnecting sends Last-Event-ID and gets what it missed
(or a "reset" event asking it to reload). The answer starts only once the reader's
subscription is active, so a client that sees the stream open misses nothing published
after. A comment line every HEARTBEAT seconds keeps proxies from closing a quiet stream;
when the server shuts down the stream ends and browsers reconnect by themselves (the
"retry" field says after how long).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from tribune.exceptions import NotFound
from tribune.jsonformat import dumps
from tribune.live.broker import Broker, Event
from tribune.live.deps import events_of
from tribune.stories import service as stories
from tribune.web.deps import Db, StoryId
from tribune.web.openapi import UNAVAILABLE, problems

router = APIRouter(prefix="/api/v1", tags=["live"])
HEARTBEAT = 15.0  # seconds
EVENT_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")


def encode(event: Event) -> bytes:
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (
        event.id.encode(),
        event.type.encode(),
        dumps(event.data),
    )


async def stream(broker: Broker, story_id: int, last_id: str | None) -> AsyncGenerator[bytes, None]:
    """The stream's bytes; the first chunk comes once the subscription is active."""
    async with broker.subscribe(story_id, last_id) as events:
        yield b"retry: 3000\n\n"
        upcoming: asyncio.Future[Event] = asyncio.ensure_future(anext(events))
        try:
            while True:
                done, _ = await asyncio.wait({upcoming}, timeout=HEARTBEAT)
                if not done:
                    yield b": keep-alive\n\n"
                    continue
                try:
                    event = upcoming.result()
                except StopAsyncIteration:
                    return
                yield encode(event)
                upcoming = asyncio.ensure_future(anext(events))
        finally:
            upcoming.cancel()
            with contextlib.suppress(BaseException):
                await upcoming


async def _after(first: bytes, rest: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    try:
        yield first
        async for chunk in rest:
            yield chunk
    finally:
        await rest.aclose()


@router.get(
    "/stories/{story_id}/events",
    operation_id="story_events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
        **problems(404, 422, UNAVAILABLE),
    },
)
async def story_events(request: Request, db: Db, story_id: StoryId) -> Response:
    """New approved comments (`comment`), edits (`edit`), removals (`delete`), scores
    (`score`) and the story's comment mode (`story`), as Server-Sent Events."""
    if not await stories.is_published(db, story_id):
        raise NotFound(f"There is no story {story_id}")
    last_id = request.headers.get("last-event-id", "").strip()
    body = stream(events_of(request), story_id, last_id if EVENT_ID.fullmatch(last_id) else None)
    first = await anext(body)  # subscribed before the answer starts
    return StreamingResponse(
        _after(first, body),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
