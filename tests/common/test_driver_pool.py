"""The public reads' own pool of asyncpg connections (PostgreSQL only): bounded, taken in turn,
and never handing out a connection whose state is unknown; and the settings of every connection."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text

from app.common.reads import DriverPool
from app.config import async_database_url
from app.db import make_engine
from app.errors import _lost_connection
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs CITYPACT_TEST_POSTGRES_URL (.ci/run sets it)")

BACKEND = "SELECT pg_backend_pid() AS pid"


@pytest.fixture
async def pool() -> AsyncIterator[DriverPool]:
    pool = DriverPool(POSTGRES_URL or "", 2)
    yield pool
    await pool.close()


async def backend(pool: DriverPool) -> int:
    return (await pool.fetch(BACKEND, []))[0]["pid"]  # type: ignore[no-any-return]


async def test_readers_beyond_its_size_wait_for_a_connection_and_reuse_it(pool: DriverPool) -> None:
    sleepy = "SELECT pg_backend_pid() AS pid FROM pg_sleep(0.05)"
    answers = await asyncio.gather(*(pool.fetch(sleepy, []) for _ in range(6)))
    assert len({answer[0]["pid"] for answer in answers}) == 2
    assert len(pool.idle) == 2


async def test_a_reader_arriving_as_a_connection_comes_back_waits_behind_those_already_waiting() -> None:
    pool = DriverPool(POSTGRES_URL or "", 1)
    served: list[int] = []

    async def read(reader: int, then: int | None = None) -> None:
        await pool.fetch("SELECT pg_sleep(0.02)", [])
        served.append(reader)
        if then is not None:  # asks the moment its connection is back, before any waiter has run
            await read(then)

    try:
        first = asyncio.create_task(read(0, then=3))
        await asyncio.sleep(0)  # reader 0 takes the only connection
        await asyncio.gather(first, read(1), read(2))
    finally:
        await pool.close()
    assert served == [0, 1, 2, 3]


async def test_a_failed_statement_takes_its_connection_with_it(pool: DriverPool) -> None:
    first = await backend(pool)
    with pytest.raises(asyncpg.DivisionByZeroError):
        await pool.fetch("SELECT 1 / $1::int", [0])
    assert pool.idle == []
    assert await backend(pool) != first


async def test_a_read_cancelled_half_way_gives_back_its_turn_but_not_its_connection(pool: DriverPool) -> None:
    first = await backend(pool)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pool.fetch("SELECT pg_sleep(5)", []), 0.2)
    assert pool.idle == []
    # Both turns are free again: two readers at once find a connection each.
    assert first not in await asyncio.gather(backend(pool), backend(pool))


async def test_a_connection_the_server_cut_is_replaced(pool: DriverPool) -> None:
    first = await backend(pool)
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", first)
    finally:
        await admin.close()
    # The cut is noticed either while idle (the connection is closed) or by the next statement,
    # which fails as a lost connection (answered 503); either way the reader after that gets a
    # new connection.
    try:
        replaced = await backend(pool)
    except Exception as error:
        assert _lost_connection(error), error
        replaced = await backend(pool)
    assert replaced != first
    assert all(not connection.is_closed() for connection in pool.idle)


async def test_the_readers_and_the_writers_connections_never_jit_compile(pool: DriverPool) -> None:
    assert (await pool.fetch("SHOW jit", []))[0]["jit"] == "off"
    engine = make_engine(async_database_url(POSTGRES_URL or ""))
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SHOW jit")) == "off"
    finally:
        await engine.dispose()
