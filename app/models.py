"""Every table, imported in one place so that the metadata (and Alembic) sees them all."""

from app.cities.models import City, CityCell, CityInventory, CityPlan, CityProgress, PlanAction
from app.companies.models import Commitment, Company, Facility, FacilityCity
from app.db import Base
from app.identity.models import AccessToken, AuditEvent, LoginFailure, Membership, Organization, User
from app.networks.models import Network, NetworkCity
from app.verifiers.models import Verifier

__all__ = [
    "AccessToken", "AuditEvent", "Base", "City", "CityCell", "CityInventory", "CityPlan", "CityProgress", "Commitment", "Company",
    "Facility", "FacilityCity", "LoginFailure", "Membership", "Network", "NetworkCity", "Organization", "PlanAction", "User", "Verifier",
]
