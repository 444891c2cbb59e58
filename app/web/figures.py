"""Platform-wide headline figures for the home page."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import CityProgress
from app.companies.models import Company
from app.companies.service import climate_active_clause
from app.networks.models import Network


@dataclass(frozen=True)
class PlatformFigures:
    cities: int
    cities_with_plans: int
    cities_on_track: int
    city_emissions_tco2e: float
    companies: int
    climate_active_companies: int
    networks: int


async def platform_figures(session: AsyncSession) -> PlatformFigures:
    cities = (await session.execute(
        select(
            func.count(),
            func.count().filter(CityProgress.has_published_plan),
            func.count().filter(CityProgress.on_track.is_(True)),
            func.coalesce(func.sum(CityProgress.latest_tco2e), 0.0),
        )
    )).one()
    companies = (await session.execute(select(func.count(), func.count().filter(climate_active_clause())).select_from(Company))).one()
    networks = await session.scalar(select(func.count()).select_from(Network)) or 0
    return PlatformFigures(
        cities=cities[0], cities_with_plans=cities[1], cities_on_track=cities[2], city_emissions_tco2e=float(cities[3]),
        companies=companies[0], climate_active_companies=companies[1], networks=networks,
    )


async def featured_networks(session: AsyncSession, limit: int = 6) -> list[Network]:
    return list((await session.scalars(select(Network).order_by(Network.name).limit(limit))).all())


