"""Network aggregates against sums computed independently here."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import InventoryReplace
from app.networks import service as networks
from app.networks.schemas import NetworkCreate
from tests.factories import make_user
from tests.networks.conftest import sectors

API = "/api/v1"


async def test_latest_figures_sum_the_member_cities_only(client: httpx.AsyncClient, network: dict) -> None:  # type: ignore[type-arg]
    body = (await client.get(f"{API}/networks/{network['id']}/progress")).json()
    assert body["member_cities"] == 3
    assert body["cities_with_plans"] == 2
    assert body["cities_with_inventories"] == 3
    assert body["total_baseline_emissions_tco2e"] == 1000 + 500
    assert body["total_latest_emissions_tco2e"] == 700 + 520 + 2000
    # Over the cities with both a baseline and an inventory: (1500 − 1220) / 1500.
    assert body["aggregate_reduction_pct"] == round((1500 - 1220) / 1500 * 100, 2)
    # Lyon 2024: path 1000 → 500 by 2030 gives 800 in 2024; 700 is on track. Grenoble 2022: path 450, 520 is not.
    assert body["cities_on_track"] == 1
    assert {s["sector"]: s["emissions_tco2e"] for s in body["by_sector"]}["stationary_energy"] == pytest.approx(3220 * 0.5)
    assert body["timeseries"] == [
        {"year": 2022, "emissions_tco2e": 900 + 520, "cities_reporting": 2},
        {"year": 2023, "emissions_tco2e": 2000, "cities_reporting": 1},
        {"year": 2024, "emissions_tco2e": 700, "cities_reporting": 1},
    ]
    by_country = {c["country_code"]: c for c in body["by_country"]}
    assert by_country["FR"]["member_cities"] == 2 and by_country["FR"]["total_latest_emissions_tco2e"] == 1220
    assert by_country["DE"]["cities_with_plans"] == 0
    assert body["projects"] == {"proposed": 0, "active": 0, "completed": 0}


async def test_one_year_and_one_country(client: httpx.AsyncClient, network: dict) -> None:  # type: ignore[type-arg]
    url = f"{API}/networks/{network['id']}/progress"
    year = (await client.get(url, params={"year": 2022})).json()
    assert year["cities_with_inventories"] == 2
    assert year["total_latest_emissions_tco2e"] == 900 + 520
    # 2022 path: 900 for both (1000 → 500 over ten years, 900 in 2022) and 450 for Grenoble.
    assert year["cities_on_track"] == 1
    assert [p["year"] for p in year["timeseries"]] == [2022]
    germany = (await client.get(url, params={"country_code": "de"})).json()
    assert germany["member_cities"] == 1 and germany["total_latest_emissions_tco2e"] == 2000
    assert (await client.get(url, params={"year": 1800})).status_code == 422


async def test_progress_follows_every_write(client: httpx.AsyncClient, session: AsyncSession, network: dict) -> None:  # type: ignore[type-arg]
    lyon = network["cities"]["Lyon"]
    await cities.replace_inventory(session, city=lyon, year=2024, data=InventoryReplace(sectors=sectors(850), reason="recount"),
                                   actor=network["officer"])
    body = (await client.get(f"{API}/networks/{network['id']}/progress")).json()
    assert body["total_latest_emissions_tco2e"] == 850 + 520 + 2000
    assert body["cities_on_track"] == 0
    grenoble = network["cities"]["Grenoble"]
    await networks.leave(session, network=await networks.get_network(session, network["id"]), city_id=grenoble.id,
                         actor=network["officer"])
    body = (await client.get(f"{API}/networks/{network['id']}/progress")).json()
    assert body["member_cities"] == 2 and body["total_baseline_emissions_tco2e"] == 1000


async def test_an_empty_network_has_zeroes_not_errors(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    empty = await networks.create_network(session, data=NetworkCreate(name="Empty", acronym="E"), actor=officer)
    body = (await client.get(f"{API}/networks/{empty.id}/progress")).json()
    assert body["member_cities"] == 0 and body["aggregate_reduction_pct"] is None and body["timeseries"] == []


async def test_project_figures_count_member_cities_only(client: httpx.AsyncClient, session: AsyncSession, network: dict) -> None:  # type: ignore[type-arg]
    from datetime import date

    from app.projects import reporting
    from app.projects.schemas import OutcomeCreate, VerificationCreate
    from tests.factories import (
        add_participant, make_company, make_city, make_project, make_verifier, set_project_status,
    )

    officer, lyon = network["officer"], network["cities"]["Lyon"]
    team = await make_user(session)
    firms = [await make_company(session, creator=team, name=f"Firm {n}") for n in range(3)]
    active = await make_project(session, lyon, actor=officer)
    for firm in firms[:2]:
        await add_participant(session, active, firm, actor=officer, accept_as=team)
    await set_project_status(session, active, "active", actor=officer)
    await make_project(session, lyon, actor=officer, title="Proposed one")
    cancelled = await make_project(session, network["cities"]["Grenoble"], actor=officer, title="Dropped")
    await add_participant(session, cancelled, firms[0], actor=officer, accept_as=team)
    await set_project_status(session, cancelled, "cancelled", actor=officer)
    outcome = await reporting.add_outcome(session, project=active, actor=officer, data=OutcomeCreate(
        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), reduction_tco2e=120.0, method="metered",
        attributions=[{"company_id": firms[0].id, "share_pct": 60}]))
    auditor = await make_user(session)
    await make_verifier(session, creator=auditor)
    await reporting.verify_outcome(session, project=active, outcome=outcome, actor=auditor, data=VerificationCreate(
        outcome="verified", assurance_level="limited", statement="Checked the meters."))
    outsider = await make_city(session, creator=officer, name="Elsewhere", latitude=0, longitude=0)
    other = await make_project(session, outsider, actor=officer)
    await add_participant(session, other, firms[2], actor=officer, accept_as=team)

    body = (await client.get(f"{API}/networks/{network['id']}/progress")).json()
    assert body["projects"] == {"proposed": 1, "active": 1, "completed": 0}
    assert body["participating_companies"] == 2  # Firm 0 counts once; Firm 2 is outside the network
    assert body["verified_corporate_reductions_tco2e"] == 120.0
    rows = {r["city"]: r for r in (await client.get(f"{API}/networks/{network['id']}/export.csv", params={"format": "json"})).json()["items"]}
    assert (rows["Lyon"]["projects"], rows["Lyon"]["participating_companies"], rows["Lyon"]["verified_corporate_reductions_tco2e"]) == (2, 2, 120.0)
    assert rows["Grenoble"]["projects"] == 0 and rows["Grenoble"]["participating_companies"] == 1
