"""Every table, imported in one place so that the metadata (and Alembic) sees them all."""

from app.db import Base
from app.identity.models import AccessToken, AuditEvent, LoginFailure, Membership, Organization, User

__all__ = ["AccessToken", "AuditEvent", "Base", "LoginFailure", "Membership", "Organization", "User"]
