"""Badge assertions: one per award, never rewritten; a revocation only sets its time and reason."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.badges.rules import BadgeClassId
from app.db import Base, IdMixin, str_enum


class BadgeAssertion(IdMixin, Base):
    __tablename__ = "badge_assertion"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    badge_class: Mapped[BadgeClassId] = mapped_column(str_enum(BadgeClassId))
    criteria_version: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[datetime]
    # [{kind, narrative, …ids and figures}]: what the award rests on.
    evidence: Mapped[list[dict[str, Any]]]
    # The credential exactly as signed, and its compact VC-JWT.
    credential: Mapped[dict[str, Any]]
    jwt: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_badge_assertion_company_id_id", "company_id", "id"),
        # At most one standing award per company and class, even when two events race.
        Index(
            "ix_badge_assertion_standing", "company_id", "badge_class", unique=True,
            sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL"),
        ),
    )
