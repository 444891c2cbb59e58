"""Give a city of a loaded data set more co-located firms, to measure matching at that size.

    .venv/bin/python bench/grow_city.py --database-url URL [--city Shenzhen] [--firms 5000]

Without --city, the city that holds the most firms grows; `bench/run.py` grows it so to measure a
city of 5,000 firms.

Firms not yet in the city each get one new facility at a random point of its area, linked to every
city whose area holds it, and their rollup rows are refreshed, as adding a facility through the
API would do. It changes the database: run it on a copy made for measuring.
"""

import argparse
import asyncio
import math
import random

from sqlalchemy import func, select

from app.cities.geometry import cell_of
from app.cities.models import City
from app.companies.colocation import city_area, resolve_facility
from app.companies.models import Company, Facility, FacilityCity
from app.companies.rollup import refresh_company_rollup
from app.config import async_database_url
from app.db import make_engine, make_sessionmaker

KM_PER_DEGREE = 111.32


async def grow(url: str, city_name: str | None, firms: int, seed: int) -> str:
    """Give the city `firms` co-located firms (if it holds fewer); its id."""
    engine = make_engine(async_database_url(url))
    try:
        async with make_sessionmaker(engine)() as session:
            if city_name is None:
                busiest = select(FacilityCity.city_id).group_by(FacilityCity.city_id)
                busiest = busiest.order_by(func.count(func.distinct(FacilityCity.company_id)).desc()).limit(1)
                city = await session.get(City, await session.scalar(busiest))
            else:
                stmt = select(City).where(City.name == city_name).order_by(City.population.desc())
                city = (await session.scalars(stmt)).first()
            if city is None:
                raise SystemExit(f"No city is named {city_name}.")
            here = set((await session.scalars(select(FacilityCity.company_id).where(FacilityCity.city_id == city.id))).all())
            others = sorted(set((await session.scalars(select(Company.id))).all()) - here)
            rng = random.Random(seed)
            chosen = rng.sample(others, max(0, firms - len(here)))
            area = city_area(city)
            for company_id in chosen:
                while True:  # a point of the disc around the centre that the area holds
                    distance, bearing = area.radius_km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
                    latitude = city.latitude + distance * math.cos(bearing) / KM_PER_DEGREE
                    longitude = city.longitude + distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(city.latitude)))
                    if area.contains(latitude, longitude):
                        break
                facility = Facility(company_id=company_id, name=f"{city.name} site", latitude=latitude, longitude=longitude,
                                    address=None, cell=cell_of(latitude, longitude))
                session.add(facility)
                await session.flush()
                await resolve_facility(session, facility)
            await refresh_company_rollup(session, chosen)
            await session.commit()
            count = select(func.count(func.distinct(FacilityCity.company_id))).where(FacilityCity.city_id == city.id)
            print(f"{city.name} ({city.id}) holds {await session.scalar(count):,} firms; {len(chosen):,} were added.")
            return str(city.id)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--city", help="its name (the most populous of that name); the city with the most firms if left out")
    parser.add_argument("--firms", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(grow(args.database_url, args.city, args.firms, args.seed))


if __name__ == "__main__":
    main()
