"""Aggregate progress of a network's member cities.

Definitions (also on the dashboard page and in the API description):
- Only member cities count. A city's "latest" inventory is its most recent year's current
  (not superseded) inventory; with `year`, it is that year's inventory, and cities without one
  count as having no inventory.
- `total_baseline_emissions_tco2e` sums the baselines of published plans;
  `total_latest_emissions_tco2e` sums the latest inventories;
  `aggregate_reduction_pct` compares the two over the cities that have both.
- A city is on track when its latest inventory is at or below its target path for that year.
- `timeseries` sums, for each year, the inventories the member cities reported for it.
"""

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities.models import City, CityInventory, CityPlan, CityProgress, PlanStatus
from app.cities.rollup import targets_of
from app.common.standards import GpcSector
from app.networks.models import NetworkCity
from app.networks.schemas import (
    CountryProgress,
    NetworkProgress,
    ProjectCounts,
    SectorTotal,
    YearTotal,
)
from app.projects import figures

SECTORS = [sector.value for sector in GpcSector]


async def project_figures(session: AsyncSession, city_ids: Select[Any]) -> tuple[ProjectCounts, int, float]:
    """Projects by status, participating companies and verified reductions of the given cities."""
    by_status = await figures.projects_by_status(session, city_ids)
    counts = ProjectCounts(**{status: by_status.get(status, 0) for status in ProjectCounts.model_fields})
    return counts, await figures.participating_companies(session, city_ids), await figures.verified_reductions(session, city_ids)


def _members(network_id: uuid.UUID, country_code: str | None) -> Select[Any]:
    stmt = select(NetworkCity.city_id).where(NetworkCity.network_id == network_id)
    if country_code:
        stmt = stmt.join(City, City.id == NetworkCity.city_id).where(City.country_code == country_code)
    return stmt


