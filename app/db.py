"""Declarative base, portable column types, engine and the per-request session."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Enum, MetaData, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator
from uuid6 import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


PortableJSON = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    """Time-ordered ids, so that ordering by id is ordering by creation."""
    return uuid.UUID(bytes=uuid7().bytes)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime,
        dict[str, Any]: PortableJSON,
        list[dict[str, Any]]: PortableJSON,
        list[str]: PortableJSON,
        list[int]: PortableJSON,
    }


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin, so that
    # SAVEPOINTs and transactional DDL behave as they do on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front (IMMEDIATE): two deferred transactions that both read,
    # then both write, would deadlock, and SQLite fails one of them at once instead of waiting.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


# Every PostgreSQL connection the app opens. The planner JIT-compiles a statement whose estimated
# cost passes a threshold, and the app's statements are short: a badge or rollup statement over a
# thousand companies just imported was estimated high enough to spend 650 ms of its 740 ms compiling.
SERVER_SETTINGS = {"jit": "off"}


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine with the settings each dialect needs."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    if "poolclass" not in kwargs:
        # Room for a worker's concurrent writers without opening overflow connections, whose
        # prepared-statement caches start cold.
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 10)
    connect_args = kwargs.pop("connect_args", {})
    connect_args["server_settings"] = SERVER_SETTINGS | connect_args.get("server_settings", {})
    # No pre-ping: it costs a round trip per request. A connection the server dropped fails its
    # request with 503 (see errors.py) and the pool discards it and every connection of its age.
    return create_async_engine(url, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that write."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    return async_sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for safe methods. On PostgreSQL they run in autocommit, which spares the BEGIN and
    COMMIT round trips; each statement still reads committed data, as under READ COMMITTED."""
    if engine.dialect.name != "postgresql":
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request, committed once when the route has succeeded."""
    state = request.app.state
    factory = state.read_sessionmaker if request.method in SAFE_METHODS else state.sessionmaker
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit happens before the response is sent, so a client
# never hears of a write that did not land.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
async def get_streaming_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for a streamed response: open until the response is sent, and inside a
    transaction, which server-side cursors need. Only for reads."""
    async with async_sessionmaker(request.app.state.engine, expire_on_commit=False)() as session:
        yield session


StreamingSessionDep = Annotated[AsyncSession, Depends(get_streaming_session)]


def str_enum(enum_cls: type) -> Enum:
    """Store a StrEnum by value in a VARCHAR, the same on every database."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class VersionedMixin:
    """Optimistic concurrency: every UPDATE checks and bumps `version`, which is also the ETag."""

    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
