"""A story's live events, delivered to every instance's subscribers.

An event is a type ("comment", "edit", "delete", "score", "story") and its data, with an id
that orders it in the story's log. The log keeps the last WINDOW events, so a reader who
reconnects with Last-Event-ID gets what it missed, and nothing twice; one who missed more is
told to reload. In one process the log is in memory (MemoryBroker); with Redis it is a
capped Redis stream per story that every instance reads (RedisBroker). Publishing never
fails a write: with Redis unreachable, events are dropped and the site carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from tribune.vocabulary import EventKind

log = logging.getLogger("tribune.live")

WINDOW = 500  # events kept per story for readers who reconnect
QUEUE_MAX = 1000  # events waiting for one slow subscriber before it is dropped
READY_WAIT = 2.0  # seconds a new subscriber waits for the log to be followed (Redis)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: str  # an EventKind
    data: dict[str, Any]


RESET = EventKind.reset  # the reader missed more than the window holds: reload


class _Hub:
    """Local fan-out of one story's events to this process's subscribers."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[Event | None]] = set()

    def deliver(self, event: Event | None) -> None:
        for queue in list(self.queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                # Too slow to keep up: end its stream; the browser reconnects and catches up.
                self.queues.discard(queue)
                with contextlib.suppress(asyncio.QueueFull):
                    queue.get_nowait()
                    queue.put_nowait(None)


class Broker:
    """The interface, and the local fan-out both implementations share."""

    kind = "none"

    def __init__(self) -> None:
        self._hubs: dict[int, _Hub] = {}
        self.closing = asyncio.Event()

    async def publish(self, story_id: int, kind: EventKind, data: dict[str, Any]) -> None:
        """Tell the story's live readers, on every instance, what was just committed."""
        raise NotImplementedError

    async def backlog(self, story_id: int, after: str) -> list[Event] | None:
        """Events after ``after`` still in the log; None if it is older than the window."""
        raise NotImplementedError

    async def healthy(self) -> bool:
        return True

    def _started(self, story_id: int) -> None:
        """A story got its first subscriber in this process."""

    def _stopped(self, story_id: int) -> None:
        """A story lost its last subscriber in this process."""

    async def _following(self, story_id: int) -> None:
        """Return once events published from now on will reach this process's subscribers."""

    @contextlib.asynccontextmanager
    async def subscribe(
        self, story_id: int, last_id: str | None
    ) -> AsyncIterator[AsyncGenerator[Event, None]]:
        """A reader's subscription, active when the block starts: every event published
        from then on reaches it. It yields what the reader missed after ``last_id``, then
        events as they come, until the broker closes or the reader is too slow (the stream
        then ends; browsers reconnect)."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue(QUEUE_MAX)
        hub = self._hubs.get(story_id)
        if hub is None:
            hub = self._hubs[story_id] = _Hub()
            self._started(story_id)
        hub.queues.add(queue)  # before the backlog: nothing published meanwhile is lost
        events = self._events(story_id, queue, last_id)
        try:
            with contextlib.suppress(TimeoutError):  # unreachable Redis: live updates pause
                await asyncio.wait_for(self._following(story_id), READY_WAIT)
            yield events
        finally:
            await events.aclose()
            hub.queues.discard(queue)
            if not hub.queues and self._hubs.get(story_id) is hub:
                del self._hubs[story_id]
                self._stopped(story_id)

    async def _events(
        self, story_id: int, queue: asyncio.Queue[Event | None], last_id: str | None
    ) -> AsyncGenerator[Event, None]:
        seen: str | None = last_id
        if last_id:
            missed = await self.backlog(story_id, last_id)
            if missed is None:
                yield Event(last_id, RESET, {})
                return
            for event in missed:
                yield event
                seen = event.id
        closing = asyncio.ensure_future(self.closing.wait())
        getter: asyncio.Future[Event | None] | None = None
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({getter, closing}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    return
                arrived = getter.result()
                if arrived is None:
                    return
                if seen is not None and not _after(arrived.id, seen):
                    continue  # already sent from the backlog
                seen = arrived.id
                yield arrived
        finally:
            # Also when the reader went away while both waited: a task left pending would
            # be destroyed with the queue, and asyncio logs that as an error.
            closing.cancel()
            if getter is not None:
                getter.cancel()

    async def close(self) -> None:
        self.closing.set()


def _after(event_id: str, seen: str) -> bool:
    """Whether event_id comes after seen (ids are "ms-seq", ordered as number pairs)."""
    return _key(event_id) > _key(seen)


def _key(event_id: str) -> tuple[int, int]:
    first, _, second = event_id.partition("-")
    try:
        return int(first), int(second or 0)
    except ValueError:
        return (0, 0)


class MemoryBroker(Broker):
    """One process: the log in memory."""

    kind = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._logs: dict[int, deque[Event]] = {}
        self._last = (0, 0)

    def _next_id(self) -> str:
        millis = int(time.time() * 1000)
        sequence = self._last[1] + 1 if millis <= self._last[0] else 0
        self._last = (max(millis, self._last[0]), sequence)
        return f"{self._last[0]}-{self._last[1]}"

    async def publish(self, story_id: int, kind: EventKind, data: dict[str, Any]) -> None:
        event = Event(self._next_id(), kind, data)
        self._logs.setdefault(story_id, deque(maxlen=WINDOW)).append(event)
        if hub := self._hubs.get(story_id):
            hub.deliver(event)

    async def backlog(self, story_id: int, after: str) -> list[Event] | None:
        logged = self._logs.get(story_id)
        if not logged:
            return [] if _key(after) >= self._last else None
        if _key(logged[0].id) > _key(after) and len(logged) == WINDOW:
            return None  # the oldest kept is newer than what the reader saw: a gap
        return [event for event in logged if _after(event.id, after)]


class RedisBroker(Broker):
    """Many instances: a capped Redis stream per story, read by one task per story per
    process that has subscribers to it."""

    kind = "redis"

    def __init__(self, url: str) -> None:
        super().__init__()
        from redis import asyncio as aioredis

        self._redis = aioredis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        # Blocking reads need a connection of their own and a timeout beyond the block.
        self._reader = aioredis.from_url(url, socket_timeout=30, socket_connect_timeout=2)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        # Set once a story's follower knows where it starts reading: from then on every
        # event published reaches this process.
        self._ready: dict[int, asyncio.Event] = {}
        self._warned = 0.0

    @staticmethod
    def _key(story_id: int) -> str:
        return f"tribune:story:{story_id}:events"

    def _warn(self, what: str, exc: Exception) -> None:
        if time.monotonic() - self._warned > 30:  # once in a while, not per event
            self._warned = time.monotonic()
            log.warning("redis unavailable (%s): live updates paused: %s", what, exc)

    async def publish(self, story_id: int, kind: EventKind, data: dict[str, Any]) -> None:
        try:
            await self._redis.xadd(
                self._key(story_id),
                {"type": kind, "data": orjson.dumps(data)},
                maxlen=WINDOW,
                approximate=True,
            )
        except Exception as exc:
            self._warn("publish", exc)

    async def backlog(self, story_id: int, after: str) -> list[Event] | None:
        key = self._key(story_id)
        oldest: Any = await self._redis.xrange(key, count=1)
        gap = bool(oldest) and _key(_decode(oldest[0]).id) > _key(after)
        if gap and await self._redis.xlen(key) >= WINDOW:
            return None  # trimmed: what the reader missed may be gone
        found = await self._redis.xrange(key, min=f"({after}")
        return [_decode(entry) for entry in found or []]

    async def healthy(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    def _started(self, story_id: int) -> None:
        self._ready[story_id] = asyncio.Event()
        self._tasks[story_id] = asyncio.create_task(self._follow(story_id))

    def _stopped(self, story_id: int) -> None:
        self._ready.pop(story_id, None)
        if task := self._tasks.pop(story_id, None):
            task.cancel()

    async def _following(self, story_id: int) -> None:
        if ready := self._ready.get(story_id):
            await ready.wait()

    async def _follow(self, story_id: int) -> None:
        """Read the story's stream and hand new events to this process's subscribers.
        Survives Redis going away: retries with backoff and resumes where it was."""
        key = self._key(story_id)
        last: str | None = None
        delay = 0.5
        while not self.closing.is_set():
            try:
                if last is None:
                    # Start a little before now, by Redis's clock: an event published while
                    # this task was starting still arrives (subscribers drop repeats).
                    seconds, micros = await self._reader.time()
                    last = f"{seconds * 1000 + micros // 1000 - 2000}-0"
                    if ready := self._ready.get(story_id):
                        ready.set()
                found: Any = await self._reader.xread({key: last}, block=15_000, count=100)
                delay = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._warn("follow", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
                continue
            for _stream, entries in found or []:
                for entry in entries:
                    event = _decode(entry)
                    last = event.id
                    if hub := self._hubs.get(story_id):
                        hub.deliver(event)

    async def close(self) -> None:
        await super().close()
        for task in self._tasks.values():
            task.cancel()
        await self._redis.aclose()
        await self._reader.aclose()


def _decode(entry: Any) -> Event:
    raw_id, fields = entry
    event_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
    kind = fields[b"type"].decode()
    return Event(event_id, kind, orjson.loads(fields[b"data"]))


def make_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else MemoryBroker()
