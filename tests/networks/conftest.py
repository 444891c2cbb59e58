"""A small network of member cities with plans and inventories."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import InventoryCreate, PlanWrite
from app.networks import service as networks
from app.networks.schemas import NetworkCreate
from tests.factories import make_city, make_user


def sectors(total: float) -> dict[str, float]:
    return {"stationary_energy": total * 0.5, "transportation": total * 0.3, "waste": total * 0.1, "ippu": total * 0.1, "afolu": 0}


@pytest.fixture
async def network(session: AsyncSession) -> dict:  # type: ignore[type-arg]
    """Three member cities in two countries and one outsider; plans and inventories as listed."""
    officer = await make_user(session)
    network = await networks.create_network(session, data=NetworkCreate(name="Test network", acronym="TN"), actor=officer)
    specs = [
        # name, country, baseline (published plan) or None, {year: total}
        ("Lyon", "FR", 1000.0, {2022: 900.0, 2024: 700.0}),
        ("Grenoble", "FR", 500.0, {2022: 520.0}),
        ("Berlin", "DE", None, {2023: 2000.0}),
    ]
    created = {}
    for n, (name, country, baseline, inventories) in enumerate(specs):
        city = await make_city(session, creator=officer, name=name, country_code=country, subdivision_code=None,
                               latitude=40 + n, longitude=5 + n)
        if baseline is not None:
            plan = PlanWrite(title=f"{name} plan", baseline_year=2020, baseline_emissions_tco2e=baseline,
                             targets=[{"year": 2030, "reduction_pct": 50}], status="published")
            await cities.put_plan(session, city=city, data=plan, actor=officer)
        for year, total in inventories.items():
            await cities.add_inventory(session, city=city, data=InventoryCreate(year=year, sectors=sectors(total)), actor=officer)
        await networks.join(session, network=network, city=city, actor=officer)
        created[name] = city
    outsider = await make_city(session, creator=officer, name="Outsider", latitude=10, longitude=10)
    await cities.add_inventory(session, city=outsider, data=InventoryCreate(year=2024, sectors=sectors(9999)), actor=officer)
    return {"id": network.id, "cities": created, "officer": officer}


