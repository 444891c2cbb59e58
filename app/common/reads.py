"""Reads that take the shortest way to the database.

The busiest public reads (a city, a company, a project, a city's progress) are a few Core
statements and no ORM. On PostgreSQL they run straight on asyncpg connections (`DriverPool`),
as the stack's ceiling in bench/ceiling.py reads, which spares the session, the engine's checkout
and its greenlet hops: most of a small read's cost. On SQLite they run on a session.

Statements are module constants with named bind parameters, compiled once for asyncpg.
"""

import asyncio
import inspect
import json
from collections.abc import Callable, Coroutine, Mapping
from functools import cache
from typing import Annotated, Any, Protocol, get_type_hints

import asyncpg
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.common import driver
from app.common.etag import set_etag
from app.db import SERVER_SETTINGS

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


@cache
def _json_columns(stmt: Select[Any]) -> frozenset[str]:
    """The statement's JSON columns, which the readers' connections answer as text."""
    return frozenset(c.key for c in stmt.selected_columns if isinstance(c.type, JSON))


class DriverPool:
    """The readers' asyncpg connections, taken in turn: a reader waits behind those that came first.

    A reader takes an idle connection, or opens one while fewer than `size` are open, runs one
    statement and puts the connection back. That is all asyncpg's own pool would do for a single
    statement outside a transaction, without its acquire and release machinery (timeouts, a
    shielded task per release, a reset round trip), which cost the worker as much as the read
    itself. The readers change no session state, so a connection needs no reset between them.
    A connection that failed mid-statement, or that the server cut, is dropped; the next reader
    opens a fresh one."""

    def __init__(self, dsn: str, size: int) -> None:
        self.dsn = dsn
        self.turns = asyncio.Semaphore(size)  # waiters are served in order of arrival
        self.idle: list[asyncpg.Connection] = []

    async def fetch(self, sql: str, args: list[Any]) -> list[asyncpg.Record]:
        async with self.turns:
            connection = await self._take()
            try:
                records = await connection.fetch(sql, *args)
            except BaseException:
                # Cut, out of step or cancelled half-way: its state is unknown, so it is never reused.
                connection.terminate()
                raise
            self.idle.append(connection)
            return records

    async def _take(self) -> asyncpg.Connection:
        while self.idle:
            connection = self.idle.pop()
            if not connection.is_closed():
                return connection
        return await asyncpg.connect(self.dsn, server_settings=SERVER_SETTINGS)

    async def close(self) -> None:
        connections, self.idle = self.idle, []
        # A connection that cannot close in time is cut; close() has done so when it raises.
        await asyncio.gather(*(connection.close(timeout=2) for connection in connections), return_exceptions=True)


class DriverReader:
    """Runs the statements on asyncpg: on the readers' pool, or on one connection."""

    def __init__(self, source: DriverPool | asyncpg.Connection) -> None:
        self.source = source

    async def _fetch(self, stmt: Select[Any], params: dict[str, Any]) -> list[Row]:
        sql, args = driver.compiled(stmt).bound(params)
        if isinstance(self.source, DriverPool):
            records = await self.source.fetch(sql, args)
        else:
            records = await self.source.fetch(sql, *args)
        rows = [dict(record) for record in records]
        for row in rows:
            for key in _json_columns(stmt):
                if isinstance(row[key], str):
                    row[key] = json.loads(row[key])
        return rows

    async def first(self, stmt: Select[Any], **params: Any) -> Row | None:
        rows = await self._fetch(stmt, params)
        return rows[0] if rows else None

    async def all(self, stmt: Select[Any], **params: Any) -> list[Row]:
        return await self._fetch(stmt, params)


POOL_SIZE = 10


def driver_pool(app: FastAPI) -> DriverPool:
    """The app's readers' pool, made on first use."""
    pool: DriverPool | None = getattr(app.state, "driver_pool", None)
    if pool is None:
        pool = app.state.driver_pool = DriverPool(driver.dsn(app.state.engine.url), POOL_SIZE)
    return pool


async def close_driver_pool(app: FastAPI) -> None:
    pool: DriverPool | None = getattr(app.state, "driver_pool", None)
    if pool is not None:
        await pool.close()
        app.state.driver_pool = None


async def reader_on(session: AsyncSession) -> Reader:
    """A reader on the session's own connection, inside its transaction; on PostgreSQL through
    the driver, as the pool's readers read."""
    if session.bind.dialect.name != "postgresql":
        return SessionReader(session)
    return DriverReader(await driver.driver_connection(session))


async def get_reader(request: Request) -> Reader:
    app = request.app
    if app.state.engine.dialect.name == "postgresql":
        return DriverReader(driver_pool(app))
    return SessionsReader(app.state.read_sessionmaker)


ReaderDep = Annotated[Reader, Depends(get_reader)]


def model_response(model: BaseModel, *, version: int | None = None) -> Response:
    """The model's JSON, serialised once: a route that returns it skips FastAPI's revalidation of
    its response model (which still documents the route)."""
    response = Response(model.model_dump_json(), media_type="application/json")
    if version is not None:
        set_etag(response, version)
    return response


# Parameters FastAPI fills from the request by their type; an endpoint taking any is left to it.
SPECIAL_PARAMETERS = ("request", "websocket", "http_connection", "response", "background_tasks", "security_scopes")


class KeyedRead(APIRoute):
    """A route for the reads by key: its endpoint takes path parameters and a reader, and returns
    a Response. The handler checks the path parameters and calls the endpoint itself; FastAPI's
    general resolution of parameters and dependencies (a third of such a read's cost) has
    nothing to do for it. Any other endpoint of the router is handled by FastAPI as usual.

    The answers are FastAPI's: a path parameter that does not validate is a RequestValidationError
    with the same errors; an override of `get_reader` (it takes no parameters) is honoured."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        dependant = self.dependant
        readers = [sub.name for sub in dependant.dependencies if sub.call is get_reader and not sub.dependencies]
        plain = (
            len(readers) == len(dependant.dependencies)
            and not (dependant.query_params or dependant.header_params or dependant.cookie_params or dependant.body_params)
            and not any(getattr(dependant, f"{kind}_param_name") for kind in SPECIAL_PARAMETERS)
            and get_type_hints(self.endpoint).get("return") is Response
        )
        if not plain:
            return super().get_route_handler()
        endpoint = self.endpoint
        params = [(field.name, field.alias, TypeAdapter(field.field_info.annotation)) for field in dependant.path_params]

        async def handler(request: Request) -> Response:
            arguments: dict[str, Any] = {}
            errors: list[Any] = []
            for name, alias, adapter in params:
                try:
                    arguments[name] = adapter.validate_python(request.path_params[alias])
                except ValidationError as exc:
                    errors += [{**error, "loc": ("path", alias, *error["loc"])} for error in exc.errors(include_url=False)]
            if errors:
                raise RequestValidationError(errors)
            if readers:
                override = request.app.dependency_overrides.get(get_reader)
                reader = override() if override else get_reader(request)
                arguments |= dict.fromkeys(readers, await reader if inspect.isawaitable(reader) else reader)
            return await endpoint(**arguments)  # type: ignore[no-any-return]

        return handler


def keyed_reads(prefix: str, tag: str) -> APIRouter:
    """A router for a resource's reads by key. The app includes these ahead of every other router:
    FastAPI tries a request against each route in turn, and these are by far the busiest."""
    return APIRouter(prefix=prefix, tags=[tag], route_class=KeyedRead)
