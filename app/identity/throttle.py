"""Throttling of failed sign-ins, per account and per client address.

Counters live in the database, or in Redis when `CITYPACT_REDIS_URL` is set, so that every
worker and every replica sees the same counts.
"""

from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import utcnow
from app.errors import TooManyRequests
from app.identity.models import LoginFailure


class LoginThrottle(Protocol):
    async def check(self, email: str, address: str) -> None: ...
    async def failed(self, email: str, address: str) -> None: ...
    async def succeeded(self, email: str) -> None: ...


def _refuse(settings: Settings) -> TooManyRequests:
    return TooManyRequests(
        "Too many failed sign-ins for this account or address; wait and try again.",
        retry_after=settings.login_window_seconds,
    )


class DatabaseThrottle:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings

    async def check(self, email: str, address: str) -> None:
        since = utcnow() - timedelta(seconds=self.settings.login_window_seconds)
        recent = LoginFailure.at >= since
        by_account = func.count().filter(LoginFailure.email == email)
        by_address = func.count().filter(LoginFailure.address == address)
        stmt = select(by_account, by_address).where(
            recent, or_(LoginFailure.email == email, LoginFailure.address == address)
        )
        account_failures, address_failures = (await self.session.execute(stmt)).one()
        if (
            account_failures >= self.settings.login_max_failures_per_account
            or address_failures >= self.settings.login_max_failures_per_address
        ):
            raise _refuse(self.settings)

    async def failed(self, email: str, address: str) -> None:
        self.session.add(LoginFailure(email=email, address=address))
        # Old failures no longer count; drop them as we go rather than in a cron job.
        horizon = utcnow() - timedelta(seconds=self.settings.login_window_seconds)
        await self.session.execute(delete(LoginFailure).where(LoginFailure.at < horizon))

    async def succeeded(self, email: str) -> None:
        await self.session.execute(delete(LoginFailure).where(LoginFailure.email == email))


class RedisThrottle:
    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings

    @staticmethod
    def _keys(email: str, address: str) -> tuple[str, str]:
        return f"citypact:login:account:{email}", f"citypact:login:address:{address}"

    async def check(self, email: str, address: str) -> None:
        account_key, address_key = self._keys(email, address)
        account, by_address = await self.redis.mget(account_key, address_key)
        if (
            int(account or 0) >= self.settings.login_max_failures_per_account
            or int(by_address or 0) >= self.settings.login_max_failures_per_address
        ):
            raise _refuse(self.settings)

    async def failed(self, email: str, address: str) -> None:
        window = self.settings.login_window_seconds
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in self._keys(email, address):
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
            await pipe.execute()

    async def succeeded(self, email: str) -> None:
        await self.redis.delete(self._keys(email, "")[0])
