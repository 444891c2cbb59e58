"""A lost database connection answers 503 (retry), never 500; the next request gets a fresh one."""

import uuid

import asyncpg
import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request
from sqlalchemy.exc import DBAPIError

from app.common.reads import close_driver_pool
from app.config import async_database_url
from app.db import make_engine
from app.errors import _lost_connection, driver_error_handler
from app.main import create_app
from tests.conftest import POSTGRES_URL, drop_postgres_database, fresh_database_url, migrate, settings_for


def test_connection_failures_are_recognised_through_the_driver_chain() -> None:
    class CannotConnectNowError(Exception):
        pass

    wrapped = DBAPIError("SELECT 1", {}, RuntimeError("adapter"))
    wrapped.orig.__cause__ = CannotConnectNowError("the database system is starting up")  # type: ignore[union-attr]
    assert _lost_connection(wrapped)
    assert _lost_connection(DBAPIError("SELECT 1", {}, ConnectionResetError()))
    assert not _lost_connection(DBAPIError("SELECT 1", {}, ValueError("bad value")))


async def test_a_connection_cut_mid_read_answers_503_even_when_the_pool_fails_to_reset_it() -> None:
    # asyncpg's pool, handed back a connection the server has cut, fails to reset it and raises
    # its own error, with the cut as the context.
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress")  # noqa: B904
    except asyncpg.InternalClientError as error:
        cut = error
    request = Request({"type": "http", "method": "GET", "path": "/api/v1/cities/x", "headers": [], "query_string": b""})
    response = await driver_error_handler(request, cut)
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    response = await driver_error_handler(request, asyncpg.InternalClientError("cannot switch to state 11"))
    assert response.status_code == 503
    response = await driver_error_handler(request, asyncpg.UndefinedTableError("relation does not exist"))
    assert response.status_code == 500


@pytest.mark.skipif(not POSTGRES_URL, reason="needs CITYPACT_TEST_POSTGRES_URL (.ci/run sets it)")
async def test_cut_connections_and_a_closed_database_never_answer_500(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database_url("postgres", str(tmp_path))
    engine = make_engine(url)
    await migrate(engine)
    await engine.dispose()
    app = create_app(settings_for(url))
    database = url.rsplit("/", 1)[1]
    admin = make_engine(async_database_url(POSTGRES_URL or ""), isolation_level="AUTOCOMMIT")
    kill = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db")
    # Through the session (a list) and through the driver's own pool (one city, app/common/reads.py).
    paths = ["/cities", f"/cities/{uuid.uuid4()}"]
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t/api/v1") as client:
            assert (await client.get("/ready")).status_code == 200
            assert [(await client.get(path)).status_code for path in paths] == [200, 404]
            async with admin.connect() as connection:
                await connection.execute(kill, {"db": database})
            for path, healthy in zip(paths, [200, 404], strict=True):
                statuses = [(await client.get(path)).status_code for _ in range(3)]
                assert 500 not in statuses and statuses[-1] == healthy, (path, statuses)
            async with admin.connect() as connection:
                await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
                await connection.execute(kill, {"db": database})
            for path in paths:
                closed = await client.get(path)
                assert closed.status_code == 503 and closed.headers["retry-after"] == "1", path
            assert (await client.get("/ready")).status_code == 503
            async with admin.connect() as connection:
                await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
            assert (await client.get("/ready")).status_code == 200
    finally:
        await close_driver_pool(app)
        await app.state.engine.dispose()
        await admin.dispose()
        await drop_postgres_database(url)
