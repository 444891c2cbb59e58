"""Every table, imported in one place so that the metadata (and Alembic) sees them all."""

from app.cities.models import City, CityCell, CityInventory, CityPlan, PlanAction
from app.companies.models import Commitment, Company, Facility, FacilityCity
from app.db import Base
from app.identity.models import AccessToken, AuditEvent, LoginFailure, Membership, Organization, User
from app.reports.models import (
    ApiClient, EmissionsReport, IdempotencyKey, ReportVersion, Verification, VerificationRequest,
)
from app.verifiers.models import Verifier

__all__ = [
    "AccessToken", "ApiClient", "AuditEvent", "Base", "City", "CityCell", "CityInventory", "CityPlan", "Commitment",
    "Company", "EmissionsReport", "Facility", "FacilityCity", "IdempotencyKey", "LoginFailure", "Membership",
    "Organization", "PlanAction", "ReportVersion", "User", "Verification", "VerificationRequest", "Verifier",
]
