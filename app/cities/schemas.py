import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from app.cities.geometry import BoundaryError, parse_boundary
from app.cities.models import ActionStatus, PlanStatus, TargetKind
from app.common.schemas import Input, Output
from app.common.standards import (
    CountryCode, GpcSector, IsicSection, Latitude, Longitude, Percent, SubdivisionCode, Tonnes, Year,
    subdivision_in_country,
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=300)]


def _boundary(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        parse_boundary(value)
    except BoundaryError as exc:
        raise ValueError(str(exc)) from exc
    return {"type": value["type"], "coordinates": value["coordinates"]}


class CityCreate(Input):
    name: Name
    country_code: CountryCode
    subdivision_code: SubdivisionCode | None = None
    population: int | None = Field(default=None, ge=0, le=100_000_000)
    latitude: Latitude
    longitude: Longitude
    boundary: dict[str, Any] | None = Field(default=None, description="GeoJSON Polygon or MultiPolygon geometry.")
    radius_km: float | None = Field(default=None, gt=0, le=200, allow_inf_nan=False)

    _check_boundary = field_validator("boundary")(_boundary)

    @model_validator(mode="after")
    def _subdivision_in_country(self) -> Self:
        if self.subdivision_code and not subdivision_in_country(self.subdivision_code, self.country_code):
            raise ValueError(f"subdivision {self.subdivision_code} is not in country {self.country_code}")
        return self


class CityUpdate(Input):
    name: Name | None = None
    subdivision_code: SubdivisionCode | None = None
    population: int | None = Field(default=None, ge=0, le=100_000_000)
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    boundary: dict[str, Any] | None = None
    radius_km: float | None = Field(default=None, gt=0, le=200, allow_inf_nan=False)

    _check_boundary = field_validator("boundary")(_boundary)


class CityRead(Output):
    id: uuid.UUID
    name: str
    country_code: str
    subdivision_code: str | None
    population: int | None
    latitude: float
    longitude: float
    boundary: dict[str, Any] | None
    radius_km: float | None
    effective_radius_km: float | None = Field(default=None, description="The circle used when there is no boundary.")
    created_at: datetime
    updated_at: datetime


class Target(Input):
    year: Year
    reduction_pct: Percent
    kind: TargetKind = TargetKind.ABSOLUTE

    @model_validator(mode="after")
    def _net_zero_is_complete(self) -> Self:
        if self.kind == TargetKind.NET_ZERO and self.reduction_pct < 80:
            raise ValueError("a net-zero target reduces emissions by at least 80 %")
        return self


class PlanWrite(Input):
    title: Title
    baseline_year: Year
    baseline_emissions_tco2e: Tonnes
    targets: list[Target] = Field(default_factory=list, max_length=20)
    status: PlanStatus = PlanStatus.DRAFT

    @model_validator(mode="after")
    def _targets_follow_the_baseline(self) -> Self:
        years = [t.year for t in self.targets]
        for target in self.targets:
            if target.year <= self.baseline_year:
                raise ValueError(f"the target for {target.year} is not after the baseline year {self.baseline_year}")
        if len(set(years)) != len(years):
            raise ValueError("two targets share a year")
        ordered = sorted(self.targets, key=lambda t: t.year)
        for earlier, later in zip(ordered, ordered[1:]):
            if later.reduction_pct < earlier.reduction_pct:
                raise ValueError(f"the {later.year} target reduces less than the {earlier.year} target")
        self.targets = ordered
        return self


class PlanRead(Output):
    city_id: uuid.UUID
    title: str
    baseline_year: int
    baseline_emissions_tco2e: float
    targets: list[Target]
    status: PlanStatus
    updated_at: datetime


class ActionCreate(Input):
    title: Title
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    sector: GpcSector
    partner_sectors: list[IsicSection] = Field(default_factory=list, max_length=21)
    expected_reduction_tco2e: Tonnes
    status: ActionStatus = ActionStatus.PLANNED


class ActionUpdate(Input):
    title: Title | None = None
    description: Annotated[str, StringConstraints(max_length=5000)] | None = None
    sector: GpcSector | None = None
    partner_sectors: list[IsicSection] | None = Field(default=None, max_length=21)
    expected_reduction_tco2e: Tonnes | None = None
    status: ActionStatus | None = None


class ActionRead(Output):
    id: uuid.UUID
    city_id: uuid.UUID
    title: str
    description: str
    sector: GpcSector
    partner_sectors: list[IsicSection]
    expected_reduction_tco2e: float
    status: ActionStatus
    updated_at: datetime


class SectorEmissions(Input):
    stationary_energy: Tonnes
    transportation: Tonnes
    waste: Tonnes
    ippu: Tonnes
    afolu: Tonnes


class InventoryCreate(Input):
    year: Year
    sectors: SectorEmissions


class InventoryReplace(Input):
    sectors: SectorEmissions
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class InventoryRead(Output):
    year: int
    sectors: SectorEmissions
    total_tco2e: float
    reason: str | None
    created_at: datetime
    superseded_at: datetime | None = None


class TrajectoryPoint(Output):
    year: int
    emissions_tco2e: float


class Progress(Output):
    baseline_year: int | None
    baseline_emissions_tco2e: float | None
    latest_year: int | None
    latest_emissions_tco2e: float | None
    reduction_pct_to_date: float | None
    next_target: Target | None
    trajectory: list[TrajectoryPoint]
    on_track: bool | None
    project_count: int
    verified_corporate_reductions_tco2e: float


class ColocatedCompany(Output):
    company_id: uuid.UUID
    name: str
    facility_count: int
    climate_active: bool
    participating: bool


class NetworkJoin(Input):
    network_id: uuid.UUID
