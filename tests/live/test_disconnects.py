"""A reader closing a live stream leaves nothing behind: no task still waiting for its
events, so no "Task was destroyed but it is pending!" in the log for every disconnect (X12)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncGenerator

import pytest

from tests.live.test_broker import broker, story
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
