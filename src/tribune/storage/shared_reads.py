"""Concurrent identical reads share one query, and never an answer older than they are.

A request that finds the same read already running waits for the *next* one, which starts as
soon as the running one ends and serves every request that arrived meanwhile: each answer
comes from a query that began after its request arrived, so nothing committed before the
request can be missing from it. Under load this turns one query per request into about one
per round trip (used on PostgreSQL, where each costs a round trip and server CPU)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class SharedReads:
    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[Any]] = {}
        self._next: dict[Hashable, asyncio.Future[Any]] = {}

    async def read(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> Any:
        if key not in self._running:
            return await asyncio.shield(self._start(key, fetch))
        waiting = self._next.get(key)
        if waiting is None:
            waiting = self._next[key] = asyncio.get_running_loop().create_future()
        return await asyncio.shield(waiting)

    def _start(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(fetch())
        self._running[key] = task
        task.add_done_callback(lambda done: self._finished(key, fetch, done))
        return task

    def _finished(
        self, key: Hashable, fetch: Callable[[], Awaitable[Any]], done: asyncio.Future[Any]
    ) -> None:
        del self._running[key]
        waiting = self._next.pop(key, None)
        if waiting is None:
            return
        following = self._start(key, fetch)

        def hand_over(result: asyncio.Future[Any]) -> None:
            if waiting.done():
                return
            if result.cancelled():
                waiting.cancel()
            elif (error := result.exception()) is not None:
                waiting.set_exception(error)
            else:
                waiting.set_result(result.result())

        following.add_done_callback(hand_over)
