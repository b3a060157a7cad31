"""Rate limits for posting and reporting, per client and per name, with ``limits``.

Counters live in this process, or in Redis when TRIBUNE_REDIS_URL is set so that limits hold
across instances. With Redis unreachable the counters fall back to this process (limits
still apply, per instance) and posting carries on. ``TRIBUNE_RATE_LIMITS=off`` turns them
off for benchmarks and load tests.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from tribune.exceptions import Failure

log = logging.getLogger("tribune")


class RateLimited(Failure):
    """Over the limit; ``retry_after`` says in how many seconds to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"You are posting too fast. Please wait {retry_after} seconds and try again"
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
        """Count one action for every key, or raise RateLimited (counting nothing) when any
        key is over ``per_minute`` in the last minute. 0 means no limit."""
        if not self.enabled or per_minute <= 0:
            return
        named = [key for key in keys if key]
        if self._shared is not None:
            try:
                await self._check(self._shared, per_minute, named)
                return
            except RateLimited:
                raise
            except Exception as exc:
                if time.monotonic() - self._warned > 30:
                    self._warned = time.monotonic()
                    log.warning("redis unavailable: rate limits counted per instance: %s", exc)
        await self._check(self._local, per_minute, named)

    @staticmethod
    async def _check(limiter: MovingWindowRateLimiter, per_minute: int, keys: list[str]) -> None:
        item = RateLimitItemPerMinute(per_minute)
        for key in keys:
            if not await limiter.test(item, key):
                reset, _remaining = await limiter.get_window_stats(item, key)
                raise RateLimited(max(1, math.ceil(reset - time.time())))
        for key in keys:
            await limiter.hit(item, key)
