import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from app.common.schemas import Input, Output
from app.common.standards import CountryCode, IsicSection, Latitude, Lei, Longitude, Percent, Year
from app.companies.models import SbtiStatus

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class CompanyCreate(Input):
    name: Name
    lei: Lei | None = None
    sector: IsicSection
    country_code: CountryCode


class CompanyUpdate(Input):
    name: Name | None = None
    lei: Lei | None = None
    sector: IsicSection | None = None
    country_code: CountryCode | None = None


class CompanyRead(Output):
    id: uuid.UUID
    name: str
    lei: str | None
    sector: IsicSection
    country_code: str
    climate_active: bool
    created_at: datetime
    updated_at: datetime


class FacilityCreate(Input):
    name: Name
    latitude: Latitude
    longitude: Longitude
    address: Annotated[str, StringConstraints(max_length=500)] | None = None


class FacilityRead(Output):
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    latitude: float
    longitude: float
    address: str | None
    city_ids: list[uuid.UUID]
    created_at: datetime


class CompanyTarget(Input):
    base_year: Year
    target_year: Year
    reduction_pct: Percent
    scopes: list[int] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.target_year <= self.base_year:
            raise ValueError(f"target year {self.target_year} is not after base year {self.base_year}")
        if any(scope not in (1, 2, 3) for scope in self.scopes) or len(set(self.scopes)) != len(self.scopes):
            raise ValueError("scopes are distinct integers among 1, 2 and 3")
        self.scopes = sorted(self.scopes)
        return self


class CommitmentWrite(Input):
    targets: list[CompanyTarget] = Field(default_factory=list, max_length=20)
    net_zero_year: Year | None = None
    sbti_status: SbtiStatus = SbtiStatus.NONE


class CommitmentRead(Output):
    company_id: uuid.UUID
    targets: list[CompanyTarget]
    net_zero_year: int | None
    sbti_status: SbtiStatus
    updated_at: datetime | None = None
