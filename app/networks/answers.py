"""Each worker keeps the whole answers of `GET /networks/{id}/progress` until the figures change.

A network's answer sums a few hundred rollup rows (one per member country, one per country and
year) and is kilobytes of JSON: reading and writing it costs a worker several milliseconds, while
the figures change only when a member city's inventory, plan, projects or membership do.

On PostgreSQL every write that changes a network's rollup rows says so in its transaction
(`changed`, a NOTIFY), which PostgreSQL delivers to every listener once the write commits, and
never if it rolls back. Each worker listens on a connection of its own and forgets the answers of
the networks it is told about. An answer is kept only if no notice arrived while it was read, and
only while the worker listens: before the listener is connected, and from the moment it is lost
until it is back, every answer is read afresh. SQLite keeps no answers.
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

CHANNEL = "citypact_network_figures"
EVERY = "*"
# Answers kept by a worker: a network's whole answer (32 kB for 10,000 cities in 181 countries), and
# its answers for a year or a country.
SIZE = 256
# A notice names at most this many networks; a write that changes more says "all of them".
NAMED = 100
# After a failed attempt to listen, the next waits this long (the database may be down).
RETRY_SECONDS = 1.0
# Built once: the driver keeps each statement it compiles.
NOTIFY = select(func.pg_notify(bindparam("channel", type_=String), bindparam("payload", type_=String)))

async def changed(session: AsyncSession, networks: Iterable[uuid.UUID] | None) -> None:
    """Tell every worker, once the session's transaction commits, that these networks' figures
    changed (None: every network's)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    named = sorted(set(networks)) if networks is not None else []
    payload = EVERY if networks is None or len(named) > NAMED else ",".join(map(str, named))
    if payload:
        await driver.rows(session, NOTIFY, {"channel": CHANNEL, "payload": payload})


Key = tuple[uuid.UUID, Hashable]


class Answers:
    """The answers one worker keeps, by network and by the rest of the question."""

    def __init__(self, size: int = SIZE) -> None:
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
        """A committed write changed the networks named (comma-separated, or `EVERY`)."""
        self.generation += 1
        if payload == EVERY:
            self.kept.clear()
            return
        networks = set()
        for part in payload.split(","):
            try:
                networks.add(uuid.UUID(part))
            except ValueError:
                self.kept.clear()  # a notice not understood could be about any network
                return
        for key in [key for key in self.kept if key[0] in networks]:
            del self.kept[key]

    def listen(self, listening: bool) -> None:
        self.generation += 1
        self.listening = listening
        if not listening:
            self.kept.clear()


class Listener:
    """Keeps `answers` listening on a connection of its own, reconnecting after it is lost."""

    def __init__(self, dsn: str, answers: Answers) -> None:
        self.dsn = dsn
        self.answers = answers
        self.connection: asyncpg.Connection | None = None
        self.connecting: asyncio.Task[None] | None = None
        self.retry_at = 0.0

    def ensure(self) -> None:
        """Start listening in the background if not listening: the request that asks does not wait."""
        if self.answers.listening or self.connecting is not None or time.monotonic() < self.retry_at:
            return
        self.connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        try:
            connection = await asyncpg.connect(self.dsn, server_settings=SERVER_SETTINGS, timeout=5)
            try:
                await connection.add_listener(CHANNEL, self._notice)
            except BaseException:
                connection.terminate()
                raise
            # Between here and listen(True) nothing awaits: a connection open now reports its loss later.
            if connection.is_closed():
                raise asyncpg.InterfaceError("the connection closed as listening began")
            connection.add_termination_listener(self._lost)
            self.connection = connection
            self.answers.listen(True)
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("Network answers are read afresh: cannot listen for changes (%s).", exc)
            self.retry_at = time.monotonic() + RETRY_SECONDS
        finally:
            self.connecting = None

    def _notice(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self.answers.notice(payload)

    def _lost(self, connection: Any) -> None:
        self.answers.listen(False)
        self.connection = None

    async def close(self) -> None:
        if self.connecting is not None:
            self.connecting.cancel()
        connection, self.connection = self.connection, None
        self.answers.listen(False)
        if connection is not None:
            await asyncio.gather(connection.close(timeout=2), return_exceptions=True)


def listener(app: FastAPI) -> Listener | None:
    """The app's listener and its answers, made on first use; None on SQLite."""
    if app.state.engine.dialect.name != "postgresql":
        return None
    found: Listener | None = getattr(app.state, "network_answers", None)
    if found is None:
        found = app.state.network_answers = Listener(driver.dsn(app.state.engine.url), Answers())
    return found


async def close(app: FastAPI) -> None:
    found: Listener | None = getattr(app.state, "network_answers", None)
    if found is not None:
        await found.close()
        app.state.network_answers = None


async def get_answers(request: Request) -> Answers | None:
    """The answers the worker keeps, listening for changes; None where none are kept."""
    found = listener(request.app)
    if found is None:
        return None
    found.ensure()
    return found.answers
