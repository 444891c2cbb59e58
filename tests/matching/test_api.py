"""Matches through the API: both directions, the action filter, and who may see them."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import ActionCreate, PlanWrite
from app.companies import service as companies
from app.companies.schemas import CommitmentWrite
from app.identity.models import Role
from tests.factories import LYON, add_member, auth_headers, make_city, make_company, make_facility, make_user

API = "/api/v1"


async def scene(session: AsyncSession) -> dict:  # type: ignore[type-arg]
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    plan = PlanWrite(title="Plan", baseline_year=2020, baseline_emissions_tco2e=1e6,
                     targets=[{"year": 2030, "reduction_pct": 50}], status="published")
    await cities.put_plan(session, city=city, data=plan, actor=officer)
    buses = await cities.create_action(session, city=city, actor=officer, data=ActionCreate(
        title="Electrify buses", sector="transportation", partner_sectors=["H"], expected_reduction_tco2e=5000))
    heat = await cities.create_action(session, city=city, actor=officer, data=ActionCreate(
        title="District heating", sector="stationary_energy", partner_sectors=["D"], expected_reduction_tco2e=9000))
    team = await make_user(session)
    transit = await make_company(session, creator=team, name="Lyon Transit", sector="H")
    await make_facility(session, transit, actor=team)
    utility = await make_company(session, name="Rhône Energy", sector="D")
    await make_facility(session, utility, actor=team)
    await companies.put_commitment(session, company=utility, actor=team, data=CommitmentWrite(
        targets=[{"base_year": 2019, "target_year": 2030, "reduction_pct": 50, "scopes": [1, 2]}], sbti_status="validated"))
    elsewhere = await make_company(session, name="Paris Logistics", sector="H")
    await make_facility(session, elsewhere, actor=team, latitude=48.85, longitude=2.35)
    return {"officer": officer, "city": city, "buses": buses, "heat": heat, "team": team, "transit": transit,
            "utility": utility, "elsewhere": elsewhere}


async def test_city_members_see_ranked_explained_matches_of_local_firms_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    s = await scene(session)
    response = await client.get(f"{API}/cities/{s['city'].id}/matches", headers=await auth_headers(session, s["officer"]))
    assert response.status_code == 200
    items = response.json()["items"]
    assert {i["company_name"] for i in items} == {"Lyon Transit", "Rhône Energy"}
    assert len(items) == 4  # two firms × two actions
    assert [i["score"] for i in items] == sorted((i["score"] for i in items), reverse=True)
    assert all(0 <= i["score"] <= 1 for i in items)
    best = {(i["company_name"], i["action_title"]) for i in items[:2]}
    assert best == {("Lyon Transit", "Electrify buses"), ("Rhône Energy", "District heating")}
    transit = next(i for i in items if i["company_name"] == "Lyon Transit")
    assert transit["climate_active"] is False
    assert {r["factor"] for r in transit["reasons"]} == {"sector_fit", "co_location", "emissions_materiality",
                                                         "climate_activity", "target_alignment"}
    assert any("invite" in r["detail"] for r in transit["reasons"])


async def test_one_action_and_paging(client: httpx.AsyncClient, session: AsyncSession) -> None:
    s = await scene(session)
    headers = await auth_headers(session, s["officer"])
    url = f"{API}/cities/{s['city'].id}/matches"
    buses = (await client.get(url, params={"action_id": str(s["buses"].id)}, headers=headers)).json()["items"]
    assert [i["company_name"] for i in buses] == ["Lyon Transit", "Rhône Energy"]
    assert {i["action_id"] for i in buses} == {str(s["buses"].id)}
    assert (await client.get(url, params={"action_id": str(uuid.uuid4())}, headers=headers)).status_code == 404
    first = (await client.get(url, params={"limit": 3}, headers=headers)).json()
    second = (await client.get(url, params={"limit": 3, "cursor": first["next_cursor"]}, headers=headers)).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 1 and second["next_cursor"] is None
    assert (await client.get(url, params={"cursor": "bogus"}, headers=headers)).status_code == 422


async def test_the_company_side(client: httpx.AsyncClient, session: AsyncSession) -> None:
    s = await scene(session)
    response = await client.get(f"{API}/companies/{s['transit'].id}/matches", headers=await auth_headers(session, s["team"]))
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["action_title"] for i in items] == ["Electrify buses", "District heating"]
    assert {i["city_id"] for i in items} == {str(s["city"].id)}
    elsewhere = await client.get(f"{API}/companies/{s['elsewhere'].id}/matches", headers=await auth_headers(session, s["team"]))
    assert elsewhere.status_code == 403  # the team is not a member of that company
    owner = await make_user(session)
    lonely = await make_company(session, creator=owner, name="Nowhere Ltd")
    assert (await client.get(f"{API}/companies/{lonely.id}/matches", headers=await auth_headers(session, owner))).json()["items"] == []


async def test_matches_are_private_to_the_members_concerned(client: httpx.AsyncClient, session: AsyncSession) -> None:
    s = await scene(session)
    url = f"{API}/cities/{s['city'].id}/matches"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=await auth_headers(session, s["team"]))).status_code == 403
    viewer = await make_user(session)
    await add_member(session, s["city"], viewer, Role.VIEWER)
    assert (await client.get(url, headers=await auth_headers(session, viewer))).status_code == 200
    assert (await client.get(f"{API}/companies/{s['transit'].id}/matches")).status_code == 401


async def test_draft_plans_offer_no_matches(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer, **{k: v for k, v in LYON.items() if k != "name"}, name="Villeurbanne")
    await cities.put_plan(session, city=city, actor=officer, data=PlanWrite(
        title="Draft", baseline_year=2020, baseline_emissions_tco2e=1, status="draft"))
    await cities.create_action(session, city=city, actor=officer, data=ActionCreate(
        title="Secret", sector="waste", expected_reduction_tco2e=1))
    team = await make_user(session)
    firm = await make_company(session, creator=team)
    await make_facility(session, firm, actor=team)
    response = await client.get(f"{API}/cities/{city.id}/matches", headers=await auth_headers(session, officer))
    assert response.json()["items"] == []


async def test_reported_emissions_make_a_firm_material_and_verified_reports_count(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from tests.factories import make_report

    s = await scene(session)
    await make_report(session, s["utility"], actor=s["team"], scope1_tco2e=9000.0, scope2_location_tco2e=1000.0)
    await make_report(session, s["transit"], actor=s["team"], scope1_tco2e=900.0, scope2_location_tco2e=100.0)
    items = (await client.get(f"{API}/cities/{s['city'].id}/matches", params={"action_id": str(s["heat"].id)},
                              headers=await auth_headers(session, s["officer"]))).json()["items"]
    reasons = {i["company_name"]: {r["factor"]: r for r in i["reasons"]} for i in items}
    # 10,000 of the 11,000 tonnes firms report in the city: the utility is fully material, the transit firm partly.
    assert reasons["Rhône Energy"]["emissions_materiality"]["value"] == 1.0
    assert reasons["Lyon Transit"]["emissions_materiality"]["value"] == round((1000 / 11000) / 0.2, 3)
    assert "10,000 tCO2e reported there" in reasons["Rhône Energy"]["co_location"]["detail"]
    assert items[0]["company_name"] == "Rhône Energy"
