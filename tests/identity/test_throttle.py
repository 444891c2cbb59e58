"""The Redis-backed sign-in throttle, shared by every worker and replica."""

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.errors import TooManyRequests
from app.identity.throttle import RedisThrottle
from tests.conftest import settings_for

REDIS_URL = os.environ.get("CITYPACT_TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="CITYPACT_TEST_REDIS_URL is not set (.ci/run sets it)")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL or "")
    yield client
    await client.aclose()


async def test_redis_throttle_counts_per_account_and_address(redis: Redis) -> None:
    settings = settings_for("sqlite+aiosqlite:///unused.db")
    email, address = f"{uuid.uuid4().hex}@example.org", f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    # Two throttles stand for two workers: the count is shared.
    workers = [RedisThrottle(redis, settings), RedisThrottle(redis, settings)]
    for n in range(settings.login_max_failures_per_account):
        await workers[n % 2].check(email, address)
        await workers[n % 2].failed(email, address)
    with pytest.raises(TooManyRequests):
        await workers[0].check(email, address)
    await workers[1].succeeded(email)
    await workers[0].check(email, address)
    assert 0 < await redis.ttl(f"citypact:login:address:{address}") <= settings.login_window_seconds