def _country_row(country: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    both = [r for r in rows if r["baseline"] is not None and r["latest"] is not None]
    return {
        "country_code": country,
        "member_cities": len(rows),
        "cities_with_plans": sum(1 for r in rows if r["baseline"] is not None),
        "cities_with_inventories": sum(1 for r in rows if r["latest"] is not None),
        "cities_on_track": sum(1 for r in rows if r["on_track"]),
        "total_baseline_emissions_tco2e": sum(r["baseline"] or 0 for r in rows),
        "total_latest_emissions_tco2e": sum(r["latest"] or 0 for r in rows),
        "both_baseline": sum(r["baseline"] for r in both),
        "both_latest": sum(r["latest"] for r in both),
        "sectors": {s: sum(r["sectors"].get(s) or 0 for r in rows) for s in SECTORS},
    }


async def _latest_by_country(session: AsyncSession, members: Select[Any]) -> list[dict[str, Any]]:
    """One aggregate row a country, straight from the progress rollup."""
    has_both = CityProgress.has_published_plan & CityProgress.latest_tco2e.is_not(None)
    stmt = (
        select(
            CityProgress.country_code,
            func.count(),
            func.count().filter(CityProgress.has_published_plan),
            func.count().filter(CityProgress.latest_year.is_not(None)),
            func.count().filter(CityProgress.on_track.is_(True)),
            func.coalesce(func.sum(CityProgress.baseline_tco2e), 0.0),
            func.coalesce(func.sum(CityProgress.latest_tco2e), 0.0),
            func.coalesce(func.sum(CityProgress.baseline_tco2e).filter(has_both), 0.0),
            func.coalesce(func.sum(CityProgress.latest_tco2e).filter(has_both), 0.0),
            *(func.coalesce(func.sum(getattr(CityProgress, f"latest_{s}")), 0.0) for s in SECTORS),
        )
        .where(CityProgress.city_id.in_(members))
        .group_by(CityProgress.country_code)
    )
    result = []
    for row in await session.execute(stmt):
        result.append({
            "country_code": row[0], "member_cities": row[1], "cities_with_plans": row[2],
            "cities_with_inventories": row[3], "cities_on_track": row[4],
            "total_baseline_emissions_tco2e": float(row[5]), "total_latest_emissions_tco2e": float(row[6]),
            "both_baseline": float(row[7]), "both_latest": float(row[8]),
            "sectors": {s: float(v) for s, v in zip(SECTORS, row[9:], strict=True)},
        })
    return result


async def _for_year_by_country(session: AsyncSession, members: Select[Any], year: int) -> list[dict[str, Any]]:
    """Per-city figures for one year, computed from that year's inventories and the published plans."""
    stmt = (
        select(City.id, City.country_code, CityInventory, CityPlan)
        .outerjoin(CityInventory, (CityInventory.city_id == City.id) & (CityInventory.year == year)
                   & CityInventory.superseded_at.is_(None))
        .outerjoin(CityPlan, (CityPlan.city_id == City.id) & (CityPlan.status == PlanStatus.PUBLISHED))
        .where(City.id.in_(members))
    )
    by_country: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, country, inventory, plan in await session.execute(stmt):
        on_track = None
        if plan is not None and inventory is not None:
            result = progress_math.plan_progress(
                plan.baseline_year, plan.baseline_emissions_tco2e, targets_of(plan), [(year, inventory.total_tco2e)]
            )
            on_track = result.on_track
        by_country[country].append({
            "baseline": plan.baseline_emissions_tco2e if plan else None,
            "latest": inventory.total_tco2e if inventory else None,
            "on_track": on_track,
            "sectors": {s: getattr(inventory, s) for s in SECTORS} if inventory else {},
        })
    return [_country_row(country, rows) for country, rows in by_country.items()]


async def _timeseries(session: AsyncSession, members: Select[Any], year: int | None) -> list[YearTotal]:
    stmt = (
        select(CityInventory.year, func.sum(CityInventory.total_tco2e), func.count())
        .where(CityInventory.city_id.in_(members), CityInventory.superseded_at.is_(None))
        .group_by(CityInventory.year)
        .order_by(CityInventory.year)
    )
    if year is not None:
        stmt = stmt.where(CityInventory.year <= year)
    return [YearTotal(year=y, emissions_tco2e=float(total), cities_reporting=n) for y, total, n in await session.execute(stmt)]


async def network_progress(
    session: AsyncSession, *, network_id: uuid.UUID, year: int | None = None, country_code: str | None = None
) -> NetworkProgress:
    members = _members(network_id, country_code)
    countries = await (_for_year_by_country(session, members, year) if year else _latest_by_country(session, members))
    countries.sort(key=lambda c: c["country_code"])
    total = lambda key: sum(c[key] for c in countries)  # noqa: E731
    both_baseline, both_latest = total("both_baseline"), total("both_latest")
    projects, participating, verified = await project_figures(session, members)
    return NetworkProgress(
        network_id=network_id, year=year, country_code=country_code,
        member_cities=total("member_cities"),
        cities_with_plans=total("cities_with_plans"),
        cities_with_inventories=total("cities_with_inventories"),
        total_baseline_emissions_tco2e=round(total("total_baseline_emissions_tco2e"), 3),
        total_latest_emissions_tco2e=round(total("total_latest_emissions_tco2e"), 3),
        aggregate_reduction_pct=progress_math.reduction_pct(both_baseline, both_latest) if both_baseline else None,
        cities_on_track=total("cities_on_track"),
        projects=projects,
        participating_companies=participating,
        verified_corporate_reductions_tco2e=verified,
        by_country=[CountryProgress(**{k: v for k, v in c.items() if k in CountryProgress.model_fields}) for c in countries],
        by_sector=[SectorTotal(sector=s, emissions_tco2e=round(sum(c["sectors"][s] for c in countries), 3)) for s in SECTORS],
        timeseries=await _timeseries(session, members, year),
    )
