"""The network dashboard: headline figures, charts, the member cities, downloads."""

import uuid
from collections import defaultdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities.models import City, CityPlan, CityProgress, PlanStatus
from app.cities.rollup import targets_of
from app.common import access
from app.common.reads import SessionReader
from app.common.standards import country_name
from app.db import SessionDep
from app.networks import service
from app.networks.models import NetworkCity
from app.networks.progress import network_progress
from app.web import charts
from app.web.session import PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)

SORTS = {
    "name": (City.name.asc(),),
    "reduction": (CityProgress.reduction_pct.desc().nulls_last(), City.name.asc()),
    "emissions": (CityProgress.latest_tco2e.desc().nulls_last(), City.name.asc()),
}
CITY_ROWS = 200


async def aggregate_trajectory(session: AsyncSession, network_id: uuid.UUID) -> dict[int, float]:
    """The summed target paths of the member cities with published plans."""
    plans = await session.scalars(
        select(CityPlan)
        .join(NetworkCity, NetworkCity.city_id == CityPlan.city_id)
        .where(NetworkCity.network_id == network_id, CityPlan.status == PlanStatus.PUBLISHED)
    )
    totals: dict[int, float] = defaultdict(float)
    for plan in plans:
        for year, value in progress_math.trajectory(plan.baseline_year, plan.baseline_emissions_tco2e, targets_of(plan)):
            totals[year] += value
    return dict(totals)


@router.get("/networks/{network_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def dashboard(
    network_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep,
    sort: Annotated[Literal["name", "reduction", "emissions"], Query()] = "reduction",
) -> Response:
    network = await service.get_network(session, network_id)
    progress = await network_progress(SessionReader(session), network_id=network_id)
    stmt = (
        select(City.id, City.name, City.country_code, CityProgress)
        .join(NetworkCity, NetworkCity.city_id == City.id)
        .outerjoin(CityProgress, CityProgress.city_id == City.id)
        .where(NetworkCity.network_id == network_id)
        .order_by(*SORTS[sort])
        .limit(CITY_ROWS)
    )
    cities = [
        {"id": cid, "name": name, "country": country, "progress": row}
        for cid, name, country, row in await session.execute(stmt)
    ]
    context = {
        "network": network, "progress": progress, "cities": cities, "sort": sort,
        "more_cities": progress.member_cities > len(cities),
        "country_names": {c.country_code: country_name(c.country_code) for c in progress.by_country},
        "trajectory": await aggregate_trajectory(session, network_id),
    }
    return render(request, "networks/show.html", context)


@router.get("/networks/{network_id}/emissions.svg", openapi_extra=access.PUBLIC)
async def emissions_chart(network_id: uuid.UUID, session: SessionDep) -> Response:
    network = await service.get_network(session, network_id)
    progress = await network_progress(SessionReader(session), network_id=network_id)
    reported = {p.year: p.emissions_tco2e for p in progress.timeseries}
    path = await aggregate_trajectory(session, network_id)
    years = sorted(set(reported) | set(path))
    span = list(range(years[0], years[-1] + 1)) if years else []
    series = [
        charts.Series("Reported by member cities", [reported.get(y) for y in span]),
        charts.Series("Target path of cities with plans", [path.get(y) for y in span], dashed=True),
    ]
    return charts.svg_response(charts.line_chart(f"{network.acronym}: member cities' emissions", [str(y) for y in span], series))


@router.get("/networks/{network_id}/sectors.svg", openapi_extra=access.PUBLIC)
async def sector_chart(network_id: uuid.UUID, session: SessionDep) -> Response:
    network = await service.get_network(session, network_id)
    progress = await network_progress(SessionReader(session), network_id=network_id)
    labels = [s.sector.replace("_", " ") for s in progress.by_sector]
    values = [s.emissions_tco2e for s in progress.by_sector]
    return charts.svg_response(charts.bar_chart(f"{network.acronym}: latest emissions by GPC sector", labels, values))
