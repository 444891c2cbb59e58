"""A company submits a report through the form, asks a verifier, and the verifier verifies it."""

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import ADMIN_EMAIL, PASSWORD, LiveServer


async def token(api: httpx.AsyncClient, email: str, register: bool = True) -> dict[str, str]:
    if register:
        await api.post("/auth/register", json={"email": email, "password": PASSWORD, "display_name": email.split("@")[0]})
    response = await api.post("/auth/token", data={"username": email, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def sign_in(page: Page, server: LiveServer, email: str, target: str) -> None:
    await page.goto(server.url + target)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(server.url + target)


async def test_submit_request_and_verify(live_server: LiveServer, page: Page) -> None:
    server = live_server
    async with server.api() as api:
        team = await token(api, "team@acme.example.org")
        company = (await api.post("/companies", json={"name": "Acme Steel", "sector": "C", "country_code": "FR"}, headers=team)).json()
        auditor = await token(api, "auditor@bureau.example.org")
        verifier = (await api.post("/verifiers", json={"name": "Bureau Audit"}, headers=auditor)).json()
        operator = await token(api, ADMIN_EMAIL, register=False)
        accredited = await api.patch(f"/verifiers/{verifier['id']}", json={"accredited": True}, headers=operator)
        assert accredited.status_code == 200

    # The company team submits the report through the form; a mistake is shown beside its field.
    await sign_in(page, server, "team@acme.example.org", f"/companies/{company['id']}/reports/new")
    await page.get_by_label("Reporting year").fill("2023")
    await page.get_by_label("Scope 1 (direct emissions)").fill("-5")
    await page.get_by_label("Scope 2, location-based").fill("800")
    await page.get_by_label("Methodology").fill("GHG Protocol, operational control")
    await page.get_by_role("button", name="Submit report").click()
    await expect(page.locator("#f-scope1_tco2e-error")).to_be_visible()
    await expect(page.get_by_label("Scope 2, location-based")).to_have_value("800")
    await page.get_by_label("Scope 1 (direct emissions)").fill("1200")
    await page.get_by_text("Scope 3 by category (optional)").click()
    await page.get_by_label("1. Purchased goods and services").fill("3000")
    await page.get_by_role("button", name="Submit report").click()
    await expect(page.get_by_role("heading", name="Acme Steel: 2023 emissions")).to_be_visible()
    await expect(page.get_by_text("Not verified")).to_be_visible()

    # It asks the accredited verifier.
    await page.get_by_label("Ask an accredited verifier").select_option(label="Bureau Audit")
    await page.get_by_role("button", name="Request verification").click()
    report_url = page.url
    await page.get_by_role("button", name="Sign out").click()

    # The verifier finds it in its queue and verifies it.
    await sign_in(page, server, "auditor@bureau.example.org", f"/verifiers/{verifier['id']}/queue")
    await page.get_by_role("link", name="Review Acme Steel 2023").click()
    await page.get_by_label("Verified").check()
    await page.get_by_label("Reasonable").check()
    await page.get_by_label("Statement").fill("Figures agree with meter readings and invoices.")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page).to_have_url(report_url)
    await expect(page.get_by_text("by Bureau Audit, reasonable assurance")).to_be_visible()
    await expect(page.get_by_text("intact")).to_be_visible()
