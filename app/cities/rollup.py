"""Keeping each city's progress row in step with its plan and inventories."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities.models import City, CityInventory, CityPlan, CityProgress, PlanStatus
from app.common.standards import GpcSector
from app.networks import rollup as network_rollup


def targets_from(targets: list[dict[str, Any]]) -> list[progress_math.TargetPoint]:
    return [progress_math.TargetPoint(t["year"], t["reduction_pct"], t.get("kind", "absolute")) for t in targets]


def targets_of(plan: CityPlan) -> list[progress_math.TargetPoint]:
    return targets_from(plan.targets)


async def refresh_city_progress(session: AsyncSession, city: City) -> CityProgress:
    """Recompute the city's progress row; call it in the transaction that changed the plan or an inventory."""
    # Writes about one city take turns from here to their commit, so that each reads what the other wrote:
    # a plan and an inventory sent at once would otherwise each recompute without the other.
    await session.execute(select(City.id).where(City.id == city.id).with_for_update(key_share=True))
    row = await session.get(CityProgress, city.id)
    if row is None:
        row = CityProgress(city_id=city.id, country_code=city.country_code)
        session.add(row)
    plan = await session.get(CityPlan, city.id)
    latest = await session.scalar(
        select(CityInventory)
        .where(CityInventory.city_id == city.id, CityInventory.superseded_at.is_(None))
        .order_by(CityInventory.year.desc())
        .limit(1)
    )
    row.country_code = city.country_code
    row.latest_year = latest.year if latest else None
    row.latest_tco2e = latest.total_tco2e if latest else None
    for sector in GpcSector:
        setattr(row, f"latest_{sector.value}", getattr(latest, sector.value) if latest else None)
    published = plan is not None and plan.status == PlanStatus.PUBLISHED
    row.has_published_plan = published
    row.baseline_year = plan.baseline_year if published and plan else None
    row.baseline_tco2e = plan.baseline_emissions_tco2e if published and plan else None
    row.target_year = row.target_reduction_pct = row.reduction_pct = row.on_track = None
    if published and plan is not None:
        targets = targets_of(plan)
        inventories = [(latest.year, latest.total_tco2e)] if latest else []
        result = progress_math.plan_progress(plan.baseline_year, plan.baseline_emissions_tco2e, targets, inventories)
        headline = result.next_target or (max(targets, key=lambda t: t.year) if targets else None)
        if headline is not None:
            row.target_year, row.target_reduction_pct = headline.year, headline.reduction_pct
        row.reduction_pct = result.reduction_pct_to_date
        row.on_track = result.on_track
    await session.flush()
    await network_rollup.city_changed(session, city)
    return row


async def refresh_by_id(session: AsyncSession, city_id: uuid.UUID) -> None:
    city = await session.get(City, city_id)
    if city is not None:
        await refresh_city_progress(session, city)
