"""Cities, plans, actions, inventories and progress through the API."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City
from app.identity.models import Role
from tests.factories import LYON, add_member, auth_headers, make_city, make_user

API = "/api/v1"
PLAN = {
    "title": "Lyon climate plan", "baseline_year": 2020, "baseline_emissions_tco2e": 1000.0,
    "targets": [{"year": 2030, "reduction_pct": 50, "kind": "absolute"}, {"year": 2050, "reduction_pct": 100, "kind": "net_zero"}],
    "status": "published",
}
SECTORS = {"stationary_energy": 300, "transportation": 250, "waste": 50, "ippu": 100, "afolu": 0}


async def test_create_city_makes_the_creator_admin(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(session, user)
    response = await client.post(f"{API}/cities", json=LYON, headers=headers)
    assert response.status_code == 201
    city = response.json()
    assert city["name"] == "Lyon" and city["subdivision_code"] == "FR-ARA"
    assert city["effective_radius_km"] > 0 and response.headers["etag"]
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    assert {"organization_id": city["id"], "kind": "city", "role": "admin"}.items() <= me["memberships"][0].items()
    public = await client.get(f"{API}/cities/{city['id']}")
    assert public.status_code == 200 and public.json()["id"] == city["id"]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"country_code": "XX"}, "country_code"),
        ({"subdivision_code": "FR-ZZZ"}, "subdivision_code"),
        ({"subdivision_code": "DE-BY"}, None),
        ({"latitude": 91}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"population": -5}, "population"),
        ({"radius_km": 0}, "radius_km"),
        ({"boundary": {"type": "Polygon", "coordinates": [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.7], [4.85, 45.6]]]}}, "boundary"),
    ],
)
async def test_bad_city_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, change: dict, where: str | None  # type: ignore[type-arg]
) -> None:
    headers = await auth_headers(session, await make_user(session))
    before = await session.scalar(select(func.count()).select_from(City))
    response = await client.post(f"{API}/cities", json=LYON | change, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    if where:
        assert any(where in error["loc"] for error in response.json()["errors"])
    assert await session.scalar(select(func.count()).select_from(City)) == before


async def test_invalid_polygon_names_the_problem(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await auth_headers(session, await make_user(session))
    bowtie = {"type": "Polygon", "coordinates": [[[4.8, 45.7], [4.9, 45.8], [4.9, 45.7], [4.8, 45.8], [4.8, 45.7]]]}
    response = await client.post(f"{API}/cities", json=LYON | {"boundary": bowtie}, headers=headers)
    assert response.status_code == 422
    assert "Self-intersection" in response.json()["errors"][0]["msg"]


async def test_patch_needs_an_editor_and_honours_if_match(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    viewer, outsider = await make_user(session), await make_user(session)
    await add_member(session, city, viewer, Role.VIEWER)
    url = f"{API}/cities/{city.id}"
    assert (await client.patch(url, json={"population": 1})).status_code == 401
    assert (await client.patch(url, json={"population": 1}, headers=await auth_headers(session, viewer))).status_code == 403
    assert (await client.patch(url, json={"population": 1}, headers=await auth_headers(session, outsider))).status_code == 403

    headers = await auth_headers(session, admin)
    etag = (await client.get(url)).headers["etag"]
    first = await client.patch(url, json={"population": 530_000}, headers=headers | {"If-Match": etag})
    assert first.status_code == 200 and first.headers["etag"] != etag
    stale = await client.patch(url, json={"population": 1}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    assert (await client.get(url)).json()["population"] == 530_000
    renamed = await client.patch(url, json={"name": "Lyon Métropole"}, headers=headers)
    assert renamed.json()["name"] == "Lyon Métropole"
    assert (await client.patch(url, json={"name": None}, headers=headers)).status_code == 422
    assert (await client.patch(url, json={"country_code": "DE"}, headers=headers)).status_code == 422


async def test_cities_are_listed_by_country_and_name(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_city(session)
    await make_city(session, name="Berlin", country_code="DE", subdivision_code=None, latitude=52.52, longitude=13.405)
    german = (await client.get(f"{API}/cities", params={"country_code": "DE"})).json()["items"]
    assert [c["name"] for c in german] == ["Berlin"]
    found = (await client.get(f"{API}/cities", params={"q": "yo"})).json()["items"]
    assert "Lyon" in [c["name"] for c in found] and "Berlin" not in [c["name"] for c in found]
    assert (await client.get(f"{API}/cities", params={"q": "%"})).json()["items"] == []


async def test_a_draft_plan_is_seen_by_members_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    viewer = await make_user(session)
    await add_member(session, city, viewer, Role.VIEWER)
    headers = await auth_headers(session, admin)
    put = await client.put(f"{API}/cities/{city.id}/plan", json=PLAN | {"status": "draft"}, headers=headers)
    assert put.status_code == 200 and put.json()["status"] == "draft"
    url = f"{API}/cities/{city.id}/plan"
    assert (await client.get(url)).status_code == 404
    outsider = await auth_headers(session, await make_user(session))
    assert (await client.get(url, headers=outsider)).status_code == 404
    assert (await client.get(url, headers=await auth_headers(session, viewer))).status_code == 200
    # Only editors write it.
    assert (await client.put(url, json=PLAN, headers=await auth_headers(session, viewer))).status_code == 403
    await client.put(url, json=PLAN, headers=headers)
    assert (await client.get(url)).json()["targets"][0] == {"year": 2030, "reduction_pct": 50.0, "kind": "absolute"}


@pytest.mark.parametrize(
    "change",
    [
        {"targets": [{"year": 2019, "reduction_pct": 10}]},
        {"targets": [{"year": 2030, "reduction_pct": 101}]},
        {"targets": [{"year": 2030, "reduction_pct": -1}]},
        {"targets": [{"year": 2030, "reduction_pct": 10, "kind": "relative"}]},
        {"baseline_emissions_tco2e": -1},
        {"status": "final"},
        {"targets": [{"year": 2030, "reduction_pct": 50}, {"year": 2040, "reduction_pct": 40}]},
    ],
)
async def test_bad_plans_are_422(client: httpx.AsyncClient, session: AsyncSession, change: dict) -> None:  # type: ignore[type-arg]
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    response = await client.put(f"{API}/cities/{city.id}/plan", json=PLAN | change, headers=await auth_headers(session, admin))
    assert response.status_code == 422
    assert (await client.get(f"{API}/cities/{city.id}/plan", headers=await auth_headers(session, admin))).status_code == 404


async def test_actions_follow_the_plan(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    headers = await auth_headers(session, admin)
    action = {"title": "Electrify buses", "description": "All city buses electric by 2030", "sector": "transportation",
              "partner_sectors": ["H", "D"], "expected_reduction_tco2e": 120, "status": "planned"}
    url = f"{API}/cities/{city.id}/plan/actions"
    assert (await client.post(url, json=action, headers=headers)).status_code == 409  # no plan yet
    await client.put(f"{API}/cities/{city.id}/plan", json=PLAN, headers=headers)
    created = await client.post(url, json=action, headers=headers)
    assert created.status_code == 201 and created.json()["partner_sectors"] == ["H", "D"]
    assert (await client.post(url, json=action | {"sector": "energy"}, headers=headers)).status_code == 422
    assert (await client.post(url, json=action | {"partner_sectors": ["Z"]}, headers=headers)).status_code == 422
    listed = (await client.get(url)).json()["items"]
    assert [a["title"] for a in listed] == ["Electrify buses"]
    action_url = f"{url}/{created.json()['id']}"
    moved = await client.patch(action_url, json={"status": "in_progress"}, headers=headers | {"If-Match": created.headers["etag"]})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    stale = await client.patch(action_url, json={"status": "done"}, headers=headers | {"If-Match": created.headers["etag"]})
    assert stale.status_code == 412
    assert (await client.patch(f"{url}/{uuid.uuid4()}", json={"status": "done"}, headers=headers)).status_code == 404


async def test_inventories_are_corrected_not_overwritten(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    headers = await auth_headers(session, admin)
    url = f"{API}/cities/{city.id}/inventories"
    created = await client.post(url, json={"year": 2022, "sectors": SECTORS}, headers=headers)
    assert created.status_code == 201 and created.json()["total_tco2e"] == 700
    duplicate = await client.post(url, json={"year": 2022, "sectors": SECTORS}, headers=headers)
    assert duplicate.status_code == 409 and "replace" in duplicate.json()["detail"]
    negative = await client.post(url, json={"year": 2023, "sectors": SECTORS | {"waste": -1}}, headers=headers)
    assert negative.status_code == 422
    missing_sector = await client.post(url, json={"year": 2023, "sectors": {"waste": 1}}, headers=headers)
    assert missing_sector.status_code == 422

    corrected = await client.put(f"{url}/2022", json={"sectors": SECTORS | {"waste": 80}, "reason": "landfill data"}, headers=headers)
    assert corrected.status_code == 200 and corrected.json()["total_tco2e"] == 730
    assert [i["total_tco2e"] for i in (await client.get(url)).json()["items"]] == [730]
    history = (await client.get(f"{url}/2022/history")).json()["items"]
    assert [(h["total_tco2e"], h["superseded_at"] is not None) for h in history] == [(700, True), (730, False)]
    assert history[1]["reason"] == "landfill data"
    assert (await client.put(f"{url}/1999", json={"sectors": SECTORS, "reason": "x y z"}, headers=headers)).status_code == 404


async def test_progress_is_computed_from_plan_and_inventories(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    city = await make_city(session, creator=admin)
    headers = await auth_headers(session, admin)
    url = f"{API}/cities/{city.id}/progress"
    empty = (await client.get(url)).json()
    assert empty["on_track"] is None and empty["trajectory"] == [] and empty["project_count"] == 0
    await client.put(f"{API}/cities/{city.id}/plan", json=PLAN, headers=headers)
    await client.post(f"{API}/cities/{city.id}/inventories", json={"year": 2024, "sectors": SECTORS}, headers=headers)
    body = (await client.get(url)).json()
    assert body["baseline_year"] == 2020 and body["latest_year"] == 2024
    assert body["latest_emissions_tco2e"] == 700 and body["reduction_pct_to_date"] == 30.0
    assert body["next_target"] == {"year": 2030, "reduction_pct": 50.0, "kind": "absolute"}
    assert body["trajectory"][0] == {"year": 2020, "emissions_tco2e": 1000.0}
    assert body["trajectory"][4] == {"year": 2024, "emissions_tco2e": 800.0}
    assert len(body["trajectory"]) == 31
    assert body["on_track"] is True
    assert body["verified_corporate_reductions_tco2e"] == 0


async def test_unknown_city_is_404(client: httpx.AsyncClient) -> None:
    for path in ("", "/plan", "/progress", "/companies", "/inventories"):
        assert (await client.get(f"{API}/cities/{uuid.uuid4()}{path}")).status_code == 404
    assert (await client.get(f"{API}/cities/not-a-uuid")).status_code == 422
