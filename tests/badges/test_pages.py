"""The badge page, and badges on the company and city pages, as a browser without JavaScript sees them."""

import uuid

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import service
from app.badges.models import BadgeAssertion
from app.badges.rules import CompanyFacts
from tests.badges.conftest import LEADER, report
from tests.factories import lift_append_only_guard, make_city, make_company, make_facility, make_user


async def test_the_badge_page_shows_validity_criteria_evidence_and_links(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    company = await make_company(session, name="Rhône Steel")
    facts_of[company.id] = CompanyFacts(reports=(report(2024, 321.0, verified=True),))
    await service.reconcile_badges(session, company_id=company.id, reason="set up")
    standing = {a.badge_class.value: a for a in await service.standing_badges(session, company.id)}
    assertion = standing["verified_reporter"]

    page = await client.get(f"/badges/{assertion.id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    text = page.text
    assert "Verified reporter" in text and "Rhône Steel" in text and "<strong>Valid.</strong>" in text
    assert "accredited third-party verifier" in text  # the criteria
    assert "Report for 2024, version 1, verified" in text  # the evidence
    for link in (f"/api/v1/badges/{assertion.id}/credential.jwt", f"/api/v1/badges/{assertion.id}\"",
                 f"/api/v1/badges/{assertion.id}/verify", "/.well-known/citypact-issuer.json",
                 f"/api/v1/badges/{assertion.id}.svg", f"/companies/{company.id}"):
        assert link in text, link

    facts_of[company.id] = CompanyFacts(reports=(report(2024, 330.0, version=2),))
    await service.reconcile_badges(session, company_id=company.id, reason="Report 2024 restated as version 2.")
    text = (await client.get(f"/badges/{assertion.id}")).text
    assert "<strong>Revoked</strong>" in text and "Report 2024 restated as version 2." in text

    disclosed = standing["disclosed"]
    await lift_append_only_guard(session, "badge_assertion")
    await session.execute(update(BadgeAssertion).where(BadgeAssertion.id == disclosed.id).values(
        credential=disclosed.credential | {"name": "Climate leader"}))
    text = (await client.get(f"/badges/{disclosed.id}")).text
    assert "<strong>Not valid.</strong>" in text and "signature does not hold" in text


async def test_unknown_and_malformed_badge_pages(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/badges/{uuid.uuid4()}", headers={"accept": "text/html"})).status_code == 404
    assert (await client.get("/badges/not-an-id", headers={"accept": "text/html"})).status_code == 422


async def test_the_company_page_shows_badges_and_the_next_one_within_reach(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    company = await make_company(session, name="Quiet Firm")
    text = (await client.get(f"/companies/{company.id}")).text
    assert 'id="badges"' in text and "No badge yet." in text
    assert "Next badge within reach: Target setter" in text and "State a reduction target" in text

    facts_of[company.id] = CompanyFacts(has_target=True, reports=(report(2023, 1000.0, verified=True),))
    await service.reconcile_badges(session, company_id=company.id, reason="set up")
    standing = await service.standing_badges(session, company.id)
    text = (await client.get(f"/companies/{company.id}")).text
    for assertion in standing:
        assert f'href="/badges/{assertion.id}"' in text and f'src="/api/v1/badges/{assertion.id}.svg"' in text
    assert "Next badge within reach: Project partner" in text
    assert "Have a later year verified at 900.0 tCO2e or less" in text

    facts_of[company.id] = LEADER
    await service.reconcile_badges(session, company_id=company.id, reason="more")
    facts_of[company.id] = CompanyFacts(**(LEADER.__dict__ | {"sbti_status": "none", "has_target": False}))
    await service.reconcile_badges(session, company_id=company.id, reason="Targets withdrawn.")
    text = (await client.get(f"/companies/{company.id}")).text
    assert "Revoked badges (1)" in text and "Targets withdrawn." in text
    assert "Next badge within reach: Target setter" in text


async def test_the_city_page_shows_the_firms_recognised_there(session: AsyncSession, client: httpx.AsyncClient, facts_of) -> None:  # type: ignore[no-untyped-def]
    city = await make_city(session)
    owner = await make_user(session)
    local = await make_company(session, creator=owner, name="Local Leader")
    await make_facility(session, local, actor=owner)
    elsewhere = await make_company(session, name="Far Away")
    await make_facility(session, elsewhere, actor=owner, latitude=-33.9, longitude=18.4)
    quiet = await make_company(session, creator=owner, name="Quiet Neighbour")
    await make_facility(session, quiet, actor=owner)
    for company in (local, elsewhere):
        facts_of[company.id] = CompanyFacts(has_target=True)
        await service.reconcile_badges(session, company_id=company.id, reason="set up")

    text = (await client.get(f"/cities/{city.id}")).text
    assert "Firms recognised in Lyon" in text
    section = text[text.index('id="recognised"'):]
    assert "Local Leader" in section and "Target setter" in section
    assert "Far Away" not in section and "Quiet Neighbour" not in section
