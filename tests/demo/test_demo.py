"""The small demo loads on every backend and keeps the platform's invariants."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City, CityProgress
from app.cities.rollup import refresh_city_progress
from app.companies.colocation import city_area
from app.companies.models import Company, Facility, FacilityCity
from app.demo import load as demo_load
from app.demo.generate import generate
from app.identity.models import Membership, Organization, Role
from app.common.standards import lei
from app.badges import rules
from app.badges.models import BadgeAssertion
from app.badges.service import gather_facts, gather_many, standings
from app.projects.models import Project
from app.reports.models import EmissionsReport
from app.reports.service import integrity
from tests.companies import test_rollup


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    return generate("small")


def test_generation_is_deterministic(small) -> None:  # type: ignore[no-untyped-def]
    again = generate("small")
    assert [c["name"] for c in again.rows["company"]] == [c["name"] for c in small.rows["company"]]
    assert [f["latitude"] for f in again.rows["facility"]][:50] == [f["latitude"] for f in small.rows["facility"]][:50]
    assert all(lei(c["lei"]) for c in small.rows["company"] if c["lei"])


async def test_small_demo_loads_and_keeps_the_invariants(session: AsyncSession) -> None:
    data = generate("small")
    counts = await demo_load.load(session, data)
    await session.flush()
    assert counts["city"] == 60 and counts["facility"] == 1000
    assert await demo_load.has_data(session)

    # Every organisation has an admin.
    without_admin = select(Organization.id).where(
        ~Organization.id.in_(select(Membership.organization_id).where(Membership.role == Role.ADMIN))
    )
    assert (await session.scalars(without_admin)).all() == []

    # Every facility stands in exactly the cities whose area contains it.
    cities = {c.id: city_area(c) for c in (await session.scalars(select(City))).all()}
    links: dict = {}
    for city_id, facility_id in await session.execute(select(FacilityCity.city_id, FacilityCity.facility_id)):
        links.setdefault(facility_id, set()).add(city_id)
    for facility in (await session.scalars(select(Facility))).all():
        inside = {cid for cid, area in cities.items() if area.contains(facility.latitude, facility.longitude)}
        assert links.get(facility.id, set()) == inside

    # Each city's progress row is what the service would compute.
    for city in (await session.scalars(select(City).limit(20))).all():
        stored = await session.get(CityProgress, city.id)
        loaded = {k: getattr(stored, k) for k in ("latest_year", "latest_tco2e", "on_track", "reduction_pct", "target_year")}
        fresh = await refresh_city_progress(session, city)
        assert loaded == {k: getattr(fresh, k) for k in loaded}
    assert await session.scalar(select(func.count()).select_from(CityProgress)) == 60

    # Every company has its rollup row, and each is what the services' writes would have kept.
    companies = (await session.scalars(select(Company.id).order_by(Company.id))).all()
    assert counts["company_rollup"] == len(companies)
    for company_id in companies[::10]:
        assert await test_rollup.stored(session, company_id) == await test_rollup.recounted(session, company_id)

    # Every report's hash chain is intact, and every report has its versions.
    for report in (await session.scalars(select(EmissionsReport))).all():
        assert (await integrity(session, report)).valid, report.id
    statuses = {row[0] for row in await session.execute(select(Project.status).distinct())}
    assert statuses == {"proposed", "active", "completed", "cancelled"}

    # Every badge follows from the facts, and every fact-earned badge is held.
    assert await demo_load.award_badges(session) > 0
    held: dict = {}
    for assertion in (await session.scalars(select(BadgeAssertion).where(BadgeAssertion.revoked_at.is_(None)))).all():
        held.setdefault(assertion.company_id, set()).add(assertion.badge_class)
    assert held
    for company_id in list(held)[:60]:
        assert set(rules.earned(await gather_facts(session, company_id))) == held[company_id]

    # A company's standing, read in one query, says what its facts say: a reconciliation trusts it
    # to skip the reads it rules out.
    standing = await standings(session, companies)
    facts = await gather_many(session, companies)
    assert {c: s.digest for c, s in standing.items()} == {c: rules.Digest.of(f) for c, f in facts.items()}
    assert await gather_many(session, companies, {c: s.digest for c, s in standing.items()}) == facts
    assert {c: set(s.held) for c, s in standing.items() if s.held} == held
    assert all(s.settled for s in standing.values())
