"""A worker keeps a city's matches until the database says a committed write changed what they read:
the city, its plan, its actions or its (city, company) pair rows (alembic revision 0014)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from app.common import answers, driver
from app.common.reads import close_driver_pool
from app.companies import service as companies
from app.companies.schemas import CommitmentWrite
from app.main import create_app
from app.matching.service import MATCHES
from tests.conftest import Worker, eventually, settings_for
from tests.factories import auth_headers, make_action, make_city, make_company, make_facility, make_user

MARK = "mark"


class Notices:
    """What the database says on the matches' channel, heard as a worker hears it."""

    def __init__(self, worker: Worker, connection: asyncpg.Connection) -> None:
        self.worker = worker
        self.connection = connection
        self.heard: asyncio.Queue[str] = asyncio.Queue()

    async def after(self, statement: str, **parameters: Any) -> list[str]:
        """The notices a committed statement sends: all that arrive before a mark sent after it commits
        (PostgreSQL delivers notices in the order their transactions commit)."""
        async with self.worker.engine.begin() as database:
            await database.execute(text(statement), parameters)
        return await self.until_mark()

    async def until_mark(self) -> list[str]:
        async with self.worker.engine.begin() as database:
            await database.execute(text("SELECT pg_notify(:channel, :mark)"), {"channel": MATCHES.channel, "mark": MARK})
        said = []
        while (notice := await asyncio.wait_for(self.heard.get(), 10)) != MARK:
            said.append(notice)
        return said


@pytest.fixture
async def notices(worker: Worker) -> AsyncIterator[Notices]:
    connection = await asyncpg.connect(driver.dsn(worker.engine.url))
    found = Notices(worker, connection)
    await connection.add_listener(MATCHES.channel, lambda *args: found.heard.put_nowait(args[-1]))
    try:
        yield found
    finally:
        await connection.close()


