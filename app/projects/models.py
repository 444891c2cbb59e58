"""Joint mitigation projects: participants, milestones, outcomes and their verification, governance, voice."""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, VersionedMixin, str_enum, utcnow
from app.verifiers.models import AssuranceLevel, VerificationOutcome  # noqa: F401  (used by the project modules)


class ProjectStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ParticipantRole(StrEnum):
    PARTNER = "partner"
    FUNDER = "funder"
    IMPLEMENTER = "implementer"


class ParticipantStatus(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Project(IdMixin, CreatedMixin, VersionedMixin, Base):
    __tablename__ = "project"

    city_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("city.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # Ids (as strings) of actions of the city's plan, checked by the service when written.
    action_ids: Mapped[list[str]]
    expected_reduction_tco2e: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus), index=True)


class Participant(CreatedMixin, Base):
    __tablename__ = "project_participant"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[ParticipantRole] = mapped_column(str_enum(ParticipantRole))
    status: Mapped[ParticipantStatus] = mapped_column(str_enum(ParticipantStatus))
    funding_amount: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    pledged_reduction_tco2e: Mapped[float | None] = mapped_column(Float)
    responded_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_project_participant_company_id_status", "company_id", "status"),)


class Milestone(IdMixin, CreatedMixin, Base):
    __tablename__ = "project_milestone"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[date]
    done_date: Mapped[date | None]


class Outcome(IdMixin, CreatedMixin, Base):
    """A measured reduction for a period: never edited, so that a verification always covers what it saw."""

    __tablename__ = "project_outcome"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    reduction_tco2e: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(Text)
    # [{company_id, share_pct}], also stored row by row in project_outcome_attribution for queries.
    attributions: Mapped[list[dict[str, Any]]]


class OutcomeAttribution(Base):
    __tablename__ = "project_outcome_attribution"

    outcome_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_outcome.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    share_pct: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_project_outcome_attribution_company_id", "company_id"),)


class OutcomeVerification(CreatedMixin, Base):
    """The one decision on an outcome: the primary key makes a second decision impossible, even in a race."""

    __tablename__ = "project_outcome_verification"

    outcome_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_outcome.id", ondelete="CASCADE"), primary_key=True)
    verifier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verifier.id", ondelete="CASCADE"), index=True)
    # No foreign key: the decision outlives the account that made it.
    verified_by: Mapped[uuid.UUID]
    outcome: Mapped[VerificationOutcome] = mapped_column(str_enum(VerificationOutcome))
    assurance_level: Mapped[AssuranceLevel] = mapped_column(str_enum(AssuranceLevel))
    standard: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)


class Disclosure(IdMixin, CreatedMixin, Base):
    """A conflict-of-interest statement, public as soon as it is made."""

    __tablename__ = "project_disclosure"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID]
    statement: Mapped[str] = mapped_column(Text)


class Support(Base):
    __tablename__ = "project_support"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Comment(IdMixin, CreatedMixin, Base):
    """A resident's comment; an abusive one is hidden, never deleted, so the moderation stays accountable."""

    __tablename__ = "project_comment"

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    hidden_at: Mapped[datetime | None]
    hidden_by: Mapped[uuid.UUID | None]
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_project_comment_project_id_id", "project_id", "id"),)
