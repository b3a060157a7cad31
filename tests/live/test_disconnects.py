"""A reader closing a live stream leaves nothing behind: no task still waiting for its
events, so no "Task was destroyed but it is pending!" in the log for every disconnect (X12)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import time
from collections.abc import AsyncGenerator
from pathlib import Path

import httpx
import pytest

from tests.live.test_broker import broker, story
from tests.server import server_process
from tribune.live.broker import Broker
from tribune.live.sse import stream

pytestmark = pytest.mark.anyio
__all__ = ["broker"]  # the fixture: both brokers

STREAMS = 50


async def one_disconnect(body: AsyncGenerator[bytes, None]) -> None:
    """What the server does when a reader goes away: cancel the read that waits for the
    next event, then close the stream."""
    await anext(body)  # subscribed
    waiting = asyncio.ensure_future(anext(body))
    for _ in range(3):
        await asyncio.sleep(0)  # it waits for an event now
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    await body.aclose()


async def test_closed_streams_leave_no_task_pending(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    story_id = story()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        for _ in range(STREAMS):
            await one_disconnect(stream(broker, story_id, None))
        await asyncio.sleep(0.05)  # cancelled tasks finish
        waiting = [
            task
            for task in asyncio.all_tasks()
            if task is not asyncio.current_task()
            and not task.done()
            and "Queue.get" in repr(task.get_coro())
        ]
        assert waiting == []
        gc.collect()
        await asyncio.sleep(0)
    destroyed = [r for r in caplog.records if "destroyed but it is pending" in r.getMessage()]
    assert destroyed == []


def test_a_served_stream_left_mid_way_logs_no_error(tmp_path: Path) -> None:
    """What an operator sees: a real `tribune serve` (its own event loop, uvicorn's
    disconnect handling, the garbage collector of a long-running process), readers opening a
    story's live stream and going away mid-stream, while comments arrive, and then the log.
    The test above drives the stream in-process; this one reads the server's own output."""
    with server_process(f"sqlite:///{tmp_path / 'live.db'}", tmp_path) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        story = httpx.get(f"{base}/api/v1/stories").json()["stories"][0]
        story_id = story["id"]
        request = (
            f"GET /api/v1/stories/{story_id}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n"
        ).encode()
        for n in range(STREAMS):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as reader:
                reader.sendall(request)
                received = b""
                while b"retry:" not in received:
                    received += reader.recv(4096)
                if n % 10 == 0:  # an event on its way to the open streams
                    httpx.post(
                        f"{base}/api/v1/stories/{story_id}/comments",
                        json={"name": f"Live {n}", "body": f"Still here {n}"},
                    )
            # The reader has gone (the connection closed while the stream waited).
        # The streams' leftovers are collected as the server goes on allocating.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            httpx.get(story["url"])
    log = (tmp_path / f"server-{port}.log").read_text()
    assert "destroyed but it is pending" not in log
    assert [line for line in log.splitlines() if line.startswith("ERROR")] == []
