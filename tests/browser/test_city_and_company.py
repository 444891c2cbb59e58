"""A city officer publishes a plan and sees the chart; a company adds a facility and appears on the city page."""

import uuid

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, register_and_sign_in
from tests.factories import LYON


async def test_officer_publishes_a_plan_and_company_appears_on_the_city_page(
    live_server: LiveServer, page: Page, browser: Browser
) -> None:
    suffix = uuid.uuid4().hex[:6]
    token = await register_and_sign_in(live_server, page, f"officer-{suffix}@lyon.example.org", "Inès Officer")
    async with live_server.api() as api:
        city = (await api.post("/cities", json=LYON, headers={"Authorization": f"Bearer {token}"})).json()
    city_url = f"{live_server.url}/cities/{city['id']}"

    await page.goto(city_url)
    await page.get_by_role("link", name="Write the plan").click()
    await page.get_by_label("Title").fill("Lyon climate plan 2030")
    await page.get_by_label("Baseline year").fill("2020")
    await page.get_by_label("Baseline emissions (tCO2e)").fill("1000000")
    await page.locator("#f-targets\\.0\\.year").fill("2030")
    await page.locator("#f-targets\\.0\\.reduction_pct").fill("140")
    await page.get_by_label("Status").select_option("published")
    await page.get_by_role("button", name="Save the plan").click()
    # A percentage over 100 is refused beside its field, and what was typed stays.
    await expect(page.locator("#f-targets\\.0\\.reduction_pct-error")).to_be_visible()
    await expect(page.get_by_label("Title")).to_have_value("Lyon climate plan 2030")
    await page.locator("#f-targets\\.0\\.reduction_pct").fill("50")
    await page.get_by_role("button", name="Save the plan").click()
    await expect(page).to_have_url(city_url)
    await expect(page.get_by_text("Lyon climate plan 2030")).to_be_visible()

    await page.get_by_role("link", name="Add an inventory").click()
    await page.get_by_label("Year").fill("2024")
    for label, value in (("Stationary energy", "400000"), ("Transportation", "300000"), ("Waste", "60000"),
                         ("Ippu", "40000"), ("Afolu", "10000")):
        await page.get_by_label(label).fill(value)
    await page.get_by_role("button", name="Add the inventory").click()
    await expect(page).to_have_url(city_url + "#inventories")
    chart = page.get_by_role("img", name="Line chart of Lyon")
    await expect(chart).to_be_visible()
    assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(page.get_by_role("cell", name="810,000")).to_be_visible()
    await expect(page.get_by_text("Off track")).to_be_visible()

    company_page = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
    token = await register_and_sign_in(live_server, company_page, f"team-{suffix}@steel.example.org", "Sam Team")
    async with live_server.api() as api:
        company = (await api.post("/companies", json={"name": f"Rhône Steel {suffix}", "sector": "C", "country_code": "FR"},
                                  headers={"Authorization": f"Bearer {token}"})).json()
    await company_page.goto(f"{live_server.url}/companies/{company['id']}")
    await expect(company_page.get_by_text("no climate plan yet")).to_be_visible()
    await company_page.get_by_role("link", name="Add a facility").click()
    await company_page.get_by_label("Name").fill("Gerland plant")
    await company_page.get_by_label("Latitude").fill("45.73")
    await company_page.get_by_label("Longitude").fill("4.83")
    await company_page.get_by_role("button", name="Add the facility").click()
    await expect(company_page.get_by_role("link", name="Lyon")).to_be_visible()
    await company_page.context.close()

    await page.goto(city_url)
    await expect(page.get_by_role("link", name=f"Rhône Steel {suffix}")).to_be_visible()
