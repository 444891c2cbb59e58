"""A network analyst opens the dashboard, sees the charts drawn and downloads the CSV."""

import csv
import io
import uuid
from pathlib import Path

from playwright.async_api import Page, expect

from tests.browser.conftest import LiveServer, register_and_sign_in
from tests.factories import LYON


async def test_dashboard_charts_and_csv_download(live_server: LiveServer, page: Page, tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:6]
    token = await register_and_sign_in(live_server, page, f"analyst-{suffix}@network.example.org", "Ana Analyst")
    headers = {"Authorization": f"Bearer {token}"}
    async with live_server.api() as api:
        network = (await api.post("/networks", json={"name": f"Cities for Climate {suffix}", "acronym": "CFC"}, headers=headers)).json()
        city = (await api.post("/cities", json=LYON | {"name": f"Lyon {suffix}"}, headers=headers)).json()
        plan = {"title": "Plan", "baseline_year": 2019, "baseline_emissions_tco2e": 2_000_000,
                "targets": [{"year": 2030, "reduction_pct": 55}], "status": "published"}
        await api.put(f"/cities/{city['id']}/plan", json=plan, headers=headers)
        for year, total in ((2021, 1_900_000), (2023, 1_700_000)):
            sectors = {"stationary_energy": total * 0.6, "transportation": total * 0.3, "waste": total * 0.1, "ippu": 0, "afolu": 0}
            await api.post(f"/cities/{city['id']}/inventories", json={"year": year, "sectors": sectors}, headers=headers)
        joined = await api.post(f"/cities/{city['id']}/networks", json={"network_id": network["id"]}, headers=headers)
        assert joined.status_code == 201

    await page.goto(f"{live_server.url}/networks/{network['id']}")
    await expect(page.get_by_role("heading", name=f"Cities for Climate {suffix} (CFC)")).to_be_visible()
    for name in ("Line chart of the member cities", "Bar chart of the member cities"):
        chart = page.get_by_role("img", name=name)
        await expect(chart).to_be_visible()
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 0")
    await expect(page.get_by_role("row", name="2023 1,700,000 1 1,600,000")).to_be_visible()

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download CSV").click()
    download = await download_info.value
    target = tmp_path / "export.csv"
    await download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["city"], r["latest_year"], r["on_track"]) for r in rows] == [(f"Lyon {suffix}", "2023", "false")]
