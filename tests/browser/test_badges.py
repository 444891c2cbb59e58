"""A company team sets a target, the badge appears on the company page, anyone checks it on its page."""

import uuid

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import LiveServer, register_and_sign_in

pytestmark = pytest.mark.browser


async def test_a_target_earns_a_badge_that_anyone_can_check(live_server: LiveServer, page: Page, browser: Browser) -> None:
    suffix = uuid.uuid4().hex[:6]
    token = await register_and_sign_in(live_server, page, f"team-{suffix}@steel.example.org", "Sam Team")
    async with live_server.api() as api:
        company = (await api.post("/companies", json={"name": f"Rhône Steel {suffix}", "sector": "C", "country_code": "FR"},
                                  headers={"Authorization": f"Bearer {token}"})).json()
    company_url = f"{live_server.url}/companies/{company['id']}"

    await page.goto(company_url)
    await expect(page.get_by_role("heading", name="Badges")).to_be_visible()
    await expect(page.get_by_text("No badge yet.")).to_be_visible()
    await expect(page.get_by_role("heading", name="Next badge within reach: Target setter")).to_be_visible()

    await page.get_by_role("link", name="Edit commitments").click()
    await page.get_by_label("SBTi status").select_option("committed")
    await page.get_by_role("button", name="Save commitments").click()
    await expect(page).to_have_url(company_url + "#commitments")
    image = page.get_by_role("img", name="Target setter badge")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(page.get_by_role("heading", name="Next badge within reach: Disclosed")).to_be_visible()

    # The public, signed out, follows the badge to its page.
    visitor = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
    await visitor.goto(company_url)
    await visitor.get_by_role("link", name="Target setter badge").click()
    await expect(visitor.get_by_role("heading", name="Target setter")).to_be_visible()
    await expect(visitor.get_by_role("status")).to_contain_text("Valid.")
    await expect(visitor.get_by_text("Science Based Targets initiative status committed")).to_be_visible()
    await visitor.get_by_role("link", name="issuer profile and public key").click()
    await expect(visitor.get_by_text("public_key_jwk")).to_be_visible()
    await visitor.context.close()

    # The team withdraws the commitment: the badge page now says it was revoked, and why.
    await page.get_by_role("link", name="Edit commitments").click()
    await page.get_by_label("SBTi status").select_option("none")
    await page.get_by_role("button", name="Save commitments").click()
    await page.get_by_text("Revoked badges (1)").click()
    await page.get_by_role("link", name="Target setter").click()
    await expect(page.get_by_role("status")).to_contain_text("Revoked")
    revoked = page.get_by_role("img", name=f"Target setter badge of Rhône Steel {suffix}, revoked")
    await expect(revoked).to_be_visible()
    assert await revoked.evaluate("img => img.complete && img.naturalWidth > 0")
