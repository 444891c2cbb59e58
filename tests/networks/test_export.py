"""Exports: one row a member city, CSV and JSON alike, formulas neutralised."""

import csv
import io

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.networks.export import EXPORT_COLUMNS, safe_cell

API = "/api/v1"


def test_formula_cells_are_neutralised() -> None:
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM") == "'@SUM" and safe_cell("-2") == "'-2"
    assert safe_cell("Lyon") == "Lyon" and safe_cell(-2) == -2


async def test_csv_and_json_exports_match_the_api(client: httpx.AsyncClient, network: dict) -> None:  # type: ignore[type-arg]
    response = await client.get(f"{API}/networks/{network['id']}/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert [(r["country_code"], r["city"]) for r in rows] == [("DE", "Berlin"), ("FR", "Grenoble"), ("FR", "Lyon")]
    lyon = rows[2]
    assert lyon["baseline_emissions_tco2e"] == "1000.0" and lyon["latest_year"] == "2024" and lyon["on_track"] == "true"
    assert lyon["target_year"] == "2030" and lyon["country"] == "France"

    as_json = (await client.get(f"{API}/networks/{network['id']}/export.csv", params={"format": "json"})).json()
    assert as_json["next_cursor"] is None
    assert [item["city"] for item in as_json["items"]] == ["Berlin", "Grenoble", "Lyon"]
    progress = (await client.get(f"{API}/networks/{network['id']}/progress")).json()
    assert sum(item["latest_emissions_tco2e"] or 0 for item in as_json["items"]) == progress["total_latest_emissions_tco2e"]
    assert (await client.get(f"{API}/networks/{network['id']}/export.csv", params={"format": "xml"})).status_code == 422


async def test_a_city_name_cannot_smuggle_a_formula(client: httpx.AsyncClient, session: AsyncSession, network: dict) -> None:  # type: ignore[type-arg]
    lyon = network["cities"]["Lyon"]
    lyon.name = "=cmd|' /C calc'!A0"
    await session.flush()
    text = (await client.get(f"{API}/networks/{network['id']}/export.csv")).text
    assert "'=cmd|" in text and "\n=cmd" not in text and ",=cmd" not in text
