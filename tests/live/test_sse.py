"""The live stream through the real ASGI app, in process: it opens only once the reader's
subscription is active, carries what is published after, replays what a reconnecting
reader missed, and answers 404 for a story that does not exist."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tribune.vocabulary import EventKind

pytestmark = pytest.mark.anyio


class Stream:
    """An SSE request to the app, driven message by message as a server would."""

    def __init__(self, app: Any, story_id: int, last_event_id: str | None = None) -> None:
        headers = [(b"accept", b"text/event-stream")]
        if last_event_id:
            headers.append((b"last-event-id", last_event_id.encode()))
        path = f"/api/v1/stories/{story_id}/events"
        self.scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": headers,
            "http_version": "1.1",
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 1234),
            "root_path": "",
        }
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.gone = asyncio.Event()
        self.task = asyncio.ensure_future(app(self.scope, self._receive, self.sent.put))

    async def _receive(self) -> dict[str, Any]:
        if not getattr(self, "_asked", False):
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.sent.get(), 5)

    async def text_until(self, needle: bytes) -> bytes:
        seen = b""
        while needle not in seen:
            message = await self.next()
            seen += message.get("body", b"")
        return seen

    async def close(self) -> None:
        self.gone.set()
        await asyncio.wait_for(self.task, 5)


async def test_the_stream_opens_subscribed_and_carries_what_comes_after(
    app: Any, story: dict[str, Any]
) -> None:
    stream = Stream(app, story["id"])
    start = await stream.next()
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-type"].startswith(b"text/event-stream")
    assert (await stream.next())["body"] == b"retry: 3000\n\n"
    # Published the moment the answer started: the reader gets it.
    await app.state.broker.publish(story["id"], EventKind.score, {"id": 1, "score": 4})
    got = await stream.text_until(b"\n\n")
    assert got.startswith(b"id: ") and b'event: score\ndata: {"id":1,"score":4}' in got
    first_id = got.split(b"\n")[0][4:].decode()
    await stream.close()

    # Gone for a while: what happened meanwhile is replayed on reconnecting.
    await app.state.broker.publish(story["id"], EventKind.delete, {"id": 1})
    again = Stream(app, story["id"], last_event_id=first_id)
    await again.next()
    replayed = await again.text_until(b"event: delete")
    assert b'data: {"id":1}' in replayed
    await again.close()


async def test_a_stream_for_no_story_is_a_404(client: Any) -> None:
    answer = await client.get("/api/v1/stories/987654/events")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "There is no story 987654"
