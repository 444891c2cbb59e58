import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from app.common.schemas import Input, Output


class NetworkCreate(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    acronym: Annotated[str, StringConstraints(min_length=1, max_length=20)]


class NetworkRead(Output):
    id: uuid.UUID
    name: str
    acronym: str
    created_at: datetime


class MemberCityRead(Output):
    city_id: uuid.UUID
    name: str
    country_code: str
    population: int | None
    joined_at: datetime


class NetworkMembership(Output):
    network_id: uuid.UUID
    city_id: uuid.UUID
    joined_at: datetime


class ProjectCounts(Output):
    proposed: int = 0
    active: int = 0
    completed: int = 0


class CountryProgress(Output):
    country_code: str
    member_cities: int
    cities_with_plans: int
    cities_on_track: int
    total_baseline_emissions_tco2e: float
    total_latest_emissions_tco2e: float


class SectorTotal(Output):
    sector: str
    emissions_tco2e: float


class YearTotal(Output):
    year: int
    emissions_tco2e: float
    cities_reporting: int


class NetworkProgress(Output):
    network_id: uuid.UUID
    year: int | None
    country_code: str | None
    member_cities: int
    cities_with_plans: int
    cities_with_inventories: int
    total_baseline_emissions_tco2e: float
    total_latest_emissions_tco2e: float
    aggregate_reduction_pct: float | None
    cities_on_track: int
    projects: ProjectCounts
    participating_companies: int
    verified_corporate_reductions_tco2e: float
    by_country: list[CountryProgress]
    by_sector: list[SectorTotal]
    timeseries: list[YearTotal]
