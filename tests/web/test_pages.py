"""The public and account pages, as a browser without JavaScript sees them."""

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import OrgKind
from app.web.templating import CSRF_COOKIE, SESSION_COOKIE
from tests.factories import PASSWORD, make_city, make_company, make_organization, make_user


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def test_home_shows_the_platform_figures_and_finds_by_name(client: httpx.AsyncClient, session: AsyncSession) -> None:
    city = await make_city(session)
    company = await make_company(session, name="Lyonnaise des Eaux")
    response = await client.get("/")
    assert response.status_code == 200
    assert "Cities and the companies inside them" in response.text
    assert re.search(r'<span class="figure">1</span> cities', response.text)
    assert re.search(r'<span class="figure">1</span> companies', response.text)
    found = (await client.get("/", params={"q": "lyon"})).text
    assert f'href="/cities/{city.id}"' in found and f'href="/companies/{company.id}"' in found


async def test_sign_in_through_the_form_and_see_the_account(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session, display_name="Camille")
    await make_organization(session, kind=OrgKind.CITY, name="Grenoble", creator=user)
    form = await client.get("/signin?next=/account")
    token = csrf_from(form.text)
    response = await client.post(
        "/signin", data={"email": user.email, "password": PASSWORD, "next": "/account", "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/account"
    assert SESSION_COOKIE in response.cookies
    account = await client.get("/account")
    assert "Camille" in account.text and "Grenoble" in account.text and "admin" in account.text


async def test_a_wrong_password_keeps_the_email_and_says_why(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    token = csrf_from((await client.get("/signin")).text)
    response = await client.post("/signin", data={"email": user.email, "password": "nope nope nope", "csrf_token": token})
    assert response.status_code == 401
    assert "The email or the password is wrong." in response.text
    assert f'value="{user.email}"' in response.text


async def test_forms_without_the_csrf_token_are_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    await client.get("/signin")
    assert CSRF_COOKIE in client.cookies
    forged = await client.post("/signin", data={"email": user.email, "password": PASSWORD, "csrf_token": "guess"})
    assert forged.status_code == 403
    missing = await client.post("/signin", data={"email": user.email, "password": PASSWORD})
    assert missing.status_code == 403


async def test_redirects_only_to_local_pages(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    token = csrf_from((await client.get("/signin")).text)
    response = await client.post(
        "/signin", data={"email": user.email, "password": PASSWORD, "next": "//evil.example/x", "csrf_token": token}
    )
    assert response.headers["location"] == "/account"


async def test_account_needs_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/account"


async def test_register_shows_errors_beside_fields_and_keeps_input(client: httpx.AsyncClient) -> None:
    token = csrf_from((await client.get("/register")).text)
    response = await client.post(
        "/register", data={"display_name": "Noor", "email": "noor@example.org", "password": "short", "csrf_token": token}
    )
    assert response.status_code == 422
    assert 'id="f-password-error"' in response.text
    assert 'value="noor@example.org"' in response.text and 'value="Noor"' in response.text
    assert "short" not in re.findall(r'name="password"[^>]*', response.text)[0]


async def test_register_signs_in_and_sign_out_ends_the_session(client: httpx.AsyncClient) -> None:
    token = csrf_from((await client.get("/register")).text)
    response = await client.post(
        "/register",
        data={"display_name": "Noor", "email": "noor@example.org", "password": "long enough pass", "csrf_token": token},
    )
    assert response.status_code == 303
    account = await client.get("/account")
    assert account.status_code == 200 and "Noor" in account.text
    out = await client.post("/signout", data={"csrf_token": csrf_from(account.text)})
    assert out.status_code == 303
    assert (await client.get("/account")).status_code == 303


def test_headline_tonnes_are_compact() -> None:
    from app.web.templating import compact_tonnes

    assert compact_tonnes(893_217_000) == "893.2 Mt"
    assert compact_tonnes(1_500) == "1.5 kt" and compact_tonnes(12) == "12 t" and compact_tonnes(None) == "—"
    assert compact_tonnes(2.5e9) == "2.5 Gt"
