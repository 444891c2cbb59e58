"""Users, their tokens, organisations, memberships and the audit log."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, CreatedMixin, IdMixin, str_enum, utcnow


class OrgKind(StrEnum):
    CITY = "city"
    COMPANY = "company"
    VERIFIER = "verifier"
    NETWORK = "network"


class Role(StrEnum):
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        return {"viewer": 1, "editor": 2, "admin": 3}[self.value]

    def includes(self, other: "Role") -> bool:
        return self.rank >= other.rank


class User(IdMixin, CreatedMixin, Base):
    __tablename__ = "app_user"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)


class AccessToken(IdMixin, CreatedMixin, Base):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no usable token."""

    __tablename__ = "access_token"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Organization(IdMixin, CreatedMixin, Base):
    """A city, company, verifier or network: whoever acts on the platform acts for one."""

    __tablename__ = "organization"

    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Membership(CreatedMixin, Base):
    __tablename__ = "membership"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))

    __table_args__ = (Index("ix_membership_user_id", "user_id"),)


class AuditEvent(IdMixin, Base):
    """One write, as it happened: appended in the transaction of the write, never changed."""

    __tablename__ = "audit_event"

    at: Mapped[datetime] = mapped_column(default=utcnow)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    # No foreign key: the record outlives the account it names.
    actor_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(500))
    changes: Mapped[dict[str, Any] | None]

    __table_args__ = (Index("ix_audit_event_organization_id_id", "organization_id", "id"),)


class LoginFailure(IdMixin, Base):
    """A failed sign-in, counted to throttle guessing (when no Redis is configured)."""

    __tablename__ = "login_failure"

    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
