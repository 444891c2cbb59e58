"""The answers a worker keeps of a network's progress: kept while nothing changed, forgotten when a
committed write says the figures changed, never kept while the worker cannot hear it."""

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from app.cities import service as cities
from app.cities.schemas import InventoryCreate, InventoryReplace
from app.common.reads import close_driver_pool
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.networks import answers as network_answers
from app.networks import service as networks
from app.networks.answers import EVERY, Answers
from app.networks.models import NetworkCountryRollup
from app.networks.schemas import NetworkCreate
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate, settings_for
from tests.factories import make_city, make_user
from tests.networks.conftest import sectors

ONE, TWO = uuid.uuid4(), uuid.uuid4()


def listening() -> Answers:
    answers = Answers(size=3)
    answers.listen(True)
    return answers


def test_an_answer_is_kept_only_while_listening() -> None:
    answers = Answers()
    answers.put((ONE, None), answers.token(), b"before")
    assert answers.get((ONE, None)) is None
    answers.listen(True)
    answers.put((ONE, None), answers.token(), b"kept")
    assert answers.get((ONE, None)) == b"kept"
    answers.listen(False)
    assert answers.get((ONE, None)) is None
    answers.listen(True)
    assert answers.get((ONE, None)) is None  # what was kept before the loss is gone for good


def test_an_answer_read_while_a_notice_arrived_is_not_kept() -> None:
    answers = listening()
    token = answers.token()
    answers.notice(str(TWO))  # any network's: the reading may have begun before that write committed
    answers.put((ONE, None), token, b"maybe stale")
    assert answers.get((ONE, None)) is None
    answers.put((ONE, None), answers.token(), b"fresh")
    assert answers.get((ONE, None)) == b"fresh"


def test_an_answer_read_before_listening_began_is_not_kept() -> None:
    answers = Answers()
    token = answers.token()
    answers.listen(True)
    answers.put((ONE, None), token, b"read unheard")
    assert answers.get((ONE, None)) is None


def test_a_notice_forgets_the_networks_it_names() -> None:
    answers = listening()
    for key in [(ONE, None), (ONE, (2024, None)), (TWO, None)]:
        answers.put(key, answers.token(), b"answer")
    answers.notice(f"{uuid.uuid4()},{ONE}")
    assert answers.get((ONE, None)) is None and answers.get((ONE, (2024, None))) is None
    assert answers.get((TWO, None)) == b"answer"


@pytest.mark.parametrize("payload", [EVERY, "not-a-network-id"])
def test_a_notice_about_every_network_or_not_understood_forgets_all(payload: str) -> None:
    answers = listening()
    answers.put((ONE, None), answers.token(), b"one")
    answers.put((TWO, None), answers.token(), b"two")
    answers.notice(payload)
    assert answers.get((ONE, None)) is None and answers.get((TWO, None)) is None


def test_the_least_recently_asked_answer_goes_first() -> None:
    answers = listening()  # keeps three
    for n in range(3):
        answers.put((ONE, n), answers.token(), b"answer")
    answers.get((ONE, 0))
    answers.put((TWO, None), answers.token(), b"answer")
    assert answers.get((ONE, 1)) is None
    assert all(answers.get(key) is not None for key in [(ONE, 0), (ONE, 2), (TWO, None)])


async def eventually(check: Callable[[], Any], seconds: float = 10.0) -> None:
    """Notices and a lost connection reach the worker moments after the commit: poll for them."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not within the time allowed")


async def test_a_worker_forgets_an_answer_when_a_committed_write_changes_it(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    if database.backend != "postgres":
        pytest.skip("SQLite keeps no answers: every answer is read afresh")
    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    app = create_app(settings_for(url))
    try:
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            officer = await make_user(session)
            network = await networks.create_network(session, data=NetworkCreate(name="Kept", acronym="KN"), actor=officer)
            lyon = await make_city(session, creator=officer, name="Lyon")
            await cities.add_inventory(session, city=lyon, data=InventoryCreate(year=2024, sectors=sectors(700)), actor=officer)
            await networks.join(session, network=network, city=lyon, actor=officer)
            await session.commit()

        async def by_hand(latest: float) -> None:
            """The rows changed as no write of the app changes them: without a notice."""
            async with engine.begin() as connection:
                await connection.execute(update(NetworkCountryRollup).values(latest_tco2e=latest))

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def latest() -> float:
                answer = await client.get(f"/api/v1/networks/{network.id}/progress")
                assert answer.status_code == 200
                return float(answer.json()["total_latest_emissions_tco2e"])

            def seen(value: float) -> Callable[[], Any]:
                async def check() -> bool:
                    return await latest() == value
                return check

            async def is_listening() -> bool:
                return bool(app.state.network_answers.answers.listening)

            assert await latest() == 700  # the first question starts the listener
            await eventually(is_listening)
            assert await latest() == 700
            await by_hand(1.0)
            assert await latest() == 700  # kept: nothing said the figures changed

            async with sessions() as session:
                await cities.replace_inventory(session, city=lyon, year=2024, actor=officer,
                                               data=InventoryReplace(sectors=sectors(850), reason="recount"))
                await session.commit()
            await eventually(seen(850))
            await by_hand(2.0)
            assert await latest() == 850

            # The listener's connection cut: the worker could miss the next write, so it forgets what it
            # kept and keeps nothing until it listens again.
            pid = app.state.network_answers.connection.get_server_pid()
            async with engine.begin() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await eventually(seen(2.0))
            await eventually(is_listening)
            assert await latest() == 2.0
            await by_hand(3.0)
            assert await latest() == 2.0  # kept again
    finally:
        await network_answers.close(app)
        await close_driver_pool(app)
        await app.state.engine.dispose()
        await engine.dispose()
        await drop_postgres_database(url)
