"""Request and response bodies of reports, verification and API clients."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from app.common.schemas import Input, Output
from app.common.standards import Tonnes, Year
from app.reports.content import Unit
from app.reports.models import (
    AssuranceLevel,
    ReportStatus,
    RequestStatus,
    VerificationOutcome,
)


class Boundary(StrEnum):
    OPERATIONAL_CONTROL = "operational_control"
    FINANCIAL_CONTROL = "financial_control"
    EQUITY_SHARE = "equity_share"


Scope3Category = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"]
Methodology = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=1000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class FacilityFigures(Input):
    facility_id: uuid.UUID
    scope1_tco2e: Tonnes
    scope2_location_tco2e: Tonnes


class ReportFields(Input):
    scope1_tco2e: Tonnes
    scope2_location_tco2e: Tonnes
    scope2_market_tco2e: Tonnes | None = None
    scope3: dict[Scope3Category, Tonnes] | None = Field(default=None, description="Scope 3 by category, 1 to 15.")
    boundary: Boundary
    methodology: Methodology
    facilities: list[FacilityFigures] | None = Field(default=None, max_length=1000)
    unit: Unit = Field(default=Unit.TCO2E, description="Unit of the figures sent; they are stored in tonnes.")

    @model_validator(mode="after")
    def _distinct_facilities(self) -> Self:
        ids = [f.facility_id for f in self.facilities or ()]
        if len(set(ids)) != len(ids):
            raise ValueError("each facility appears once in the breakdown")
        return self


class ReportCreate(ReportFields):
    reporting_year: Year


class RestatementCreate(ReportFields):
    reporting_year: Year | None = Field(default=None, description="If given, the report's own year.")
    reason: Reason


class FacilityFiguresRead(Output):
    facility_id: uuid.UUID
    scope1_tco2e: float
    scope2_location_tco2e: float


class FlagRead(Output):
    code: str
    severity: str
    detail: str


class VerificationRead(Output):
    id: uuid.UUID
    version: int
    verifier_id: uuid.UUID
    verifier_name: str
    outcome: VerificationOutcome
    assurance_level: AssuranceLevel
    standard: str | None
    statement: str
    decided_at: datetime


class ReportRead(Output):
    id: uuid.UUID
    company_id: uuid.UUID
    reporting_year: int
    version: int
    status: ReportStatus
    content_hash: str
    previous_hash: str | None
    reason: str | None
    submitted_at: datetime
    scope1_tco2e: float
    scope2_location_tco2e: float
    scope2_market_tco2e: float | None
    scope3: dict[str, float]
    scope3_total_tco2e: float
    total_tco2e: float
    boundary: Boundary
    methodology: str
    facilities: list[FacilityFiguresRead]
    verification: VerificationRead | None
    flags: list[FlagRead]


class HistoryItem(Output):
    version: int
    content_hash: str
    previous_hash: str | None
    submitted_at: datetime
    reason: str | None
    superseded: bool


class IntegrityRead(Output):
    valid: bool
    versions: int
    problems: list[str]


class VerificationRequestCreate(Input):
    verifier_id: uuid.UUID


class VerificationRequestRead(Output):
    id: uuid.UUID
    report_id: uuid.UUID
    version: int
    verifier_id: uuid.UUID
    status: RequestStatus
    requested_at: datetime


class QueueItem(Output):
    id: uuid.UUID
    report_id: uuid.UUID
    version: int
    company_id: uuid.UUID
    company_name: str
    reporting_year: int
    requested_at: datetime


class VerificationCreate(Input):
    outcome: VerificationOutcome
    assurance_level: AssuranceLevel
    standard: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    statement: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    verifier_id: uuid.UUID | None = Field(
        default=None, description="The verifier you act for; needed only when you edit several that were asked."
    )


class ApiClientCreate(Input):
    name: Name


class ApiClientCreated(Output):
    id: uuid.UUID
    company_id: uuid.UUID
    name: str
    key: str = Field(description="Shown once: only its SHA-256 is stored.")
    created_at: datetime


class ImportResult(Output):
    imported: int


class ImportCheck(Output):
    valid: int
