"""The rate limiter under a burst: the limit holds however the requests interleave."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from limits.aio.storage import RedisStorage
from limits.aio.storage.redis.redispy import RedispyBridge

from tests.conftest import IN_CI
from tribune.ratelimit import RateLimited, RateLimiter

pytestmark = pytest.mark.anyio
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["memory", "redis"])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield RateLimiter()
        return
    made = RateLimiter(redis_url=REDIS_URL)
    shared = made._shared
    assert shared is not None and isinstance(shared.storage, RedisStorage)
    if not await shared.storage.check():
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379; CI requires it")
        pytest.skip("Redis unavailable")
    yield made
    bridge = shared.storage.bridge
    assert isinstance(bridge, RedispyBridge)
    await bridge.storage.aclose()  # its connections, which nothing else closes


async def test_a_burst_from_one_client_gets_no_more_than_the_limit(limiter: RateLimiter) -> None:
    """Twenty posts at once from one client, each with a fresh name (a flood): five pass.
    Over Redis every check is a round trip, so the burst interleaves by itself; in memory it
    interleaves when the storage takes its expiry pass, which holds the client's key lock
    across a thread hop, as it does under a real flood."""
    client = f"client-{random.randrange(10**12)}"  # Redis keeps counters between runs

    async def post(n: int) -> bool:
        try:
            await limiter.hit(5, client, f"name:{client}:{n}")
        except RateLimited as refused:
            assert 1 <= refused.retry_after <= 60
            return False
        return True

    assert await post(0)
    await asyncio.sleep(0)  # in memory: the expiry pass starts
    passed = await asyncio.gather(*(post(n) for n in range(1, 20)))
    assert 1 + sum(passed) == 5
    assert not await post(20)
