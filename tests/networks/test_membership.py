"""Networks and their member cities: who joins, who removes."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import OrgKind, Role
from tests.factories import add_member, auth_headers, make_city, make_user

API = "/api/v1"


async def make_network(client: httpx.AsyncClient, session: AsyncSession, owner: object) -> dict:  # type: ignore[type-arg]
    response = await client.post(
        f"{API}/networks", json={"name": "Local Governments for Sustainability", "acronym": "ICLEI"},
        headers=await auth_headers(session, owner),  # type: ignore[arg-type]
    )
    assert response.status_code == 201
    return response.json()  # type: ignore[no-any-return]


async def test_city_admins_join_and_the_network_lists_its_cities(client: httpx.AsyncClient, session: AsyncSession) -> None:
    analyst = await make_user(session)
    network = await make_network(client, session, analyst)
    mayor = await make_user(session)
    city = await make_city(session, creator=mayor)
    editor = await make_user(session)
    await add_member(session, city, editor, Role.EDITOR)
    url = f"{API}/cities/{city.id}/networks"
    body = {"network_id": network["id"]}
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.post(url, json=body, headers=await auth_headers(session, editor))).status_code == 403
    assert (await client.post(url, json=body, headers=await auth_headers(session, analyst))).status_code == 403
    joined = await client.post(url, json=body, headers=await auth_headers(session, mayor))
    assert joined.status_code == 201 and joined.json()["network_id"] == network["id"]
    assert (await client.post(url, json=body, headers=await auth_headers(session, mayor))).status_code == 409

    members = (await client.get(f"{API}/networks/{network['id']}/cities")).json()["items"]
    assert [m["city_id"] for m in members] == [str(city.id)]
    filtered = (await client.get(f"{API}/cities", params={"network_id": network["id"]})).json()["items"]
    assert [c["id"] for c in filtered] == [str(city.id)]
    assert (await client.get(f"{API}/networks")).json()["items"][0]["acronym"] == "ICLEI"


async def test_network_admins_remove_and_city_admins_leave(client: httpx.AsyncClient, session: AsyncSession) -> None:
    analyst = await make_user(session)
    network = await make_network(client, session, analyst)
    mayor = await make_user(session)
    cities = [await make_city(session, creator=mayor, name=name) for name in ("Lyon", "Grenoble")]
    for city in cities:
        await client.post(f"{API}/cities/{city.id}/networks", json={"network_id": network["id"]}, headers=await auth_headers(session, mayor))
    outsider = await make_user(session)
    first = f"{API}/networks/{network['id']}/cities/{cities[0].id}"
    assert (await client.delete(first, headers=await auth_headers(session, outsider))).status_code == 403
    assert (await client.delete(first, headers=await auth_headers(session, analyst))).status_code == 204
    second = f"{API}/networks/{network['id']}/cities/{cities[1].id}"
    assert (await client.delete(second, headers=await auth_headers(session, mayor))).status_code == 204
    assert (await client.delete(second, headers=await auth_headers(session, mayor))).status_code == 404
    assert (await client.get(f"{API}/networks/{network['id']}/cities")).json()["items"] == []
    audit = (await client.get(f"{API}/organizations/{network['id']}/audit", headers=await auth_headers(session, analyst))).json()
    assert [e["action"] for e in audit["items"][:2]] == ["network.leave", "network.leave"]


async def test_network_creation_validates(client: httpx.AsyncClient, session: AsyncSession) -> None:
    headers = await auth_headers(session, await make_user(session))
    assert (await client.post(f"{API}/networks", json={"name": "C40"}, headers=headers)).status_code == 422
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    assert me["memberships"] == []
    created = await client.post(f"{API}/networks", json={"name": "C40 Cities", "acronym": "C40"}, headers=headers)
    me = (await client.get(f"{API}/users/me", headers=headers)).json()
    assert me["memberships"][0]["kind"] == OrgKind.NETWORK.value and me["memberships"][0]["organization_id"] == created.json()["id"]
