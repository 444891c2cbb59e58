"""The network figures stay right after every kind of write that changes them.

Each test writes through the services, as the API and the pages do, then checks a few figures
worked out by hand and every view of the network against expected.py, which recomputes them
from the source rows.
"""

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import InventoryCreate, InventoryReplace, PlanWrite
from app.networks import rollup
from app.networks import service as networks
from app.networks.models import CityYearRollup, NetworkCountryRollup, NetworkRollup, NetworkYearRollup
from app.networks.schemas import NetworkCreate
from app.projects import reporting
from app.projects.models import Project
from app.projects.schemas import OutcomeCreate, VerificationCreate
from tests.factories import (
    add_participant,
    make_city,
    make_company,
    make_project,
    make_user,
    make_verifier,
    set_project_status,
)
from tests.networks.conftest import sectors
from tests.networks.expected import check_every_view

API = "/api/v1"


def plan(baseline: float, *, status: str = "published", reduction: float = 50) -> PlanWrite:
    return PlanWrite(title="Plan", baseline_year=2020, baseline_emissions_tco2e=baseline,
                     targets=[{"year": 2030, "reduction_pct": reduction}], status=status)


async def progress(client: httpx.AsyncClient, network: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/networks/{network['id']}/progress", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def network_of(session: AsyncSession, network: dict[str, Any]) -> Any:
    return await networks.get_network(session, network["id"])


async def again(session: AsyncSession, project: Project) -> Project:
    """The project as stored: each API call of the test client starts a new unit of work."""
    return await session.get(Project, project.id)  # type: ignore[return-value]


async def test_an_added_inventory_moves_the_latest_figures_and_the_timeseries(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, berlin, grenoble = network["officer"], network["cities"]["Berlin"], network["cities"]["Grenoble"]
    await cities.add_inventory(session, city=berlin, data=InventoryCreate(year=2024, sectors=sectors(1800)), actor=officer)
    body = await progress(client, network)
    assert body["total_latest_emissions_tco2e"] == 700 + 520 + 1800
    assert body["timeseries"][-1] == {"year": 2024, "emissions_tco2e": 700 + 1800, "cities_reporting": 2}
    assert {c["country_code"]: c["total_latest_emissions_tco2e"] for c in body["by_country"]}["DE"] == 1800

    # An older year: the latest figures stay, the timeseries and that year's view gain it.
    await cities.add_inventory(session, city=grenoble, data=InventoryCreate(year=2021, sectors=sectors(600)), actor=officer)
    body = await progress(client, network)
    assert body["total_latest_emissions_tco2e"] == 700 + 520 + 1800
    assert body["timeseries"][0] == {"year": 2021, "emissions_tco2e": 600, "cities_reporting": 1}
    year = await progress(client, network, year=2021)
    assert (year["cities_with_inventories"], year["total_latest_emissions_tco2e"]) == (1, 600)
    # Grenoble's 2021 path: 500 → 250 by 2030 gives 475 in 2021; 600 is above it.
    assert year["cities_on_track"] == 0 and year["aggregate_reduction_pct"] == round((500 - 600) / 500 * 100, 2)
    await check_every_view(client, session, network["id"])


async def test_a_corrected_inventory_replaces_the_old_figures_in_every_view(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, lyon = network["officer"], network["cities"]["Lyon"]
    await cities.replace_inventory(session, city=lyon, year=2022, actor=officer,
                                   data=InventoryReplace(sectors=sectors(950), reason="late invoices"))
    body = await progress(client, network)
    assert body["total_latest_emissions_tco2e"] == 700 + 520 + 2000  # 2022 is not Lyon's latest year
    assert body["timeseries"][0] == {"year": 2022, "emissions_tco2e": 950 + 520, "cities_reporting": 2}
    # Lyon's 2022 path is 900: 950 is above it now.
    assert (await progress(client, network, year=2022))["cities_on_track"] == 0

    await cities.replace_inventory(session, city=lyon, year=2024, actor=officer,
                                   data=InventoryReplace(sectors=sectors(780), reason="recount"))
    year = await progress(client, network, year=2024)
    assert (year["total_latest_emissions_tco2e"], year["cities_on_track"]) == (780, 1)  # the 2024 path is 800
    assert {s["sector"]: s["emissions_tco2e"] for s in year["by_sector"]}["transportation"] == pytest.approx(780 * 0.3)
    await check_every_view(client, session, network["id"])


async def test_a_published_or_changed_plan_moves_baselines_and_standing(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, berlin, lyon, grenoble = (network["officer"], network["cities"]["Berlin"], network["cities"]["Lyon"],
                                       network["cities"]["Grenoble"])
    await cities.put_plan(session, city=berlin, data=plan(2500, status="draft"), actor=officer)
    assert (await progress(client, network))["cities_with_plans"] == 2  # a draft counts for nothing

    await cities.put_plan(session, city=berlin, data=plan(2500), actor=officer)
    body = await progress(client, network)
    assert (body["cities_with_plans"], body["total_baseline_emissions_tco2e"]) == (3, 1000 + 500 + 2500)
    # Berlin 2023: the path 2500 → 1250 by 2030 gives 2125; 2000 is below it.
    assert body["cities_on_track"] == 2
    assert (await progress(client, network, year=2023))["cities_on_track"] == 1

    # Lyon's baseline drops to 800: its 2024 path is 640, and 700 is above it.
    await cities.put_plan(session, city=lyon, data=plan(800), actor=officer)
    body = await progress(client, network)
    assert body["cities_on_track"] == 1 and body["total_baseline_emissions_tco2e"] == 800 + 500 + 2500
    assert (await progress(client, network, year=2024))["cities_on_track"] == 0

    # Back to a draft: Grenoble's baseline leaves every sum.
    await cities.put_plan(session, city=grenoble, data=plan(500, status="draft"), actor=officer)
    body = await progress(client, network, country_code="FR")
    assert (body["cities_with_plans"], body["total_baseline_emissions_tco2e"]) == (1, 800)
    await check_every_view(client, session, network["id"])


async def test_joining_and_leaving_add_and_remove_the_city_everywhere(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer = network["officer"]
    madrid = await make_city(session, creator=officer, name="Madrid", country_code="ES", subdivision_code=None,
                             latitude=40.4, longitude=-3.7)
    await cities.put_plan(session, city=madrid, data=plan(3000), actor=officer)
    await cities.add_inventory(session, city=madrid, data=InventoryCreate(year=2022, sectors=sectors(2900)), actor=officer)
    project = await make_project(session, madrid, actor=officer)
    team = await make_user(session)
    await add_participant(session, project, await make_company(session, creator=team), actor=officer, accept_as=team)
    assert (await progress(client, network))["member_cities"] == 3

    await networks.join(session, network=await network_of(session, network), city=madrid, actor=officer)
    body = await progress(client, network)
    assert body["member_cities"] == 4 and [c["country_code"] for c in body["by_country"]] == ["DE", "ES", "FR"]
    assert body["timeseries"][0] == {"year": 2022, "emissions_tco2e": 900 + 520 + 2900, "cities_reporting": 3}
    assert (body["projects"]["proposed"], body["participating_companies"]) == (1, 1)
    await check_every_view(client, session, network["id"])

    await networks.leave(session, network=await network_of(session, network), city_id=madrid.id, actor=officer)
    body = await progress(client, network)
    assert body["member_cities"] == 3 and [c["country_code"] for c in body["by_country"]] == ["DE", "FR"]
    assert (body["projects"]["proposed"], body["participating_companies"]) == (0, 0)
    spain = await progress(client, network, country_code="ES")
    assert (spain["member_cities"], spain["by_country"], spain["timeseries"]) == (0, [], [])
    await check_every_view(client, session, network["id"])


async def test_project_moves_places_and_verified_outcomes_count_once_each(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, lyon, berlin = network["officer"], network["cities"]["Lyon"], network["cities"]["Berlin"]
    team = await make_user(session)
    firm, other = await make_company(session, creator=team, name="Firm"), await make_company(session, creator=team, name="Other")
    heating = await make_project(session, lyon, actor=officer)
    assert (await progress(client, network))["projects"] == {"proposed": 1, "active": 0, "completed": 0}

    await add_participant(session, heating, firm, actor=officer, accept_as=team)
    await add_participant(session, heating, other, actor=officer)  # invited only: no place yet
    assert (await progress(client, network))["participating_companies"] == 1
    await set_project_status(session, await again(session, heating), "active", actor=officer)
    assert (await progress(client, network))["projects"] == {"proposed": 0, "active": 1, "completed": 0}

    # The same firm in a German project: once in the network, once in each country.
    trams = await make_project(session, berlin, actor=officer, title="Trams")
    await add_participant(session, trams, firm, actor=officer, accept_as=team)
    body = await progress(client, network)
    assert (body["participating_companies"], body["projects"]["proposed"]) == (1, 1)
    assert (await progress(client, network, country_code="DE"))["participating_companies"] == 1
    assert (await progress(client, network, country_code="FR"))["participating_companies"] == 1

    auditor = await make_user(session)
    await make_verifier(session, creator=auditor)
    decisions = []
    for reduction, outcome in ((120.0, "verified"), (40.0, "rejected"), (15.0, None)):
        start = date(2024, 1, 1) if reduction == 120.0 else date(2025, 1, 1) if reduction == 40.0 else date(2026, 1, 1)
        heating = await again(session, heating)
        added = await reporting.add_outcome(session, project=heating, actor=officer, data=OutcomeCreate(
            period_start=start, period_end=start.replace(month=12, day=31), reduction_tco2e=reduction, method="metered",
            attributions=[{"company_id": firm.id, "share_pct": 100}]))
        if outcome is not None:
            decisions.append(await reporting.verify_outcome(session, project=heating, outcome=added, actor=auditor,
                                                            data=VerificationCreate(outcome=outcome, assurance_level="limited",
                                                                                    statement="Checked the meters.")))
    body = await progress(client, network)
    assert body["verified_corporate_reductions_tco2e"] == 120.0  # not the rejected one, not the undecided one
    assert (await progress(client, network, country_code="DE"))["verified_corporate_reductions_tco2e"] == 0

    await set_project_status(session, await again(session, heating), "completed", actor=officer)
    await set_project_status(session, await again(session, trams), "cancelled", actor=officer)
    body = await progress(client, network)
    assert body["projects"] == {"proposed": 0, "active": 0, "completed": 1}
    assert body["participating_companies"] == 1 and body["verified_corporate_reductions_tco2e"] == 120.0
    await check_every_view(client, session, network["id"])


async def test_a_city_in_two_networks_moves_both(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, lyon = network["officer"], network["cities"]["Lyon"]
    second = await networks.create_network(session, data=NetworkCreate(name="Second", acronym="S2"), actor=officer)
    await networks.join(session, network=second, city=lyon, actor=officer)
    await cities.add_inventory(session, city=lyon, data=InventoryCreate(year=2025, sectors=sectors(650)), actor=officer)
    await make_project(session, lyon, actor=officer)
    for network_id, latest in ((network["id"], 650 + 520 + 2000), (second.id, 650)):
        body = (await client.get(f"{API}/networks/{network_id}/progress")).json()
        assert body["total_latest_emissions_tco2e"] == latest and body["projects"]["proposed"] == 1
        await check_every_view(client, session, network_id)


async def test_an_unknown_network_is_404_and_an_empty_country_is_zeroes(
    client: httpx.AsyncClient, network: dict[str, Any]
) -> None:
    assert (await client.get(f"{API}/networks/01a224f5-0000-7000-8000-000000000000/progress")).status_code == 404
    body = await progress(client, network, country_code="JP", year=2022)
    assert (body["member_cities"], body["by_country"], body["participating_companies"]) == (0, [], 0)


async def rollup_rows(session: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    tables = {}
    for model in (CityYearRollup, NetworkRollup, NetworkCountryRollup, NetworkYearRollup):
        table = model.__table__
        rows = (await session.execute(select(table).order_by(*table.primary_key.columns))).all()
        tables[table.name] = [tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows]
    return tables


async def test_rebuilding_from_scratch_finds_what_the_writes_kept(
    client: httpx.AsyncClient, session: AsyncSession, network: dict[str, Any]
) -> None:
    officer, berlin, lyon = network["officer"], network["cities"]["Berlin"], network["cities"]["Lyon"]
    await cities.put_plan(session, city=berlin, data=plan(2500), actor=officer)
    await cities.add_inventory(session, city=berlin, data=InventoryCreate(year=2025, sectors=sectors(1900)), actor=officer)
    team = await make_user(session)
    project = await make_project(session, lyon, actor=officer)
    await add_participant(session, project, await make_company(session, creator=team), actor=officer, accept_as=team)
    await networks.leave(session, network=await network_of(session, network), city_id=network["cities"]["Grenoble"].id,
                         actor=officer)
    await session.flush()
    kept = await rollup_rows(session)
    await rollup.rebuild(session)
    rebuilt = await rollup_rows(session)
    # A country whose last city left keeps a row of zeroes; a rebuild has no row for it.
    kept["network_country_rollup"] = [r for r in kept["network_country_rollup"] if r[2] > 0]
    assert rebuilt == kept


async def test_the_demo_loads_with_its_rollups_right(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from app.demo import load as demo_load
    from app.demo.generate import generate

    await demo_load.load(session, generate("small"))
    network_ids = list(await session.scalars(select(NetworkCountryRollup.network_id).distinct()))
    assert network_ids
    for network_id in network_ids:
        await check_every_view(client, session, network_id)


async def test_the_migration_backfills_what_a_rebuild_computes(database: Any, tmp_path: Any) -> None:
    from alembic import command

    from app.db import make_engine, make_sessionmaker
    from app.demo import load as demo_load
    from app.demo.generate import generate
    from app.migrations import run_on_connection
    from tests.conftest import drop_postgres_database, fresh_database_url, migrate

    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with make_sessionmaker(engine)() as session:
            await demo_load.load(session, generate("small"))
            await session.commit()
            rebuilt = await rollup_rows(session)
        assert all(rebuilt.values())
        async with engine.connect() as connection:
            # Back to just before the network rollups' migration (0012), and up again.
            await run_on_connection(connection, command.downgrade, "0011")
            await run_on_connection(connection, command.upgrade, "head")
            await connection.commit()
        async with make_sessionmaker(engine)() as session:
            assert await rollup_rows(session) == rebuilt
    finally:
        await engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)
