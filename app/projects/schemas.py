"""Request and response bodies of joint projects."""

import uuid
from datetime import date, datetime
from typing import Annotated, Self

import pycountry
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from app.common.schemas import Input, Output
from app.common.standards import Tonnes
from app.projects.models import (
    AssuranceLevel, ParticipantRole, ParticipantStatus, ProjectStatus, VerificationOutcome,
)



def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here as a 422 rather than fail in the driver.
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


NoNul = AfterValidator(_no_nul)
Title = Annotated[str, StringConstraints(min_length=1, max_length=300), NoNul]
Text = Annotated[str, StringConstraints(max_length=10_000), NoNul]
Statement = Annotated[str, StringConstraints(min_length=1, max_length=10_000), NoNul]
Money = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]
Share = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
Day = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]


def _currency(value: str) -> str:
    code = value.upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError(f"{value!r} is not an ISO 4217 currency code")
    return code


Currency = Annotated[str, StringConstraints(min_length=3, max_length=3), AfterValidator(_currency)]


def _dates_in_order(start: date | None, end: date | None, names: tuple[str, str]) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{names[1]} is before {names[0]}")


class ProjectCreate(Input):
    city_id: uuid.UUID
    title: Title
    description: Text = ""
    action_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    expected_reduction_tco2e: Tonnes
    start_date: Day | None = None
    end_date: Day | None = None

    @model_validator(mode="after")
    def _order(self) -> Self:
        _dates_in_order(self.start_date, self.end_date, ("start_date", "end_date"))
        return self


class ProjectUpdate(Input):
    title: Title | None = None
    description: Text | None = None
    action_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    expected_reduction_tco2e: Tonnes | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    status: ProjectStatus | None = None


class ParticipantCreate(Input):
    company_id: uuid.UUID
    role: ParticipantRole
    funding_amount: Money | None = None
    currency: Currency | None = None
    pledged_reduction_tco2e: Tonnes | None = None

    @model_validator(mode="after")
    def _currency_with_amount(self) -> Self:
        if self.funding_amount is not None and self.currency is None:
            raise ValueError("a funding_amount needs its currency (ISO 4217)")
        return self


class ParticipantRead(Output):
    project_id: uuid.UUID
    company_id: uuid.UUID
    company_name: str
    role: ParticipantRole
    status: ParticipantStatus
    funding_amount: float | None
    currency: str | None
    pledged_reduction_tco2e: float | None
    local: bool = Field(description="Whether the company has a facility inside the project's city.")
    created_at: datetime
    responded_at: datetime | None


class ProjectRead(Output):
    id: uuid.UUID
    city_id: uuid.UUID
    city_name: str
    title: str
    description: str
    action_ids: list[uuid.UUID]
    expected_reduction_tco2e: float
    start_date: date | None
    end_date: date | None
    status: ProjectStatus
    allowed_transitions: list[ProjectStatus]
    participants: list[ParticipantRead]
    created_at: datetime
    updated_at: datetime


class MilestoneCreate(Input):
    title: Title
    due_date: Day
    done_date: Day | None = None


class MilestoneUpdate(Input):
    title: Title | None = None
    due_date: Day | None = None
    done_date: Day | None = None


class MilestoneRead(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    due_date: date
    done_date: date | None
    created_at: datetime


class AttributionIn(Input):
    company_id: uuid.UUID
    share_pct: Share


class OutcomeCreate(Input):
    period_start: Day
    period_end: Day
    reduction_tco2e: Tonnes
    method: Statement
    attributions: list[AttributionIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _order(self) -> Self:
        _dates_in_order(self.period_start, self.period_end, ("period_start", "period_end"))
        return self


class VerificationCreate(Input):
    outcome: VerificationOutcome
    assurance_level: AssuranceLevel
    statement: Statement
    standard: Annotated[str, StringConstraints(min_length=1, max_length=200), NoNul] | None = None
    verifier_id: uuid.UUID | None = Field(
        default=None, description="The verifier the caller acts for; optional when the caller edits only one."
    )


class VerificationRead(Output):
    outcome_id: uuid.UUID
    verifier_id: uuid.UUID
    verifier_name: str
    outcome: VerificationOutcome
    assurance_level: AssuranceLevel
    standard: str | None
    statement: str
    created_at: datetime


class AttributionRead(Output):
    company_id: uuid.UUID
    share_pct: float
    attributed_reduction_tco2e: float


class OutcomeRead(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    period_start: date
    period_end: date
    reduction_tco2e: float
    method: str
    attributions: list[AttributionRead]
    verification: VerificationRead | None
    created_at: datetime


class DisclosureCreate(Input):
    company_id: uuid.UUID | None = None
    statement: Statement


class DisclosureRead(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    company_id: uuid.UUID | None
    statement: str
    created_at: datetime


class FundingConcentration(Output):
    top_funder_share_pct: float | None
    alert: bool
    mixed_currencies: bool = Field(description="Funding is committed in more than one currency.")


class Governance(Output):
    funding_concentration: FundingConcentration
    disclosures: list[DisclosureRead]
    support_count: int
    comment_count: int


class SupportRead(Output):
    project_id: uuid.UUID
    support_count: int


class CommentCreate(Input):
    body: Annotated[str, StringConstraints(min_length=1, max_length=4000), NoNul]


class CommentHide(Input):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=500), NoNul]


class CommentRead(Output):
    id: uuid.UUID
    project_id: uuid.UUID
    author_name: str
    body: str | None = Field(description="Null when the comment is hidden.")
    hidden: bool
    created_at: datetime


class HistoryEntry(Output):
    at: datetime
    action: str
    summary: str

