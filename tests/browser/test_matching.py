"""A city officer opens the match page, sees the expected firm first, and invites it in one step."""

import uuid

from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, register_and_sign_in
from tests.factories import LYON

PLAN = {"title": "Plan", "baseline_year": 2020, "baseline_emissions_tco2e": 1e6,
        "targets": [{"year": 2030, "reduction_pct": 50}], "status": "published"}


async def city_with_firms(live_server: LiveServer, page: Page, action: dict, firms: list[tuple[str, str]]) -> tuple[dict, list[dict]]:  # type: ignore[type-arg]
    """An officer, signed in on `page`, whose city publishes a plan with `action`; `firms` stand in the city."""
    suffix = uuid.uuid4().hex[:6]
    token = await register_and_sign_in(live_server, page, f"officer-{suffix}@lyon.example.org", "Officer")
    headers = {"Authorization": f"Bearer {token}"}
    async with live_server.api() as api:
        city = (await api.post("/cities", json=LYON | {"name": f"Lyon {suffix}"}, headers=headers)).json()
        await api.put(f"/cities/{city['id']}/plan", json=PLAN, headers=headers)
        assert (await api.post(f"/cities/{city['id']}/plan/actions", json=action, headers=headers)).status_code == 201
        companies = []
        for name, sector in firms:
            company = (await api.post("/companies", json={"name": name, "sector": sector, "country_code": "FR"},
                                      headers=headers)).json()
            facility = {"name": "Depot", "latitude": 45.75, "longitude": 4.84}
            assert (await api.post(f"/companies/{company['id']}/facilities", json=facility, headers=headers)).status_code == 201
            companies.append(company)
    return city, companies


async def test_match_page_ranks_the_fitting_firm_first(live_server: LiveServer, page: Page) -> None:
    suffix = uuid.uuid4().hex[:6]
    action = {"title": "Electrify buses", "sector": "transportation", "partner_sectors": ["H"], "expected_reduction_tco2e": 5000}
    city, _ = await city_with_firms(live_server, page, action, [(f"Bank {suffix}", "K"), (f"Transit {suffix}", "H"),
                                                               (f"Bakery {suffix}", "I")])
    await page.goto(f"{live_server.url}/cities/{city['id']}")
    await page.get_by_role("link", name="Partners for the plan").click()
    await expect(page.get_by_role("heading", name="Partners for the plan")).to_be_visible()
    first = page.locator("ol.ranked > li").first
    await expect(first.get_by_role("heading")).to_have_text(f"Transit {suffix}")
    await first.locator("summary").click()
    await expect(first.get_by_role("cell", name="Its sector (H) is one the action asks for.")).to_be_visible()
    await expect(first.locator(".tag")).to_have_text("no climate plan yet")


async def test_inviting_a_matched_firm_into_a_new_project_in_one_step(live_server: LiveServer, page: Page) -> None:
    suffix = uuid.uuid4().hex[:6]
    action = {"title": "Organic waste collection", "sector": "waste", "partner_sectors": ["E"], "expected_reduction_tco2e": 800}
    city, (firm,) = await city_with_firms(live_server, page, action, [(f"Compost {suffix}", "E")])
    await page.goto(f"{live_server.url}/cities/{city['id']}/matches")
    await page.locator("ol.ranked > li").first.get_by_role("button", name="Invite").click()
    await expect(page.get_by_role("heading", name="Organic waste collection")).to_be_visible()
    await expect(page.get_by_text(f"Compost {suffix}").first).to_be_visible()
    async with live_server.api() as api:
        projects = (await api.get("/projects", params={"city_id": city["id"]})).json()["items"]
    assert [p["title"] for p in projects] == ["Organic waste collection"]
    assert [(p["company_id"], p["status"]) for p in projects[0]["participants"]] == [(firm["id"], "invited")]
