"""The network dashboard page."""

import httpx


async def test_dashboard_shows_figures_charts_tables_and_downloads(client: httpx.AsyncClient, network: dict) -> None:  # type: ignore[type-arg]
    page = await client.get(f"/networks/{network['id']}")
    assert page.status_code == 200
    text = page.text
    assert "3</span> member cities" in text and "1</span> on track" in text
    assert f'/networks/{network["id"]}/emissions.svg' in text and f'/networks/{network["id"]}/sectors.svg' in text
    assert "export.csv" in text and "Germany" in text
    # Sorted by reduction to date: Lyon (30 %) before Grenoble (−4 %), Berlin (no plan) last.
    assert text.index(">Lyon<") < text.index(">Grenoble<") < text.index(">Berlin<")
    by_name = (await client.get(f"/networks/{network['id']}", params={"sort": "name"})).text
    assert by_name.index(">Berlin<") < by_name.index(">Grenoble<") < by_name.index(">Lyon<")
    for chart in ("emissions.svg", "sectors.svg"):
        svg = await client.get(f"/networks/{network['id']}/{chart}")
        assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert "Target path of cities with plans" in (await client.get(f"/networks/{network['id']}/emissions.svg")).text
