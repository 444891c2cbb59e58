"""Companies, facilities, co-location and commitments through the API."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.companies.models import Company, Facility
from app.identity.models import Role
from tests.factories import LYON, add_member, auth_headers, make_city, make_company, make_lei, make_user

API = "/api/v1"
COMPANY = {"name": "Rhône Steel", "sector": "C", "country_code": "FR"}
INSIDE = {"name": "Gerland plant", "latitude": 45.73, "longitude": 4.83, "address": "Rue de Gerland"}
OUTSIDE = {"name": "Paris office", "latitude": 48.8566, "longitude": 2.3522}


async def test_create_company_with_a_valid_lei(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await auth_headers(session, await make_user(session))
    lei = make_lei(42)
    created = await client.post(f"{API}/companies", json=COMPANY | {"lei": lei}, headers=headers)
    assert created.status_code == 201
    body = created.json()
    assert body["lei"] == lei and body["climate_active"] is False and created.headers["etag"]
    duplicate = await client.post(f"{API}/companies", json=COMPANY | {"lei": lei}, headers=headers)
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"lei": "529900T8BM49AURSDO56"}, "lei"),  # wrong check digits
        ({"lei": "NOT-A-LEI"}, "lei"),
        ({"sector": "V"}, "sector"),
        ({"country_code": "ZZ"}, "country_code"),
        ({"name": ""}, "name"),
        ({"climate_active": True}, "climate_active"),
    ],
)
async def test_bad_company_input_is_422(client: httpx.AsyncClient, session: AsyncSession, change: dict, where: str) -> None:  # type: ignore[type-arg]
    headers = await auth_headers(session, await make_user(session))
    before = await session.scalar(select(func.count()).select_from(Company))
    response = await client.post(f"{API}/companies", json=COMPANY | change, headers=headers)
    assert response.status_code == 422
    assert any(where in error["loc"] for error in response.json()["errors"])
    assert await session.scalar(select(func.count()).select_from(Company)) == before


async def test_a_facility_inside_a_city_is_co_located(client: httpx.AsyncClient, session: AsyncSession) -> None:
    city = await make_city(session)
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    headers = await auth_headers(session, owner)
    inside = await client.post(f"{API}/companies/{company.id}/facilities", json=INSIDE, headers=headers)
    assert inside.status_code == 201 and inside.json()["city_ids"] == [str(city.id)]
    outside = await client.post(f"{API}/companies/{company.id}/facilities", json=OUTSIDE, headers=headers)
    assert outside.json()["city_ids"] == []

    facilities = (await client.get(f"{API}/companies/{company.id}/facilities")).json()["items"]
    assert {f["name"]: f["city_ids"] for f in facilities} == {"Gerland plant": [str(city.id)], "Paris office": []}
    colocated = (await client.get(f"{API}/cities/{city.id}/companies")).json()["items"]
    assert colocated == [{"company_id": str(company.id), "name": "Acme Industries", "facility_count": 1,
                          "climate_active": False, "participating": False}]
    in_city = (await client.get(f"{API}/companies", params={"city_id": str(city.id)})).json()["items"]
    assert [c["id"] for c in in_city] == [str(company.id)]


async def test_a_new_city_finds_the_facilities_already_inside(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    await client.post(f"{API}/companies/{company.id}/facilities", json=INSIDE, headers=await auth_headers(session, owner))
    city = await client.post(f"{API}/cities", json=LYON, headers=await auth_headers(session, await make_user(session)))
    colocated = (await client.get(f"{API}/cities/{city.json()['id']}/companies")).json()["items"]
    assert [c["company_id"] for c in colocated] == [str(company.id)]


async def test_a_new_boundary_re_resolves_the_facilities(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    url = f"{API}/companies/{company.id}/facilities"
    await client.post(url, json=INSIDE, headers=await auth_headers(session, owner))
    # A boundary drawn around the north of the city leaves the Gerland plant (south) outside ...
    north = {"type": "Polygon", "coordinates": [[[4.78, 45.75], [4.90, 45.75], [4.90, 45.82], [4.78, 45.82], [4.78, 45.75]]]}
    patched = await client.patch(f"{API}/cities/{city.id}", json={"boundary": north}, headers=await auth_headers(session, officer))
    assert patched.status_code == 200 and patched.json()["effective_radius_km"] is None
    assert (await client.get(f"{API}/cities/{city.id}/companies")).json()["items"] == []
    facility = (await client.get(url)).json()["items"][0]
    assert facility["city_ids"] == []
    # ... and removing it brings the circle, and the plant, back.
    await client.patch(f"{API}/cities/{city.id}", json={"boundary": None}, headers=await auth_headers(session, officer))
    assert len((await client.get(f"{API}/cities/{city.id}/companies")).json()["items"]) == 1


async def test_only_company_editors_add_facilities(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    viewer = await make_user(session)
    await add_member(session, company, viewer, Role.VIEWER)
    url = f"{API}/companies/{company.id}/facilities"
    assert (await client.post(url, json=INSIDE)).status_code == 401
    assert (await client.post(url, json=INSIDE, headers=await auth_headers(session, viewer))).status_code == 403
    outsider = await auth_headers(session, await make_user(session))
    assert (await client.post(url, json=INSIDE, headers=outsider)).status_code == 403
    assert (await client.post(url, json=INSIDE | {"latitude": 95}, headers=await auth_headers(session, owner))).status_code == 422
    assert await session.scalar(select(func.count()).select_from(Facility)) == 0
    assert (await client.post(f"{API}/companies/{uuid.uuid4()}/facilities", json=INSIDE, headers=outsider)).status_code == 404


async def test_commitments_make_a_company_climate_active(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    url = f"{API}/companies/{company.id}/commitments"
    assert (await client.get(url)).json() | {"updated_at": None} == {
        "company_id": str(company.id), "targets": [], "net_zero_year": None, "sbti_status": "none", "updated_at": None,
    }
    headers = await auth_headers(session, owner)
    body = {"targets": [{"base_year": 2019, "target_year": 2030, "reduction_pct": 42, "scopes": [2, 1]}],
            "net_zero_year": 2050, "sbti_status": "committed"}
    put = await client.put(url, json=body, headers=headers)
    assert put.status_code == 200 and put.json()["targets"][0]["scopes"] == [1, 2]
    assert (await client.get(f"{API}/companies/{company.id}")).json()["climate_active"] is True
    await client.put(url, json={"targets": [], "sbti_status": "none"}, headers=headers)
    assert (await client.get(f"{API}/companies/{company.id}")).json()["climate_active"] is False


@pytest.mark.parametrize(
    "target",
    [
        {"base_year": 2030, "target_year": 2020, "reduction_pct": 10, "scopes": [1]},
        {"base_year": 2019, "target_year": 2030, "reduction_pct": 110, "scopes": [1]},
        {"base_year": 2019, "target_year": 2030, "reduction_pct": 10, "scopes": [4]},
        {"base_year": 2019, "target_year": 2030, "reduction_pct": 10, "scopes": []},
        {"base_year": 2019, "target_year": 2030, "reduction_pct": 10, "scopes": [1, 1]},
    ],
)
async def test_bad_commitments_are_422(client: httpx.AsyncClient, session: AsyncSession, target: dict) -> None:  # type: ignore[type-arg]
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    response = await client.put(
        f"{API}/companies/{company.id}/commitments", json={"targets": [target], "sbti_status": "none"},
        headers=await auth_headers(session, owner),
    )
    assert response.status_code == 422


async def test_company_patch_and_filters(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner, name="Lumière Énergie", sector="D")
    await make_company(session, name="Bread & Co", sector="I", country_code="DE")
    headers = await auth_headers(session, owner)
    etag = (await client.get(f"{API}/companies/{company.id}")).headers["etag"]
    patched = await client.patch(f"{API}/companies/{company.id}", json={"lei": make_lei(7)}, headers=headers | {"If-Match": etag})
    assert patched.status_code == 200
    stale = await client.patch(f"{API}/companies/{company.id}", json={"name": "X"}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    names = lambda r: [c["name"] for c in r.json()["items"]]  # noqa: E731
    assert names(await client.get(f"{API}/companies", params={"sector": "D"})) == ["Lumière Énergie"]
    assert names(await client.get(f"{API}/companies", params={"country_code": "DE"})) == ["Bread & Co"]
    assert names(await client.get(f"{API}/companies", params={"q": "lumi"})) == ["Lumière Énergie"]
    assert (await client.get(f"{API}/companies", params={"sector": "ZZ"})).status_code == 422
