"""The busiest writes' Core statements, run straight on the driver inside the session's transaction.

A report submission runs a dozen small statements. Through the session each costs the worker
about 0.48 ms of SQLAlchemy's execution (cache key, execution context, result) on the bench
machine; on asyncpg, 0.14 ms. `rows` runs a module-constant Core statement on the asyncpg
connection of the session's own transaction on PostgreSQL, and through the session elsewhere, so
that both databases run the same statement and answer the same rows.

It takes statements whose every parameter the caller or the statement itself binds: Python-side
column defaults are filled in by SQLAlchemy's execution only, and a statement that relies on one
is refused when first compiled. Pending ORM changes are flushed first, as the session's autoflush
would.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import asyncpg
from sqlalchemy import JSON, Executable, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once, and how to bind its parameters for asyncpg."""

    compiled: SQLCompiler
    constants: dict[str, Any]  # the values the statement carries itself
    # The JSON parameters, each with whether None stands for SQL NULL (else for JSON null).
    json_parameters: dict[str, bool]

    def bound(self, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL and its arguments in order. A list parameter (an expanding IN) is written out as
        as many placeholders as it holds, which costs a rendering of the SQL each time."""
        compiled = self.compiled
        if compiled.post_compile_params:
            state = compiled.construct_expanded_state(params)
            sql, names, values = state.statement, state.positiontup or [], state.parameters
        else:
            sql, names, values = compiled.string, compiled.positiontup or [], self.constants | dict(params)
        return sql, [self._argument(name, values[name]) for name in names]

    def _argument(self, name: str, value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if name in self.json_parameters and not (value is None and self.json_parameters[name]):
            return json.dumps(value)  # asyncpg takes a JSON document as text (the engine's codec too)
        return value


def dsn(url: str | URL) -> str:
    """The database's address as asyncpg's and libpq's own connections take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@cache
def compiled(stmt: Executable, dialect_name: str = "postgresql") -> Compiled:
    """The statement compiled for the dialect; refused if it leaves Python-side column defaults to
    SQLAlchemy's execution, which nothing here fills in."""
    result = stmt.compile(dialect=asyncpg_dialect() if dialect_name == "postgresql" else sqlite_dialect())
    assert isinstance(result, SQLCompiler)
    defaults = [column.key for column in (*result.insert_prefetch, *result.update_prefetch)]
    if defaults:
        raise ValueError(f"the statement leaves Python-side defaults to SQLAlchemy's execution: {defaults}")
    json_parameters = {
        name: bind.type.none_as_null for name, bind in result.binds.items() if isinstance(bind.type, JSON)
    }
    return Compiled(result, dict(result.params), json_parameters)


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session's transaction (none on a session in autocommit
    mode, such as the pages' reading sessions: each statement stands alone there, as it would
    through the session)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:
        raise RuntimeError("the session's connection has no driver connection")
    if not driver.is_in_transaction() and not getattr(raw.dbapi_connection, "autocommit", False):
        # SQLAlchemy begins the transaction on the connection with its first statement.
        await connection.execute(select(1))
    return driver


@contextmanager
def sqlalchemy_errors(statement: str) -> Iterator[None]:
    """Raise the driver's errors as the session's own statements would, for the same handlers: a
    row stored meanwhile (409), a lost connection (503)."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(statement, None, exc) from exc
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
        raise OperationalError(statement, None, exc) from exc


async def rows(session: AsyncSession, stmt: Executable, params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """The statement's rows (none for a statement that returns none), each indexable by position."""
    dialect_name = session.get_bind().dialect.name
    form = compiled(stmt, dialect_name)  # on every database, so that what it refuses fails everywhere
    if dialect_name != "postgresql":
        result = await session.execute(stmt, params)
        return result.all() if getattr(result, "returns_rows", True) else []
    if session.new or session.dirty or session.deleted:
        await session.flush()
    sql, arguments = form.bound(params)
    connection = await driver_connection(session)
    with sqlalchemy_errors(sql):
        return await connection.fetch(sql, *arguments)


async def first(session: AsyncSession, stmt: Executable, params: Mapping[str, Any]) -> Sequence[Any] | None:
    found = await rows(session, stmt, params)
    return found[0] if found else None
