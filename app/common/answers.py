"""Whole answers each worker keeps until a committed write says they changed.

Some answers cost a worker many milliseconds to read and write, and change far more seldom than they
are asked for: a network's progress sums a few hundred rollup rows into kilobytes of JSON; a city's
matches score thousands of firms. Each kind of kept answer (`Kept`) has a PostgreSQL channel. A
write that changes an answer sends, in its transaction, a notice naming the ids it changed the
answers of (a network's, a city's), from the app (`Kept.changed`) or from a trigger in the
database. PostgreSQL delivers the notice to every listener once the write commits, and never if it
rolls back. Each worker listens on a connection of its own and forgets the answers of the ids it is
told about. An answer is kept only if no notice arrived while it was read, and only while the
worker listens: before the listener is connected, and from the moment it is lost until it is back,
every answer is read afresh. SQLite keeps no answers.
"""

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from sqlalchemy import String, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common import driver
from app.db import SERVER_SETTINGS

log = logging.getLogger(__name__)

EVERY = "*"
# A notice names at most this many ids (a notice holds under 8,000 bytes); a write that changes
# more says "all of them".
NAMED = 100
# After a failed attempt to listen, the next waits this long (the database may be down).
RETRY_SECONDS = 1.0
# Built once: the driver keeps each statement it compiles.
NOTIFY = select(func.pg_notify(bindparam("channel", type_=String), bindparam("payload", type_=String)))


def payload(ids: Iterable[uuid.UUID] | None) -> str:
    """A notice about these ids (None: every one); empty when there is nothing to say."""
    if ids is None:
        return EVERY
    named = sorted(set(ids))
    return EVERY if len(named) > NAMED else ",".join(map(str, named))


Key = tuple[uuid.UUID, Hashable]


class Answers:
    """The answers of one kind a worker keeps, by the id a notice names and the rest of the question."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[Key, bytes] = OrderedDict()
        # Moves on at every notice and whenever listening starts or stops: an answer read while it
        # moved may be older than what was committed meanwhile.
        self.generation = 0
        self.listening = False

    def get(self, key: Key) -> bytes | None:
        if not self.listening:
            return None
        body = self.kept.get(key)
        if body is not None:
            self.kept.move_to_end(key)
        return body

    def token(self) -> int:
        """Taken before reading an answer, given back to `put` with it."""
        return self.generation

    def put(self, key: Key, token: int, body: bytes) -> None:
        if not self.listening or token != self.generation:
            return
        self.kept[key] = body
        self.kept.move_to_end(key)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    def notice(self, payload: str) -> None:
        """A committed write changed the answers of the ids named (comma-separated, or `EVERY`)."""
        self.generation += 1
        if payload == EVERY:
            self.kept.clear()
            return
        ids = set()
        for part in payload.split(","):
            try:
                ids.add(uuid.UUID(part))
            except ValueError:
                self.kept.clear()  # a notice not understood could be about any of them
                return
        for key in [key for key in self.kept if key[0] in ids]:
            del self.kept[key]

    def listen(self, listening: bool) -> None:
        self.generation += 1
        self.listening = listening
        if not listening:
            self.kept.clear()


class Listener:
    """Keeps each kind's answers listening on one connection, reconnecting after it is lost."""

    def __init__(self, dsn: str, kinds: Iterable["Kept"]) -> None:
        self.dsn = dsn
        self.answers = {kind.channel: Answers(kind.size) for kind in kinds}
        self.connection: asyncpg.Connection | None = None
        self.connecting: asyncio.Task[None] | None = None
        self.retry_at = 0.0

    @property
    def listening(self) -> bool:
        # The connection is held exactly while its loss has not been heard.
        return self.connection is not None

    def ensure(self) -> None:
        """Start listening in the background if not listening: the request that asks does not wait."""
        if self.listening or self.connecting is not None or time.monotonic() < self.retry_at:
            return
        self.connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        try:
            connection = await asyncpg.connect(self.dsn, server_settings=SERVER_SETTINGS, timeout=5)
            try:
                for channel in self.answers:
                    await connection.add_listener(channel, self._notice)
            except BaseException:
                connection.terminate()
                raise
            # Between here and _listen(True) nothing awaits: a connection open now reports its loss later.
            if connection.is_closed():
                raise asyncpg.InterfaceError("the connection closed as listening began")
            connection.add_termination_listener(self._lost)
            self.connection = connection
            self._listen(True)
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("Kept answers are read afresh: cannot listen for changes (%s).", exc)
            self.retry_at = time.monotonic() + RETRY_SECONDS
        finally:
            self.connecting = None

    def _listen(self, listening: bool) -> None:
        for answers in self.answers.values():
            answers.listen(listening)

    def _notice(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self.answers[channel].notice(payload)

    def _lost(self, connection: Any) -> None:
        self.connection = None
        self._listen(False)

    async def close(self) -> None:
        if self.connecting is not None:
            self.connecting.cancel()
        connection, self.connection = self.connection, None
        self._listen(False)
        if connection is not None:
            await asyncio.gather(connection.close(timeout=2), return_exceptions=True)


# Every kind of kept answer, by channel: a worker's listener listens on all of them.
KINDS: dict[str, "Kept"] = {}
# What a worker that keeps nothing has: it never listens, so it gives and takes no answer.
NOTHING_KEPT = Answers(size=0)


class Kept:
    """One kind of answer that workers keep, told of changes on `channel`. As a FastAPI dependency,
    it gives the worker's answers of this kind, listening for changes, or `NOTHING_KEPT`."""

    def __init__(self, channel: str, *, size: int) -> None:
        self.channel = channel
        self.size = size
        KINDS[channel] = self

    async def __call__(self, request: Request) -> Answers:
        found = listener(request.app)
        if found is None:
            return NOTHING_KEPT
        found.ensure()
        return found.answers.get(self.channel, NOTHING_KEPT)

    async def changed(self, session: AsyncSession, ids: Iterable[uuid.UUID] | None) -> None:
        """Tell every worker, once the session's transaction commits, that the answers of these ids
        changed (None: every id's)."""
        if session.get_bind().dialect.name != "postgresql":
            return
        if said := payload(ids):
            await driver.rows(session, NOTIFY, {"channel": self.channel, "payload": said})


def listener(app: FastAPI) -> Listener | None:
    """The app's listener and its answers, made on first use; None on SQLite or when turned off."""
    if app.state.engine.dialect.name != "postgresql" or not app.state.settings.keep_answers:
        return None
    found: Listener | None = getattr(app.state, "kept_answers", None)
    if found is None:
        found = app.state.kept_answers = Listener(driver.dsn(app.state.engine.url), KINDS.values())
    return found


async def close(app: FastAPI) -> None:
    found: Listener | None = getattr(app.state, "kept_answers", None)
    if found is not None:
        await found.close()
        app.state.kept_answers = None
