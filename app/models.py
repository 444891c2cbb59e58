"""Every table, imported in one place so that the metadata (and Alembic) sees them all."""

from app.cities.models import City, CityCell, CityInventory, CityPlan, PlanAction
from app.companies.models import Commitment, Company, Facility, FacilityCity
from app.db import Base
from app.identity.models import AccessToken, AuditEvent, LoginFailure, Membership, Organization, User
from app.projects.models import (
    Comment, Disclosure, Milestone, Outcome, OutcomeAttribution, OutcomeVerification, Participant, Project, Support,
)
from app.verifiers.models import Verifier

__all__ = [
    "AccessToken", "AuditEvent", "Base", "City", "CityCell", "CityInventory", "CityPlan", "Commitment", "Company",
    "Facility", "FacilityCity", "LoginFailure", "Membership", "Organization", "PlanAction", "User", "Verifier",
    "Comment", "Disclosure", "Milestone", "Outcome", "OutcomeAttribution", "OutcomeVerification", "Participant",
    "Project", "Support",
]
