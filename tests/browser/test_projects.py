"""A city officer proposes a project, invites a local firm, which accepts; the officer starts it and reports an outcome."""

from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer

PASSWORD = "a long passphrase"


async def register(api: httpx.AsyncClient, email: str, name: str) -> dict[str, str]:
    assert (await api.post("/auth/register", json={"email": email, "password": PASSWORD, "display_name": name})).status_code == 201
    token = (await api.post("/auth/token", data={"username": email, "password": PASSWORD})).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def created(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


async def sign_in(page: Page, server: LiveServer, email: str) -> None:
    await page.goto(server.url + "/signin?next=/projects")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Joint mitigation projects")).to_be_visible()


async def test_create_invite_accept_activate_and_report(live_server: LiveServer, page: Page) -> None:
    async with live_server.api() as api:
        officer = await register(api, "officer@projects.example.org", "Inès Officer")
        city = await created(await api.post("/cities", headers=officer, json={
            "name": "Lyon", "country_code": "FR", "population": 520000, "latitude": 45.764, "longitude": 4.8357}))
        await created(await api.put(f"/cities/{city['id']}/plan", headers=officer, json={
            "title": "Lyon climate plan", "baseline_year": 2020, "baseline_emissions_tco2e": 1000,
            "targets": [{"year": 2030, "reduction_pct": 50, "kind": "absolute"}], "status": "published"}))
        await created(await api.post(f"/cities/{city['id']}/plan/actions", headers=officer, json={
            "title": "Heat network", "description": "", "sector": "stationary_energy", "partner_sectors": ["D"],
            "expected_reduction_tco2e": 100, "status": "planned"}))
        firm = await register(api, "firm@projects.example.org", "Paul Firm")
        company = await created(await api.post("/companies", headers=firm, json={
            "name": "Rhône Heat", "sector": "D", "country_code": "FR"}))
        await created(await api.post(f"/companies/{company['id']}/facilities", headers=firm, json={
            "name": "Plant", "latitude": 45.77, "longitude": 4.84}))

    await sign_in(page, live_server, "officer@projects.example.org")
    await page.get_by_role("link", name="Start a project in Lyon").click()
    await page.get_by_label("Title").fill("District heating")
    await page.get_by_label("Description").fill("Waste heat for 5,000 homes")
    await page.get_by_label("Expected reduction (tCO2e)").fill("1200")
    await page.get_by_label("Heat network").check()
    await page.get_by_role("button", name="Propose the project").click()
    await expect(page.get_by_role("heading", name="Run “District heating”")).to_be_visible()

    await page.get_by_label("Company in Lyon").select_option(label="Rhône Heat (no climate plan yet)")
    await page.get_by_label("Role").select_option("funder")
    await page.get_by_label("Funding amount").fill("250000")
    await page.get_by_label("Currency (ISO 4217, e.g. EUR)").fill("EUR")
    await page.get_by_role("button", name="Invite the company").click()
    await expect(page.get_by_text("Rhône Heat — funder, invited")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()

    await sign_in(page, live_server, "firm@projects.example.org")
    await page.get_by_role("link", name="Invitations for Rhône Heat").click()
    await page.get_by_role("button", name="Accept the invitation to District heating").click()
    await expect(page.get_by_text("accepted", exact=True)).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()

    await sign_in(page, live_server, "officer@projects.example.org")
    await page.get_by_role("link", name="District heating").click()
    await page.get_by_role("link", name="Run this project").click()
    await page.get_by_role("button", name="Start the project").click()
    await expect(page.get_by_text("active", exact=True).first).to_be_visible()
    await page.get_by_label("Period start").fill("2026-01-01")
    await page.get_by_label("Period end").fill("2026-06-30")
    await page.get_by_label("Measured reduction (tCO2e)").fill("300")
    await page.get_by_label("Method of measurement").fill("Metered heat delivered")
    await page.get_by_label("Rhône Heat share (%)").fill("100")
    await page.get_by_role("button", name="Report the outcome").click()

    await page.get_by_role("link", name="Public page").click()
    await expect(page.get_by_role("heading", name="District heating")).to_be_visible()
    await expect(page.get_by_text("2026-01-01 to 2026-06-30: 300.0 tCO2e")).to_be_visible()
    await expect(page.get_by_text("Funding concentration alert")).to_be_visible()
    await expect(page.get_by_text("status proposed → active")).to_be_visible()
