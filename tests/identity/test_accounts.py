"""Registration, tokens, logout and /users/me through the API."""

from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.identity.models import AccessToken, OrgKind, Role
from tests.factories import PASSWORD, add_member, auth_headers, make_organization, make_user

API = "/api/v1"


async def register(client: httpx.AsyncClient, email: str = "ana@example.org", **extra: object) -> httpx.Response:
    body = {"email": email, "password": "twelve chars ok", "display_name": "Ana"} | extra
    return await client.post(f"{API}/auth/register", json=body)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = "twelve chars ok") -> httpx.Response:
    return await client.post(f"{API}/auth/token", data={"username": email, "password": password})


async def test_register_then_sign_in_and_read_me(client: httpx.AsyncClient) -> None:
    created = await register(client, "Ana@Example.org")
    assert created.status_code == 201
    assert created.json()["email"] == "ana@example.org"
    assert set(created.json()) == {"id", "email", "display_name"}

    token = await sign_in(client, "ana@example.org")
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0

    me = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": created.json()["id"],
        "email": "ana@example.org",
        "display_name": "Ana",
        "is_platform_admin": False,
        "memberships": [],
    }


async def test_duplicate_email_is_a_conflict(client: httpx.AsyncClient) -> None:
    assert (await register(client)).status_code == 201
    again = await register(client, "ANA@example.org")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "exists already" in again.json()["detail"]


async def test_register_refuses_short_password_bad_email_and_unknown_fields(client: httpx.AsyncClient) -> None:
    short = await register(client, password="short")
    assert short.status_code == 422
    assert short.json()["errors"][0]["loc"] == ["body", "password"]
    assert (await register(client, "not-an-email")).status_code == 422
    smuggled = await register(client, is_platform_admin=True)
    assert smuggled.status_code == 422
    assert smuggled.json()["errors"][0]["loc"] == ["body", "is_platform_admin"]


async def test_wrong_password_and_unknown_account_are_the_same_401(client: httpx.AsyncClient) -> None:
    await register(client)
    wrong = await sign_in(client, "ana@example.org", "not the password")
    unknown = await sign_in(client, "nobody@example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_logout_revokes_the_token(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(session, user)
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 200
    assert (await client.post(f"{API}/auth/logout", headers=headers)).status_code == 204
    after = await client.get(f"{API}/users/me", headers=headers)
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


async def test_an_expired_token_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(session, user)
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 200
    await session.execute(update(AccessToken).where(AccessToken.user_id == user.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 401


async def test_me_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/users/me")).status_code == 401
    assert (await client.get(f"{API}/users/me", headers={"Authorization": "Bearer forged"})).status_code == 401
    assert (await client.get(f"{API}/users/me", headers={"Authorization": "Basic abc"})).status_code == 401


async def test_me_lists_memberships(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    own = await make_organization(session, kind=OrgKind.CITY, name="Lyon", creator=user)
    other = await make_organization(session, kind=OrgKind.COMPANY, name="Acme")
    await add_member(session, other, user, Role.VIEWER)
    me = (await client.get(f"{API}/users/me", headers=await auth_headers(session, user))).json()
    memberships = {m["organization_id"]: (m["kind"], m["role"]) for m in me["memberships"]}
    assert memberships == {str(own.id): ("city", "admin"), str(other.id): ("company", "viewer")}


async def test_failed_sign_ins_are_throttled_per_account(client: httpx.AsyncClient) -> None:
    await register(client)
    for _ in range(5):
        assert (await sign_in(client, "ana@example.org", "wrong password!")).status_code == 401
    blocked = await sign_in(client, "ana@example.org")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert blocked.json()["status"] == 429
    # Another account from the same address is not yet blocked.
    await register(client, "ben@example.org")
    assert (await sign_in(client, "ben@example.org")).status_code == 200


async def test_failed_sign_ins_are_throttled_per_address(client: httpx.AsyncClient) -> None:
    for n in range(20):
        assert (await sign_in(client, f"guess{n}@example.org", "whatever it is")).status_code == 401
    await register(client)
    assert (await sign_in(client, "ana@example.org")).status_code == 429


async def test_a_successful_sign_in_clears_the_account_counter(client: httpx.AsyncClient) -> None:
    await register(client)
    for _ in range(4):
        await sign_in(client, "ana@example.org", "wrong password!")
    assert (await sign_in(client, "ana@example.org")).status_code == 200
    for _ in range(4):
        await sign_in(client, "ana@example.org", "wrong password!")
    assert (await sign_in(client, "ana@example.org")).status_code == 200


async def test_factory_password_signs_in(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 200


async def test_nul_characters_in_credentials_are_refused_not_stored(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/token", data={"username": "a\x00b@example.org", "password": "whatever it is"})
    assert response.status_code == 422
