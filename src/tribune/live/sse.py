"""GET /api/v1/stories/{id}/events: a story's live events as Server-Sent Events.

Each event carries its id; a browser reconnecting sends Last-Event-ID and gets what it missed
(or a "reset" event asking it to reload). A comment line every HEARTBEAT seconds keeps proxies
from closing a quiet stream; when the server shuts down the stream ends and browsers
reconnect by themselves (the "retry" field says after how long).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse

from tribune.encoding import dumps
from tribune.live.broker import Broker, Event
from tribune.storage.stories import thread_meta_now
from tribune.web.deps import Db, StoryId
from tribune.web.errors import ProblemError

router = APIRouter(prefix="/api/v1", tags=["live"])
HEARTBEAT = 15.0  # seconds
EVENT_ID = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")


def encode(event: Event) -> bytes:
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (
        event.id.encode(),
        event.type.encode(),
        dumps(event.data),
    )


async def stream(broker: Broker, story_id: int, last_id: str | None) -> AsyncIterator[bytes]:
    yield b"retry: 3000\n\n"
    events = broker.events(story_id, last_id)
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
        await events.aclose()


@router.get(
    "/stories/{story_id}/events",
    operation_id="story_events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def story_events(request: Request, db: Db, story_id: StoryId) -> Response:
    """New approved comments (`comment`), edits (`edit`), removals (`delete`), scores
    (`score`) and the story's comment mode (`story`), as Server-Sent Events."""
    if await thread_meta_now(db, story_id) is None:
        raise ProblemError(404, f"There is no story {story_id}")
    last_id = request.headers.get("last-event-id", "").strip()
    return StreamingResponse(
        stream(
            request.app.state.broker, story_id, last_id if EVENT_ID.fullmatch(last_id) else None
        ),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
