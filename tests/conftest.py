"""Test fixtures: a migrated database per backend, a rolled-back session per test, an API client.

The suite runs on SQLite and, when CITYPACT_TEST_POSTGRES_URL is set, again on a fresh
PostgreSQL database: every database test is parametrised by backend.
"""

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.engine import make_url

from app.common import answers
from app.common.reads import Reader, close_driver_pool, get_reader, reader_on
from app.config import Settings, async_database_url
from app.db import get_session, get_streaming_session, make_engine, make_sessionmaker
from app.main import create_app
from app.migrations import run_on_connection

POSTGRES_URL = os.environ.get("CITYPACT_TEST_POSTGRES_URL")
# The badge issuer's key of the test run: read when settings are made, kept out of the work tree.
os.environ.setdefault("CITYPACT_SIGNING_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="citypact-"), "signing-key.pem"))
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


@dataclass
class DatabaseUnderTest:
    backend: str
    url: str
    engine: AsyncEngine


async def create_postgres_database() -> str:
    """A fresh, empty PostgreSQL database; returns its URL."""
    assert POSTGRES_URL
    admin_url = make_url(async_database_url(POSTGRES_URL))
    name = f"citypact_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    assert POSTGRES_URL
    name = make_url(url).database
    admin = make_engine(async_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def fresh_database_url(backend: str, tmp_dir: str) -> str:
    if backend == "postgres":
        return await create_postgres_database()
    return f"sqlite+aiosqlite:///{tmp_dir}/citypact-{uuid.uuid4().hex[:8]}.db"


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.connect() as connection:
        await run_on_connection(connection, command.upgrade, revision)
        await connection.commit()


@pytest.fixture(scope="session", params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseUnderTest]:
    backend = request.param
    url = await fresh_database_url(backend, str(tmp_path_factory.mktemp("db")))
    engine = make_engine(url)
    await migrate(engine)
    yield DatabaseUnderTest(backend, url, engine)
    await engine.dispose()
    if backend == "postgres":
        await drop_postgres_database(url)


@pytest.fixture
async def session(database: DatabaseUnderTest) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        async with AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as test_session:
            yield test_session
        await transaction.rollback()


def settings_for(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": "test-secret-key-not-for-production",
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def app(database: DatabaseUnderTest) -> FastAPI:
    return create_app(settings_for(database.url))


@pytest.fixture
async def client(app: FastAPI, session: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """An API client whose requests share the test's rolled-back session."""

    async def override() -> AsyncIterator[AsyncSession]:
        # What the test set up counts as stored before the request, as it would be in production.
        # The request starts from the database, not from the test's objects, which stay usable.
        await session.commit()
        session.expunge_all()
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()

    async def reader() -> Reader:
        await session.commit()
        return await reader_on(session)

    app.dependency_overrides[get_session] = override
    app.dependency_overrides[get_streaming_session] = override
    app.dependency_overrides[get_reader] = reader
    # The test's writes are rolled back, never committed: no worker must keep answers read from them.
    for kind in answers.KINDS.values():
        app.dependency_overrides[kind] = lambda: answers.NOTHING_KEPT
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client
    app.dependency_overrides.clear()


@dataclass
class Worker:
    """An app serving a PostgreSQL database of its own whose writes commit, as one worker in production."""

    app: FastAPI
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient

    def listener(self) -> answers.Listener:
        found = answers.listener(self.app)
        assert found is not None
        return found

    async def listening(self) -> bool:
        return self.listener().listening

    async def cut_listener(self) -> None:
        """End the listener's connection from the database's side, as a restart or a fault would."""
        connection = self.listener().connection
        assert connection is not None
        async with self.engine.begin() as database:
            await database.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": connection.get_server_pid()})


@pytest.fixture
async def worker(database: DatabaseUnderTest, tmp_path: Path) -> AsyncIterator[Worker]:
    """A worker that keeps answers (app/common/answers.py): PostgreSQL only, as SQLite keeps none."""
    if database.backend != "postgres":
        pytest.skip("SQLite keeps no answers: every answer is read afresh")
    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    app = create_app(settings_for(url))
    try:
        await migrate(engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Worker(app, url, engine, make_sessionmaker(engine), client)
    finally:
        await answers.close(app)
        await close_driver_pool(app)
        await app.state.engine.dispose()
        await engine.dispose()
        await drop_postgres_database(url)


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    """Notices and a lost connection reach a worker moments after they happen: poll for them."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")
