"""Organisation members and the audit log: roles, the last-admin rule, 401/403/404."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Organization, OrgKind, Role, User
from tests.factories import add_member, auth_headers, make_organization, make_user

API = "/api/v1"


async def org_with_roles(session: AsyncSession) -> tuple[Organization, dict[str, User]]:
    admin = await make_user(session, display_name="Admin")
    organization = await make_organization(session, kind=OrgKind.CITY, name="Lyon", creator=admin)
    people = {"admin": admin}
    for role in (Role.EDITOR, Role.VIEWER):
        people[role.value] = await make_user(session, display_name=role.value.title())
        await add_member(session, organization, people[role.value], role)
    people["outsider"] = await make_user(session, display_name="Outsider")
    return organization, people


async def test_admin_adds_a_member(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    newcomer = await make_user(session, email="newcomer@example.org", display_name="New")
    response = await client.post(
        f"{API}/organizations/{organization.id}/members",
        json={"email": "newcomer@example.org", "role": "editor"},
        headers=await auth_headers(session, people["admin"]),
    )
    assert response.status_code == 201
    assert response.json() == {
        "user_id": str(newcomer.id), "email": "newcomer@example.org", "display_name": "New", "role": "editor",
    }
    again = await client.post(
        f"{API}/organizations/{organization.id}/members",
        json={"email": "newcomer@example.org", "role": "viewer"},
        headers=await auth_headers(session, people["admin"]),
    )
    assert again.status_code == 409


async def test_only_admins_add_members(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    await make_user(session, email="x@example.org")
    body = {"email": "x@example.org", "role": "viewer"}
    url = f"{API}/organizations/{organization.id}/members"
    assert (await client.post(url, json=body)).status_code == 401
    for who in ("editor", "viewer", "outsider"):
        response = await client.post(url, json=body, headers=await auth_headers(session, people[who]))
        assert response.status_code == 403, who


async def test_member_calls_on_an_unknown_organisation_are_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    response = await client.get(f"{API}/organizations/{uuid.uuid4()}/members", headers=await auth_headers(session, user))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_adding_an_unregistered_email_says_so(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    response = await client.post(
        f"{API}/organizations/{organization.id}/members",
        json={"email": "ghost@example.org", "role": "viewer"},
        headers=await auth_headers(session, people["admin"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "email"]


async def test_bad_role_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    response = await client.post(
        f"{API}/organizations/{organization.id}/members",
        json={"email": people["outsider"].email, "role": "owner"},
        headers=await auth_headers(session, people["admin"]),
    )
    assert response.status_code == 422


async def test_members_list_is_for_members_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    url = f"{API}/organizations/{organization.id}/members"
    for who in ("admin", "editor", "viewer"):
        response = await client.get(url, headers=await auth_headers(session, people[who]))
        assert response.status_code == 200
        roles = sorted(item["role"] for item in response.json()["items"])
        assert roles == ["admin", "editor", "viewer"]
    assert (await client.get(url, headers=await auth_headers(session, people["outsider"]))).status_code == 403
    assert (await client.get(url)).status_code == 401


async def test_members_list_pages_with_a_cursor(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    headers = await auth_headers(session, people["admin"])
    url = f"{API}/organizations/{organization.id}/members"
    seen = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(url, params=params, headers=headers)).json()
        seen += [item["user_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(str(people[w].id) for w in ("admin", "editor", "viewer"))
    for bad in ({"limit": 0}, {"limit": 201}, {"limit": "many"}, {"cursor": "not-a-cursor"}):
        response = await client.get(url, params=bad, headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"][0] == "query"


async def test_the_last_admin_cannot_be_removed_or_demoted(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    headers = await auth_headers(session, people["admin"])
    admin_url = f"{API}/organizations/{organization.id}/members/{people['admin'].id}"
    removed = await client.delete(admin_url, headers=headers)
    assert removed.status_code == 409
    assert "last admin" in removed.json()["detail"]
    assert (await client.patch(admin_url, json={"role": "viewer"}, headers=headers)).status_code == 409

    promoted = await client.patch(
        f"{API}/organizations/{organization.id}/members/{people['editor'].id}", json={"role": "admin"}, headers=headers
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert (await client.delete(admin_url, headers=headers)).status_code == 204
    left = await client.get(f"{API}/organizations/{organization.id}/members", headers=await auth_headers(session, people["editor"]))
    assert str(people["admin"].id) not in {item["user_id"] for item in left.json()["items"]}


async def test_only_admins_remove_members(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    url = f"{API}/organizations/{organization.id}/members/{people['viewer'].id}"
    assert (await client.delete(url, headers=await auth_headers(session, people["editor"]))).status_code == 403
    assert (await client.delete(url, headers=await auth_headers(session, people["admin"]))).status_code == 204
    assert (await client.delete(url, headers=await auth_headers(session, people["admin"]))).status_code == 404


async def test_audit_log_records_member_changes_newest_first(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    headers = await auth_headers(session, people["admin"])
    await client.post(
        f"{API}/organizations/{organization.id}/members",
        json={"email": people["outsider"].email, "role": "viewer"},
        headers=headers,
    )
    await client.delete(f"{API}/organizations/{organization.id}/members/{people['viewer'].id}", headers=headers)
    response = await client.get(f"{API}/organizations/{organization.id}/audit", headers=headers)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["action"] for item in items[:3]] == ["member.remove", "member.add", "city.create"]
    assert items[0] | {"at": None} == {
        "at": None, "actor_id": str(people["admin"].id), "action": "member.remove", "object_type": "user",
        "object_id": str(people["viewer"].id), "summary": "member removed (was viewer)",
    }


async def test_audit_log_is_for_admins_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    url = f"{API}/organizations/{organization.id}/audit"
    assert (await client.get(url)).status_code == 401
    for who in ("editor", "viewer", "outsider"):
        assert (await client.get(url, headers=await auth_headers(session, people[who]))).status_code == 403


async def test_a_failed_write_leaves_no_audit_record(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, people = await org_with_roles(session)
    headers = await auth_headers(session, people["admin"])
    url = f"{API}/organizations/{organization.id}/audit"
    before = len((await client.get(url, headers=headers)).json()["items"])
    await client.delete(f"{API}/organizations/{organization.id}/members/{people['admin'].id}", headers=headers)
    assert len((await client.get(url, headers=headers)).json()["items"]) == before


async def test_platform_admins_act_as_admins_everywhere(client: httpx.AsyncClient, session: AsyncSession) -> None:
    organization, _ = await org_with_roles(session)
    operator = await make_user(session, is_platform_admin=True)
    response = await client.get(f"{API}/organizations/{organization.id}/audit", headers=await auth_headers(session, operator))
    assert response.status_code == 200
