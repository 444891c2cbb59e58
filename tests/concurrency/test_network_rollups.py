"""Member cities of one network and country write at the same time: every write is in the figures."""

import asyncio

import httpx

from tests.concurrency.conftest import signed_up
from tests.factories import LYON


def sectors(total: float) -> dict[str, float]:
    return {"stationary_energy": total, "transportation": 0, "waste": 0, "ippu": 0, "afolu": 0}


PLAN = {"title": "Plan", "baseline_year": 2020, "baseline_emissions_tco2e": 1000.0,
        "targets": [{"year": 2030, "reduction_pct": 50}], "status": "published"}


async def test_concurrent_joins_inventories_and_plans_all_count(api: httpx.AsyncClient) -> None:
    headers = await signed_up(api, "officer@example.org")
    network = (await api.post("/networks", json={"name": "Concurrent cities", "acronym": "CC"}, headers=headers)).json()
    cities = []
    for n in range(8):
        created = await api.post("/cities", json=LYON | {"name": f"City {n}", "latitude": 44 + n * 0.3}, headers=headers)
        cities.append(created.json()["id"])

    def join(city: str) -> object:
        return api.post(f"/cities/{city}/networks", json={"network_id": network["id"]}, headers=headers)

    assert {r.status_code for r in await asyncio.gather(*(join(c) for c in cities[:4]))} == {201}
    # Inventories from every city, plans from half of them and the last joins, all at once.
    results = await asyncio.gather(
        *(api.post(f"/cities/{c}/inventories", json={"year": 2023, "sectors": sectors(100 * (n + 1))}, headers=headers)
          for n, c in enumerate(cities)),
        *(api.put(f"/cities/{c}/plan", json=PLAN, headers=headers) for c in cities[::2]),
        *(join(c) for c in cities[4:]),
    )
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results if r.status_code >= 300]

    body = (await api.get(f"/networks/{network['id']}/progress")).json()
    total = sum(100 * (n + 1) for n in range(8))
    assert (body["member_cities"], body["cities_with_inventories"], body["cities_with_plans"]) == (8, 8, 4)
    assert body["total_latest_emissions_tco2e"] == total and body["total_baseline_emissions_tco2e"] == 4000
    assert body["timeseries"] == [{"year": 2023, "emissions_tco2e": total, "cities_reporting": 8}]
    # The 2023 path is 850: the planned cities (100, 300, 500, 700) are all below it.
    assert body["cities_on_track"] == 4
    assert (await api.get(f"/networks/{network['id']}/progress", params={"year": 2023})).json()["cities_on_track"] == 4


async def test_concurrent_project_writes_and_a_join_in_several_countries_all_count(api: httpx.AsyncClient) -> None:
    officer = await signed_up(api, "officer@example.org")
    firm = await signed_up(api, "firm@example.org")
    network = (await api.post("/networks", json={"name": "Concurrent projects", "acronym": "CP"}, headers=officer)).json()
    places = {"FR": (45.7, 4.8), "DE": (52.5, 13.4), "ES": (40.4, -3.7)}
    cities = {}
    for country, (lat, lon) in places.items():
        body = LYON | {"name": f"City {country}", "country_code": country, "subdivision_code": None, "latitude": lat,
                       "longitude": lon}
        cities[country] = (await api.post("/cities", json=body, headers=officer)).json()["id"]
    for country in ("FR", "DE"):
        await api.post(f"/cities/{cities[country]}/networks", json={"network_id": network["id"]}, headers=officer)
    company = (await api.post("/companies", json={"name": "Acme", "sector": "C", "country_code": "FR"}, headers=firm)).json()
    projects = {}
    for country, city in cities.items():
        project = (await api.post("/projects", json={"city_id": city, "title": f"Heat {country}",
                                                     "expected_reduction_tco2e": 100}, headers=officer)).json()
        await api.post(f"/projects/{project['id']}/participants", json={"company_id": company["id"], "role": "partner"},
                       headers=officer)
        projects[country] = project["id"]

    results = await asyncio.gather(
        *(api.patch(f"/projects/{projects[c]}", json={"status": "active"}, headers=officer) for c in ("FR", "DE")),
        *(api.post(f"/projects/{p}/participants/{company['id']}/accept", headers=firm) for p in projects.values()),
        api.post(f"/cities/{cities['ES']}/networks", json={"network_id": network["id"]}, headers=officer),
        api.post("/projects", json={"city_id": cities["DE"], "title": "Trams", "expected_reduction_tco2e": 50},
                 headers=officer),
    )
    assert all(r.status_code in (200, 201) for r in results), [r.text for r in results if r.status_code >= 300]

    url = f"/networks/{network['id']}/progress"
    body = (await api.get(url)).json()
    assert body["projects"] == {"proposed": 2, "active": 2, "completed": 0}
    assert (body["member_cities"], body["participating_companies"]) == (3, 1)
    for country, proposed in (("FR", 0), ("DE", 1), ("ES", 1)):
        one = (await api.get(url, params={"country_code": country})).json()
        assert (one["participating_companies"], one["projects"]["proposed"]) == (1, proposed), country
