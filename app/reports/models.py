"""Reports, their immutable versions, verification requests and decisions, API clients, idempotency keys."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, str_enum, utcnow
from app.verifiers.models import AssuranceLevel, VerificationOutcome  # noqa: F401  (used by the report modules)


class ReportStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class RequestStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"
    # The version was restated before anyone decided on it.
    SUPERSEDED = "superseded"


class EmissionsReport(IdMixin, CreatedMixin, Base):
    """A company's report for a year; its figures live in its versions, never here."""

    __tablename__ = "emissions_report"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    reporting_year: Mapped[int]
    current_version: Mapped[int] = mapped_column(default=1)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.SUBMITTED)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("company_id", "reporting_year"),)


class ReportVersion(IdMixin, Base):
    """One submitted version: written once; only `superseded` is set later, outside the hash."""

    __tablename__ = "report_version"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("emissions_report.id", ondelete="CASCADE"))
    version: Mapped[int]
    # The canonical content (figures in tonnes, the reason of a restatement); hashed with `previous_hash`.
    content: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A user or an API client: no foreign key, the record outlives either.
    submitted_by: Mapped[uuid.UUID | None]
    superseded: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("report_id", "version"),)


class VerificationRequest(IdMixin, CreatedMixin, Base):
    __tablename__ = "verification_request"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("emissions_report.id", ondelete="CASCADE"))
    version: Mapped[int]
    verifier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verifier.id", ondelete="CASCADE"))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.OPEN)
    requested_by: Mapped[uuid.UUID | None]

    __table_args__ = (
        Index("ix_verification_request_report_id_version", "report_id", "version"),
        Index("ix_verification_request_verifier_id_status", "verifier_id", "status"),
    )


class Verification(IdMixin, CreatedMixin, Base):
    """A verifier's decision on one version; the unique key makes it the only one."""

    __tablename__ = "verification"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("emissions_report.id", ondelete="CASCADE"))
    version: Mapped[int]
    verifier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verifier.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[VerificationOutcome] = mapped_column(str_enum(VerificationOutcome))
    assurance_level: Mapped[AssuranceLevel] = mapped_column(str_enum(AssuranceLevel))
    standard: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[uuid.UUID | None]

    __table_args__ = (UniqueConstraint("report_id", "version"),)


class ApiClient(IdMixin, CreatedMixin, Base):
    """A company's machine credential for its reports; only the key's SHA-256 is kept."""

    __tablename__ = "api_client"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[uuid.UUID | None]
    revoked_at: Mapped[datetime | None]


class IdempotencyKey(IdMixin, CreatedMixin, Base):
    """The first answer to a keyed request, replayed to retries with the same body."""

    __tablename__ = "idempotency_key"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response: Mapped[dict[str, Any] | None]

    __table_args__ = (UniqueConstraint("company_id", "key"),)
