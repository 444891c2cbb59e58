"""A network's progress worked out here, city by city from the source rows, to check the API against.

It reads no rollup: plans, inventories, projects, participants and outcome decisions only, and the
progress maths (the definition of being on track).
"""

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities.models import City, CityInventory, CityPlan
from app.networks.models import NetworkCity
from app.projects.models import Outcome, OutcomeVerification, Participant, Project

SECTORS = ["stationary_energy", "transportation", "waste", "ippu", "afolu"]


def _on_track(plan: CityPlan | None, inventory: CityInventory | None) -> bool:
    if plan is None or inventory is None:
        return False
    targets = [progress_math.TargetPoint(t["year"], t["reduction_pct"], t.get("kind", "absolute")) for t in plan.targets]
    result = progress_math.plan_progress(plan.baseline_year, plan.baseline_emissions_tco2e, targets,
                                         [(inventory.year, inventory.total_tco2e)])
    return result.on_track is True


async def expected_progress(
    session: AsyncSession, network_id: Any, *, year: int | None = None, country_code: str | None = None
) -> dict[str, Any]:
    cities = list(await session.scalars(
        select(City).join(NetworkCity, NetworkCity.city_id == City.id).where(NetworkCity.network_id == network_id)
    ))
    if country_code:
        cities = [c for c in cities if c.country_code == country_code]
    ids = [c.id for c in cities]
    inventories: dict[Any, list[CityInventory]] = defaultdict(list)
    for row in await session.scalars(select(CityInventory).where(CityInventory.superseded_at.is_(None))):
        if row.city_id in ids:
            inventories[row.city_id].append(row)
    plans = {p.city_id: p for p in await session.scalars(select(CityPlan).where(CityPlan.status == "published"))}

    countries: dict[str, dict[str, Any]] = {}
    sectors = dict.fromkeys(SECTORS, 0.0)
    both_baseline = both_latest = 0.0
    for city in cities:
        plan = plans.get(city.id)
        rows = inventories[city.id]
        if year is None:
            inventory = max(rows, key=lambda r: r.year) if rows else None
        else:
            inventory = next((r for r in rows if r.year == year), None)
        c = countries.setdefault(city.country_code, {
            "country_code": city.country_code, "member_cities": 0, "cities_with_plans": 0, "cities_on_track": 0,
            "total_baseline_emissions_tco2e": 0.0, "total_latest_emissions_tco2e": 0.0, "with_inventories": 0,
        })
        c["member_cities"] += 1
        c["cities_with_plans"] += plan is not None
        c["cities_on_track"] += _on_track(plan, inventory)
        c["total_baseline_emissions_tco2e"] += plan.baseline_emissions_tco2e if plan else 0.0
        c["total_latest_emissions_tco2e"] += inventory.total_tco2e if inventory else 0.0
        c["with_inventories"] += inventory is not None
        if inventory is not None:
            for s in SECTORS:
                sectors[s] += getattr(inventory, s)
            if plan is not None:
                both_baseline += plan.baseline_emissions_tco2e
                both_latest += inventory.total_tco2e

    projects = list(await session.scalars(select(Project).where(Project.city_id.in_(ids)))) if ids else []
    project_ids = [p.id for p in projects]
    accepted = {
        p.company_id for p in await session.scalars(select(Participant).where(Participant.status == "accepted"))
        if p.project_id in project_ids
    }
    verified = {v.outcome_id for v in await session.scalars(
        select(OutcomeVerification).where(OutcomeVerification.outcome == "verified"))}
    reductions = sum(
        o.reduction_tco2e for o in await session.scalars(select(Outcome)) if o.project_id in project_ids and o.id in verified
    )
    by_year: dict[int, list[float]] = defaultdict(list)
    for rows in inventories.values():
        for row in rows:
            if year is None or row.year <= year:
                by_year[row.year].append(row.total_tco2e)

    ordered = [countries[k] for k in sorted(countries)]
    total = lambda key: sum(c[key] for c in ordered)  # noqa: E731
    return {
        "member_cities": len(cities),
        "cities_with_plans": total("cities_with_plans"),
        "cities_with_inventories": total("with_inventories"),
        "total_baseline_emissions_tco2e": total("total_baseline_emissions_tco2e"),
        "total_latest_emissions_tco2e": total("total_latest_emissions_tco2e"),
        "aggregate_reduction_pct": progress_math.reduction_pct(both_baseline, both_latest) if both_baseline else None,
        "cities_on_track": total("cities_on_track"),
        "projects": {s: sum(1 for p in projects if p.status == s) for s in ("proposed", "active", "completed")},
        "participating_companies": len(accepted),
        "verified_corporate_reductions_tco2e": reductions,
        "by_country": [{k: v for k, v in c.items() if k != "with_inventories"} for c in ordered],
        "by_sector": [{"sector": s, "emissions_tco2e": sectors[s]} for s in SECTORS],
        "timeseries": [
            {"year": y, "emissions_tco2e": sum(values), "cities_reporting": len(values)} for y, values in sorted(by_year.items())
        ],
    }


def approx(value: Any) -> Any:
    """Floats compared to a thousandth of a tonne (the API rounds totals to three decimals)."""
    if isinstance(value, dict):
        return {k: approx(v) for k, v in value.items()}
    if isinstance(value, list):
        return [approx(v) for v in value]
    if isinstance(value, float):
        return pytest.approx(value, abs=1e-3, rel=1e-9)
    return value


async def check_every_view(client: Any, session: AsyncSession, network_id: Any) -> None:
    """The whole network, each member country, each year reported (and one before), against the sources."""
    url = f"/api/v1/networks/{network_id}/progress"
    whole = (await client.get(url)).json()
    years = [p["year"] for p in whole["timeseries"]]
    views: list[dict[str, Any]] = [{}]
    views += [{"country_code": c["country_code"]} for c in whole["by_country"]]
    views += [{"year": y} for y in [*years, (min(years) - 1) if years else 2000]]
    views += [{"year": y, "country_code": c["country_code"]} for y in years[-1:] for c in whole["by_country"]]
    for params in views:
        body = (await client.get(url, params=params)).json()
        wanted = await expected_progress(session, network_id, **params)
        assert {k: body[k] for k in wanted} == approx(wanted), params
