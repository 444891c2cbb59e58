"""Reads that take the shortest way to the database.

The busiest public reads (a city, a company, a project, a city's progress) are a few Core
statements and no ORM. On PostgreSQL they run on a plain asyncpg pool — the path the stack's
ceiling takes in bench/ceiling.py — which spares the session, the engine's checkout and its
greenlet hops: most of a small read's cost. On SQLite they run on a session.

Statements are module constants with named bind parameters, compiled once for asyncpg.
"""

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Annotated, Any, Protocol

import asyncpg
from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel
from sqlalchemy import JSON, Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.common.etag import set_etag

Row = Mapping[str, Any]


class Reader(Protocol):
    async def first(self, stmt: Select[Any], **params: Any) -> Row | None: ...

    async def all(self, stmt: Select[Any], **params: Any) -> list[Row]: ...


class SessionReader:
    """Runs the statements on a session: on SQLite, and inside a request's own transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first(self, stmt: Select[Any], **params: Any) -> Row | None:
        return (await self.session.execute(stmt, params)).mappings().first()

    async def all(self, stmt: Select[Any], **params: Any) -> list[Row]:
        return list((await self.session.execute(stmt, params)).mappings())


class SessionsReader:
    """Runs each statement on a session of its own (a dependency without clean-up is the cheaper kind)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def first(self, stmt: Select[Any], **params: Any) -> Row | None:
        async with self.sessionmaker() as session:
            return await SessionReader(session).first(stmt, **params)

    async def all(self, stmt: Select[Any], **params: Any) -> list[Row]:
        async with self.sessionmaker() as session:
            return await SessionReader(session).all(stmt, **params)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in order
    constants: dict[str, Any]  # the values the statement carries itself
    json_columns: frozenset[str]

    def args(self, params: dict[str, Any]) -> list[Any]:
        values = [params[name] if name in params else self.constants[name] for name in self.names]
        return [value.value if isinstance(value, Enum) else value for value in values]


@cache
def _compiled(stmt: Select[Any]) -> _Compiled:
    compiled = stmt.compile(dialect=asyncpg_dialect())
    return _Compiled(
        compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params),
        frozenset(c.key for c in stmt.selected_columns if isinstance(c.type, JSON)),
    )


class DriverReader:
    """Runs the statements on asyncpg: on a pool (a connection each), or on one connection."""

    def __init__(self, source: "DriverPool | asyncpg.Connection") -> None:
        self.source = source

    async def _fetch(self, stmt: Select[Any], params: dict[str, Any]) -> list[Row]:
        compiled = _compiled(stmt)
        args = compiled.args(params)
        if isinstance(self.source, DriverPool):
            async with self.source.turns, self.source.pool.acquire() as connection:
                try:
                    records = await connection.fetch(compiled.sql, *args)
                except asyncpg.InternalClientError:
                    # Its protocol is out of step, as after the server cut it unnoticed: never reuse it.
                    connection.terminate()
                    raise
        else:
            records = await self.source.fetch(compiled.sql, *args)
        rows = [dict(record) for record in records]
        for row in rows:
            for key in compiled.json_columns:
                if isinstance(row[key], str):
                    row[key] = json.loads(row[key])
        return rows

    async def first(self, stmt: Select[Any], **params: Any) -> Row | None:
        rows = await self._fetch(stmt, params)
        return rows[0] if rows else None

    async def all(self, stmt: Select[Any], **params: Any) -> list[Row]:
        return await self._fetch(stmt, params)


_pool_lock = asyncio.Lock()
POOL_SIZE = 10


async def _keep_session(connection: asyncpg.Connection) -> None:
    """A released connection keeps its session: the readers run single statements and change no
    setting, lock or listener, so the default reset (a round trip of four statements, as dear as
    the read itself) has nothing to undo. The pool still rolls back a transaction left open."""


@dataclass(frozen=True)
class DriverPool:
    """The readers' asyncpg pool, taken in turn: a reader waits behind those that came first.
    (The pool alone lets a newcomer take a connection just freed for one that waited, and under
    load a few wait many turns.)"""

    pool: asyncpg.Pool
    turns: asyncio.Semaphore


async def driver_pool(app: FastAPI) -> DriverPool:
    """The app's asyncpg pool, made on first use."""
    pool: DriverPool | None = getattr(app.state, "driver_pool", None)
    if pool is not None:
        return pool
    async with _pool_lock:
        if getattr(app.state, "driver_pool", None) is None:
            url = app.state.engine.url.set(drivername="postgresql")
            connections = await asyncpg.create_pool(
                url.render_as_string(hide_password=False), min_size=1, max_size=POOL_SIZE, reset=_keep_session
            )
            app.state.driver_pool = DriverPool(connections, asyncio.Semaphore(POOL_SIZE))
    return app.state.driver_pool  # type: ignore[no-any-return]


async def close_driver_pool(app: FastAPI) -> None:
    pool: DriverPool | None = getattr(app.state, "driver_pool", None)
    if pool is not None:
        await pool.pool.close()
        app.state.driver_pool = None


async def reader_on(session: AsyncSession) -> Reader:
    """A reader on the session's own connection, inside its transaction; on PostgreSQL through
    the driver, as the pool's readers read."""
    if session.bind.dialect.name != "postgresql":
        return SessionReader(session)
    raw = await (await session.connection()).get_raw_connection()
    return DriverReader(raw.driver_connection)  # type: ignore[arg-type]


async def get_reader(request: Request) -> Reader:
    app = request.app
    if app.state.engine.dialect.name == "postgresql":
        return DriverReader(await driver_pool(app))
    return SessionsReader(app.state.read_sessionmaker)


ReaderDep = Annotated[Reader, Depends(get_reader)]


def model_response(model: BaseModel, *, version: int | None = None) -> Response:
    """The model's JSON, serialised once: a route that returns it skips FastAPI's revalidation of
    its response model (which still documents the route)."""
    response = Response(model.model_dump_json(), media_type="application/json")
    if version is not None:
        set_etag(response, version)
    return response
