"""Verifier organisations: independent third parties, accredited by a platform administrator."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, VersionedMixin


class VerificationOutcome(StrEnum):
    """A verifier's decision, on a report version or a project outcome."""

    VERIFIED = "verified"
    REJECTED = "rejected"


class AssuranceLevel(StrEnum):
    """ISO 14064-3 levels of assurance."""

    LIMITED = "limited"
    REASONABLE = "reasonable"


class Verifier(CreatedMixin, VersionedMixin, Base):
    __tablename__ = "verifier"

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True)
    # Kept equal to the organisation's name by the service, so that reads need no join.
    name: Mapped[str] = mapped_column(String(200))
    accreditation_body: Mapped[str | None] = mapped_column(String(200))
    accredited: Mapped[bool] = mapped_column(default=False)
    accredited_at: Mapped[datetime | None]
