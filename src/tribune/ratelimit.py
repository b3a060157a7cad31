"""Rate limits for posting and reporting, per reader (their voter cookie), per name and,
as a looser bound, per client address (ADDRESS_FACTOR times a reader's limit: readers behind
one office NAT, carrier or proxy share an address, not a limit); and the counts of new
comments per story and site-wide that the surge rule holds above, with ``limits``.

Counters live in this process, or in Redis when TRIBUNE_REDIS_URL is set so that limits hold
across instances. With Redis unreachable the counters fall back to this process (limits
still apply, per instance) and posting carries on. ``TRIBUNE_RATE_LIMITS=off`` turns them
off for benchmarks and load tests.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from tribune.exceptions import Failure

log = logging.getLogger("tribune")
T = TypeVar("T")

# How many times a reader's limit one client address may use, all its readers together.
ADDRESS_FACTOR = 4
# The window of the per-address caps on the new voters and reporters of one comment
# (TRIBUNE_VOTERS_PER_ADDRESS, TRIBUNE_REPORTERS_PER_ADDRESS), counted in the database.
CAP_WINDOW = timedelta(hours=1)


def cap_retry_after(oldest: datetime | None, now: datetime) -> int:
    """Seconds until the oldest entry of a full per-address cap leaves its window."""
    if oldest is None:
        return int(CAP_WINDOW.total_seconds())
    return max(1, int((oldest + CAP_WINDOW - now).total_seconds()) + 1)


class RateLimited(Failure):
    """Over the limit; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(
            detail or f"You are posting too fast. Please wait {retry_after} seconds and try again"
        )
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, enabled: bool = True, redis_url: str | None = None) -> None:
        self.enabled = enabled
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = storage_from_string("async+" + redis_url, implementation="redispy")
            assert isinstance(storage, Storage)
            self._shared = MovingWindowRateLimiter(storage)
        self._warned = 0.0

    async def hit(self, per_minute: int, *keys: str | None) -> None:
        """Count one action for every key, or raise RateLimited when any key is over
        ``per_minute`` in the last minute (counting nothing, unless a request of the same
        burst took a key's last place meanwhile: the keys before it stay counted). 0 means
        no limit."""
        await self.hit_each([(per_minute, key) for key in keys])

    async def hit_each(self, limits: list[tuple[int, str | None]]) -> None:
        """``hit`` with a limit of its own for each key ((per minute, key) pairs; a key of
        None, or a limit of 0, is skipped)."""
        named = [(per_minute, key) for per_minute, key in limits if key and per_minute > 0]
        if not self.enabled or not named:
            return
        await self._on_either(lambda limiter: self._check(limiter, named))

    async def recent(self, ceiling: int, key: str) -> int:
        """Count one action for key and return how many it has had in the last minute
        (counted up to ten times ``ceiling``, which bounds what is kept); 0 when off."""
        if not self.enabled or ceiling <= 0:
            return 0
        item = RateLimitItemPerMinute(ceiling * 10)

        async def count(limiter: MovingWindowRateLimiter) -> int:
            await limiter.hit(item, key)
            _reset, remaining = await limiter.get_window_stats(item, key)
            return item.amount - remaining

        return await self._on_either(count)

    async def _on_either(self, run: Callable[[MovingWindowRateLimiter], Awaitable[T]]) -> T:
        """Run on the shared counters, or on this process's when Redis is unreachable."""
        if self._shared is not None:
            try:
                return await run(self._shared)
            except RateLimited:
                raise
            except Exception as exc:
                if time.monotonic() - self._warned > 30:
                    self._warned = time.monotonic()
                    log.warning("redis unavailable: rate limits counted per instance: %s", exc)
        return await run(self._local)

    @staticmethod
    async def _check(limiter: MovingWindowRateLimiter, limits: list[tuple[int, str]]) -> None:
        items = [(RateLimitItemPerMinute(per_minute), key) for per_minute, key in limits]

        async def refused(item: RateLimitItemPerMinute, key: str) -> RateLimited:
            reset, _remaining = await limiter.get_window_stats(item, key)
            return RateLimited(max(1, math.ceil(reset - time.time())))

        for item, key in items:
            if not await limiter.test(item, key):
                raise await refused(item, key)
        for item, key in items:
            # Requests of one burst can all pass the test before any is counted (Redis
            # answers over the network; the memory storage waits on a key's lock while it
            # expires entries): the hit itself tells who came too late.
            if not await limiter.hit(item, key):
                raise await refused(item, key)
