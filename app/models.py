"""Every table, imported in one place so that the metadata (and Alembic) sees them all."""

from app.badges.models import BadgeAssertion
from app.cities.models import City, CityCell, CityInventory, CityPlan, CityProgress, PlanAction
from app.companies.models import CityCompany, Commitment, Company, CompanyRollup, Facility, FacilityCity
from app.db import Base
from app.identity.models import AccessToken, AuditEvent, LoginFailure, Membership, Organization, User
from app.networks.models import Network, NetworkCity
from app.projects.models import (
    Comment, Disclosure, Milestone, Outcome, OutcomeAttribution, OutcomeVerification, Participant, Project, Support,
)
from app.reports.models import (
    ApiClient, EmissionsReport, IdempotencyKey, ReportVersion, Verification, VerificationRequest,
)
from app.verifiers.models import Verifier

__all__ = [
    "AccessToken", "ApiClient", "AuditEvent", "BadgeAssertion", "Base", "City", "CityCell", "CityCompany", "CityInventory",
    "CityPlan", "CityProgress", "Comment", "Commitment", "Company", "CompanyRollup", "Disclosure", "EmissionsReport", "Facility",
    "FacilityCity", "IdempotencyKey", "LoginFailure", "Membership", "Milestone", "Network", "NetworkCity",
    "Organization", "Outcome", "OutcomeAttribution", "OutcomeVerification", "Participant", "PlanAction", "Project",
    "ReportVersion", "Support", "User", "Verification", "VerificationRequest", "Verifier",
]
