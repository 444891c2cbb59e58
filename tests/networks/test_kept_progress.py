"""A worker keeps a network's progress until a committed write of the app says the figures changed."""

from collections.abc import Awaitable, Callable

from sqlalchemy import update

from app.cities import service as cities
from app.cities.schemas import InventoryCreate, InventoryReplace
from app.networks import service as networks
from app.networks.models import NetworkCountryRollup
from app.networks.schemas import NetworkCreate
from tests.conftest import Worker, eventually
from tests.factories import make_city, make_user
from tests.networks.conftest import sectors


async def test_a_worker_forgets_an_answer_when_a_committed_write_changes_it(worker: Worker) -> None:
    async with worker.sessions() as session:
        officer = await make_user(session)
        network = await networks.create_network(session, data=NetworkCreate(name="Kept", acronym="KN"), actor=officer)
        lyon = await make_city(session, creator=officer, name="Lyon")
        await cities.add_inventory(session, city=lyon, data=InventoryCreate(year=2024, sectors=sectors(700)), actor=officer)
        await networks.join(session, network=network, city=lyon, actor=officer)
        await session.commit()

    async def by_hand(latest: float) -> None:
        """The rows changed as no write of the app changes them: without a notice."""
        async with worker.engine.begin() as connection:
            await connection.execute(update(NetworkCountryRollup).values(latest_tco2e=latest))

    async def latest() -> float:
        answer = await worker.client.get(f"/api/v1/networks/{network.id}/progress")
        assert answer.status_code == 200
        return float(answer.json()["total_latest_emissions_tco2e"])

    def seen(value: float) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return await latest() == value
        return check

    assert await latest() == 700  # the first question starts the listener
    await eventually(worker.listening)
    assert await latest() == 700
    await by_hand(1.0)
    assert await latest() == 700  # kept: nothing said the figures changed

    async with worker.sessions() as session:
        await cities.replace_inventory(session, city=lyon, year=2024, actor=officer,
                                       data=InventoryReplace(sectors=sectors(850), reason="recount"))
        await session.commit()
    await eventually(seen(850))
    await by_hand(2.0)
    assert await latest() == 850

    # The listener's connection cut: the worker could miss the next write, so it forgets what it kept
    # and keeps nothing until it listens again.
    await worker.cut_listener()
    await eventually(seen(2.0))
    await eventually(worker.listening)
    assert await latest() == 2.0
    await by_hand(3.0)
    assert await latest() == 2.0  # kept again
