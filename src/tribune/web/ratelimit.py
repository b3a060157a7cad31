"""Rate limits for posting, per client and per name, with the ``limits`` library.

Counters live in this process (one per worker) until Redis carries them between instances.
``TRIBUNE_RATE_LIMITS=off`` turns them off for benchmarks and load tests.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    def message(self) -> str:
        return f"You are posting too fast. Please wait {self.retry_after} seconds and try again"


class RateLimiter:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, per_minute: int, *keys: str | None) -> None:
        """Count one action for every key, or raise RateLimited (counting nothing) when any
        key is over ``per_minute`` in the last minute. 0 means no limit."""
        if not self.enabled or per_minute <= 0:
            return
        item = RateLimitItemPerMinute(per_minute)
        named = [key for key in keys if key]
        for key in named:
            if not self._limiter.test(item, key):
                reset, _remaining = self._limiter.get_window_stats(item, key)
                raise RateLimited(max(1, math.ceil(reset - time.time())))
        for key in named:
            self._limiter.hit(item, key)
