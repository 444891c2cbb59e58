"""Which facilities stand inside which cities, resolved on every write through the grid index."""

import uuid
from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.geometry import CityArea, cell_of
from app.cities.models import City, CityCell
from app.companies.models import Facility, FacilityCity
from app.companies.rollup import refresh_city_pairs


def city_area(city: City) -> CityArea:
    return CityArea.of(
        latitude=city.latitude, longitude=city.longitude, boundary=city.boundary,
        radius_km=city.radius_km, population=city.population,
    )


async def index_city(session: AsyncSession, city: City, area: CityArea) -> None:
    """Record the grid cells the city's area touches."""
    await session.execute(delete(CityCell).where(CityCell.city_id == city.id))
    await session.execute(insert(CityCell), [{"cell": cell, "city_id": city.id} for cell in area.cells()])


async def cities_containing(session: AsyncSession, latitude: float, longitude: float) -> list[uuid.UUID]:
    stmt = (
        select(City)
        .join(CityCell, CityCell.city_id == City.id)
        .where(CityCell.cell == cell_of(latitude, longitude))
    )
    cities = (await session.scalars(stmt)).all()
    return [city.id for city in cities if city_area(city).contains(latitude, longitude)]


async def resolve_facility(session: AsyncSession, facility: Facility) -> list[uuid.UUID]:
    """Link a new or moved facility to every city whose area contains it."""
    city_ids = await cities_containing(session, facility.latitude, facility.longitude)
    await session.execute(delete(FacilityCity).where(FacilityCity.facility_id == facility.id))
    await _link(session, ((city_id, facility.id, facility.company_id) for city_id in city_ids))
    return city_ids


async def resolve_city(session: AsyncSession, city: City, area: CityArea) -> int:
    """Re-link the facilities inside a new or re-drawn city; returns how many it holds."""
    await session.execute(delete(FacilityCity).where(FacilityCity.city_id == city.id))
    stmt = select(Facility.id, Facility.company_id, Facility.latitude, Facility.longitude).where(
        Facility.cell.in_(area.cells())
    )
    rows = (await session.execute(stmt)).all()
    inside = [(city.id, fid, cid) for fid, cid, lat, lon in rows if area.contains(lat, lon)]
    await _link(session, inside)
    await refresh_city_pairs(session, city.id)
    return len(inside)


async def _link(session: AsyncSession, links: Iterable[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]) -> None:
    rows = [{"city_id": city_id, "facility_id": fid, "company_id": cid} for city_id, fid, cid in links]
    if rows:
        await session.execute(insert(FacilityCity), rows)