async def local_scene(worker: Worker, cities: int = 1) -> tuple[list[Any], list[Any], Any]:
    """Cities, each with a published plan, an action and a firm standing in it; the firms; the user
    who made them all."""
    async with worker.sessions() as session:
        officer = await make_user(session)
        found, firms = [], []
        for n in range(cities):
            latitude, longitude = 10.0 + n % 50, 10.0 + 2 * (n // 50)  # a degree or more apart
            city = await make_city(session, creator=officer, name=f"City {n}", latitude=latitude, longitude=longitude)
            await make_action(session, city, actor=officer)
            firm = await make_company(session, creator=officer, name=f"Firm {n}", sector="D")
            await make_facility(session, firm, actor=officer, latitude=latitude + 0.001, longitude=longitude)
            found.append(city)
            firms.append(firm)
        await session.commit()
    return found, firms, officer


async def test_every_statement_on_what_matches_read_names_the_cities_it_touched(worker: Worker, notices: Notices) -> None:
    (lyon, nancy), _, _ = await local_scene(worker, cities=2)
    await notices.until_mark()  # what the scene itself said
    one, both = [str(lyon.id)], {str(lyon.id), str(nancy.id)}
    for table, column in [("city", "id"), ("city_plan", "city_id"), ("plan_action", "city_id"), ("city_company", "city_id")]:
        assert await notices.after(f"UPDATE {table} SET {column} = {column} WHERE {column} = :city", city=lyon.id) == one
        said = await notices.after(f"UPDATE {table} SET {column} = {column} WHERE {column} IN (:one, :two)",
                                   one=lyon.id, two=nancy.id)
        assert len(said) == 1 and set(said[0].split(",")) == both
        assert await notices.after(f"UPDATE {table} SET {column} = {column} WHERE {column} = :city", city=uuid.uuid4()) == []
    assert await notices.after("DELETE FROM plan_action WHERE city_id = :city", city=nancy.id) == [str(nancy.id)]
    # A city removed takes its plan and pairs along (ON DELETE CASCADE): each statement names it.
    assert set(await notices.after("DELETE FROM city WHERE id = :city", city=nancy.id)) == {str(nancy.id)}
    assert await notices.after("TRUNCATE city_company") == ["*"]

    async with worker.engine.connect() as database:
        await database.execute(text("UPDATE city SET name = 'Never' WHERE id = :city"), {"city": lyon.id})
        await database.rollback()
    assert await notices.until_mark() == []  # a write rolled back says nothing

    async with worker.sessions() as session:  # an insert, through the app's own write
        await make_action(session, lyon, actor=await make_user(session), title="Solar roofs")
        await session.commit()
    assert set(await notices.until_mark()) == set(one)


async def test_a_statement_touching_more_cities_than_a_notice_holds_says_every_city(worker: Worker, notices: Notices) -> None:
    await local_scene(worker, cities=101)
    await notices.until_mark()
    assert await notices.after("UPDATE city SET name = name") == ["*"]


async def test_a_worker_keeps_a_citys_matches_until_a_committed_write_changes_them(worker: Worker) -> None:
    (lyon,), (firm,), officer = await local_scene(worker)
    async with worker.sessions() as session:
        headers = await auth_headers(session, officer)
        stranger = await auth_headers(session, await make_user(session))
        await session.commit()
    url = f"/api/v1/cities/{lyon.id}/matches"

    async def matches(**params: Any) -> list[dict[str, Any]]:
        answer = await worker.client.get(url, headers=headers, params=params)
        assert answer.status_code == 200
        return list(answer.json()["items"])

    def seen(check: Callable[[list[dict[str, Any]]], bool]) -> Callable[[], Awaitable[bool]]:
        async def asked() -> bool:
            return check(await matches())
        return asked

    async def by_hand(statement: str, *, heard: bool) -> None:
        """Rows changed outside the app; with the triggers off (as a replica applies rows), no notice goes."""
        async with worker.engine.begin() as database:
            if not heard:
                await database.execute(text("SET LOCAL session_replication_role = replica"))
            await database.execute(text(statement), {"city": lyon.id})

    [first] = await matches()  # the first question starts the listener
    assert first["company_name"] == "Firm 0" and first["climate_active"] is False
    await eventually(worker.listening)
    await matches()
    await by_hand("UPDATE city_company SET name = 'Unheard' WHERE city_id = :city", heard=False)
    assert (await matches())[0]["company_name"] == "Firm 0"  # kept: nothing said the matches changed
    assert (await matches(limit=1))[0]["company_name"] == "Unheard"  # another question is read afresh
    # Kept or not, only the city's members see its matches.
    assert (await worker.client.get(url, headers=stranger)).status_code == 403

    await by_hand("UPDATE city SET name = 'Lyon Métropole' WHERE id = :city", heard=True)
    await eventually(seen(lambda items: items[0]["city_name"] == "Lyon Métropole"))

    # A firm's commitment reaches its pair rows through the app's write.
    async with worker.sessions() as session:
        commitment = CommitmentWrite(targets=[{"base_year": 2019, "target_year": 2030, "reduction_pct": 50, "scopes": [1, 2]}],
                                     sbti_status="validated")
        await companies.put_commitment(session, company=firm, actor=officer, data=commitment)
        await session.commit()
    await eventually(seen(lambda items: items[0]["climate_active"] is True))


async def test_a_worker_that_cannot_listen_keeps_nothing(worker: Worker) -> None:
    """Behind a pooler in transaction mode LISTEN hears nothing: kept answers would never be forgotten."""
    (lyon,), _, officer = await local_scene(worker)
    async with worker.sessions() as session:
        headers = await auth_headers(session, officer)
        await session.commit()
    app = create_app(settings_for(worker.url, keep_answers=False))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:

            async def first_name() -> str:
                answer = await client.get(f"/api/v1/cities/{lyon.id}/matches", headers=headers)
                return str(answer.json()["items"][0]["company_name"])

            async def settled() -> bool:  # were a listener started, it would be listening now
                found = answers.listener(app)
                return found is None or found.listening

            assert await first_name() == "Firm 0"
            await eventually(settled)
            assert await first_name() == "Firm 0"
            async with worker.engine.begin() as database:  # unheard even if anyone listened
                await database.execute(text("SET LOCAL session_replication_role = replica"))
                await database.execute(text("UPDATE city_company SET name = 'Renamed'"))
            assert await first_name() == "Renamed"
        assert answers.listener(app) is None
    finally:
        await close_driver_pool(app)
        await app.state.engine.dispose()
