"""Plain functions that make test data through the services, with sensible defaults."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity import service as identity
from app.identity.models import Membership, Organization, OrgKind, Role, User

PASSWORD = "a sturdy passphrase"


async def make_user(session: AsyncSession, **overrides: Any) -> User:
    values: dict[str, Any] = {
        "email": f"user-{uuid.uuid4().hex[:10]}@example.org",
        "password": PASSWORD,
        "display_name": "Test User",
    }
    values.update(overrides)
    is_admin = values.pop("is_platform_admin", False)
    user = await identity.register_user(session, **values)
    user.is_platform_admin = is_admin
    await session.flush()
    return user


async def make_organization(
    session: AsyncSession, *, kind: OrgKind = OrgKind.COMPANY, name: str = "Acme", creator: User | None = None
) -> Organization:
    creator = creator or await make_user(session)
    return await identity.create_organization(session, kind=kind, name=name, creator=creator)


async def add_member(session: AsyncSession, organization: Organization, user: User, role: Role) -> None:
    session.add(Membership(organization_id=organization.id, user_id=user.id, role=role))
    await session.flush()


async def token_for(session: AsyncSession, user: User) -> str:
    return await identity.issue_token(session, user=user, ttl_seconds=3600)


async def auth_headers(session: AsyncSession, user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {await token_for(session, user)}"}


def make_lei(seed: int | None = None) -> str:
    """A LEI with valid ISO 7064 mod 97-10 check digits."""
    from app.common.standards import complete_lei

    return complete_lei(f"5299{(seed if seed is not None else uuid.uuid4().int) % 10**12:012d}AB")


LYON = {"name": "Lyon", "country_code": "FR", "subdivision_code": "FR-ARA", "population": 520_000,
        "latitude": 45.764, "longitude": 4.8357}


async def make_city(session: AsyncSession, *, creator: User | None = None, **overrides: Any) -> Any:
    from app.cities import service as cities
    from app.cities.schemas import CityCreate

    creator = creator or await make_user(session)
    return await cities.create_city(session, data=CityCreate(**(LYON | overrides)), actor=creator)


async def make_company(session: AsyncSession, *, creator: User | None = None, **overrides: Any) -> Any:
    from app.companies import service as companies
    from app.companies.schemas import CompanyCreate

    creator = creator or await make_user(session)
    values = {"name": "Acme Industries", "sector": "C", "country_code": "FR"} | overrides
    return await companies.create_company(session, data=CompanyCreate(**values), actor=creator)


async def make_facility(session: AsyncSession, company: Any, *, actor: User, **overrides: Any) -> Any:
    from app.companies import service as companies
    from app.companies.schemas import FacilityCreate

    values = {"name": "Plant", "latitude": LYON["latitude"] + 0.01, "longitude": LYON["longitude"]} | overrides
    return await companies.create_facility(session, company=company, data=FacilityCreate(**values), actor=actor)


PLAN = {
    "title": "Climate plan", "baseline_year": 2020, "baseline_emissions_tco2e": 1000.0,
    "targets": [{"year": 2030, "reduction_pct": 50, "kind": "absolute"}], "status": "published",
}


async def make_action(session: AsyncSession, city: Any, *, actor: User, **overrides: Any) -> Any:
    """An action of the city's plan (the plan is created first when the city has none)."""
    from app.cities import service as cities
    from app.cities.schemas import ActionCreate, PlanWrite

    if await session.get(cities.CityPlan, city.id) is None:
        await cities.put_plan(session, city=city, data=PlanWrite(**PLAN), actor=actor)
    values = {"title": "Heat network", "description": "", "sector": "stationary_energy", "partner_sectors": ["D"],
              "expected_reduction_tco2e": 100.0, "status": "planned"} | overrides
    return await cities.create_action(session, city=city, data=ActionCreate(**values), actor=actor)


REPORT = {
    "reporting_year": 2023, "scope1_tco2e": 1200.0, "scope2_location_tco2e": 800.0, "scope2_market_tco2e": 650.0,
    "scope3": {"1": 3000.0, "6": 120.5}, "boundary": "operational_control", "methodology": "GHG Protocol Corporate Standard",
}


async def make_report(session: AsyncSession, company: Any, *, actor: User | None = None, **overrides: Any) -> Any:
    """A submitted report, through the service, as a company editor would submit it."""
    from app.reports import service as reports
    from app.reports.auth import Actor
    from app.reports.schemas import ReportCreate

    return await reports.submit_report(
        session, company=company, data=ReportCreate(**(REPORT | overrides)), actor=Actor(user=actor)
    )


async def make_verifier(session: AsyncSession, *, creator: User | None = None, accredited: bool = True, **overrides: Any) -> Any:
    from app.verifiers import service as verifiers
    from app.verifiers.schemas import VerifierCreate

    creator = creator or await make_user(session)
    verifier = await verifiers.create_verifier(session, data=VerifierCreate(**({"name": "Veritas"} | overrides)), actor=creator)
    verifier.accredited = accredited
    await session.flush()
    return verifier


async def make_project(session: AsyncSession, city: Any, *, actor: User, **overrides: Any) -> Any:
    """A proposed project of the city, created by one of its editors."""
    from app.projects import service as projects
    from app.projects.schemas import ProjectCreate

    values = {"city_id": city.id, "title": "District heating", "description": "Heat from the incinerator",
              "expected_reduction_tco2e": 500.0} | overrides
    return await projects.create_project(session, data=ProjectCreate(**values), actor=actor)


async def add_participant(
    session: AsyncSession, project: Any, company: Any, *, actor: User, accept_as: User | None = None, **overrides: Any
) -> Any:
    """Invite the company, and accept on its behalf when `accept_as` (one of its editors) is given."""
    from app.projects import service as projects
    from app.projects.schemas import ParticipantCreate

    values = {"company_id": company.id, "role": "partner"} | overrides
    participant = await projects.invite(session, project=project, data=ParticipantCreate(**values), actor=actor)
    if accept_as is not None:
        participant = await projects.respond(session, project=project, company_id=company.id, accept=True, actor=accept_as)
    return participant


async def set_project_status(session: AsyncSession, project: Any, status: str, *, actor: User) -> Any:
    from app.projects import service as projects
    from app.projects.schemas import ProjectUpdate

    return await projects.update_project(session, project=project, data=ProjectUpdate(status=status), actor=actor)


async def lift_append_only_guard(session: AsyncSession, table: str) -> None:
    """What an attacker with the database owner's rights can do: switch off a table's append-only trigger
    (inside the test's transaction, which is rolled back)."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
    else:
        await session.execute(text(f"DROP TRIGGER {table}_append_only"))
