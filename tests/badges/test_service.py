"""Awards and revocations through reconcile_badges, on every database."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import service
from app.badges.models import BadgeAssertion
from app.badges.rules import BadgeClassId, CompanyFacts
from app.badges.signing import issuer
from app.companies import service as companies
from app.companies.schemas import CommitmentWrite
from app.config import get_settings
from app.identity.models import AuditEvent
from tests.badges.conftest import LEADER, project, report
from tests.factories import make_company, make_user


async def assertions(session: AsyncSession, company_id: uuid.UUID) -> list[BadgeAssertion]:
    rows = await session.scalars(select(BadgeAssertion).where(BadgeAssertion.company_id == company_id).order_by(BadgeAssertion.id))
    return list(rows.all())


async def actions(session: AsyncSession, company_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.organization_id == company_id, AuditEvent.action.like("badge.%"))
        .order_by(AuditEvent.id)
    )
    return list(rows.all())


async def test_facts_come_from_the_commitment(session: AsyncSession) -> None:
    user = await make_user(session)
    company = await make_company(session, creator=user)
    assert await service.gather_facts(session, company.id) == CompanyFacts()
    await companies.put_commitment(session, company=company, data=CommitmentWrite(sbti_status="committed"), actor=user)
    assert await service.gather_facts(session, company.id) == CompanyFacts(has_target=False, sbti_status="committed")


async def test_a_commitment_earns_target_setter_and_losing_it_revokes_with_the_reason(session: AsyncSession) -> None:
    user = await make_user(session)
    company = await make_company(session, creator=user)
    target = {"base_year": 2020, "target_year": 2030, "reduction_pct": 40, "scopes": [1, 2]}
    await companies.put_commitment(session, company=company, data=CommitmentWrite(targets=[target]), actor=user)
    [first] = await assertions(session, company.id)
    assert first.badge_class == BadgeClassId.TARGET_SETTER and first.revoked_at is None
    assert first.evidence[0]["kind"] == "commitment"
    assert first.credential["credentialSubject"]["achievement"]["name"] == "Target setter"

    # Nothing changed: nothing happens.
    await service.reconcile_badges(session, company_id=company.id, reason="again")
    assert len(await assertions(session, company.id)) == 1

    await companies.put_commitment(session, company=company, data=CommitmentWrite(), actor=user)
    [revoked] = await assertions(session, company.id)
    assert revoked.id == first.id and revoked.revoked_at is not None
    assert revoked.revocation_reason == "The company changed its commitments."
    revoked_at = revoked.revoked_at

    # Re-qualifying yields a new assertion; the revoked one keeps its time and reason.
    await companies.put_commitment(session, company=company, data=CommitmentWrite(net_zero_year=2045), actor=user)
    old, new = await assertions(session, company.id)
    assert old.id == first.id and old.revoked_at == revoked_at
    assert old.revocation_reason == "The company changed its commitments."
    assert new.id != first.id and new.revoked_at is None and new.badge_class == BadgeClassId.TARGET_SETTER
    assert await actions(session, company.id) == ["badge.award", "badge.revoke", "badge.award"]


async def test_a_leader_gets_every_badge_and_loses_only_what_the_facts_lose(session: AsyncSession, facts_of) -> None:  # type: ignore[no-untyped-def]
    company = await make_company(session)
    facts_of[company.id] = LEADER
    await service.reconcile_badges(session, company_id=company.id, reason="first look")
    held = {a.badge_class for a in await service.standing_badges(session, company.id)}
    assert held == set(BadgeClassId)

    # The project is cancelled: partner and leader go, the rest stays.
    facts_of[company.id] = CompanyFacts(**(LEADER.__dict__ | {"projects": ()}))
    await service.reconcile_badges(session, company_id=company.id, reason="Project 'District heating' was cancelled.")
    rows = await assertions(session, company.id)
    revoked = {a.badge_class: a.revocation_reason for a in rows if a.revoked_at}
    assert revoked == {BadgeClassId.PROJECT_PARTNER: "Project 'District heating' was cancelled.",
                       BadgeClassId.CLIMATE_LEADER: "Project 'District heating' was cancelled."}
    assert len(rows) == 6

    # Another project holds partnership up again: new assertions, naming the new project.
    other = project("active", title="Cycle lanes")
    facts_of[company.id] = CompanyFacts(**(LEADER.__dict__ | {"projects": (other,)}))
    await service.reconcile_badges(session, company_id=company.id, reason="participant accepted")
    standing = {a.badge_class: a for a in await service.standing_badges(session, company.id)}
    assert set(standing) == set(BadgeClassId) and len(await assertions(session, company.id)) == 8
    assert standing[BadgeClassId.PROJECT_PARTNER].evidence[0]["project_id"] == other.project_id


async def test_an_award_names_its_evidence_and_is_signed(session: AsyncSession, facts_of) -> None:  # type: ignore[no-untyped-def]
    company = await make_company(session, name="Résine & Fils")
    verified = report(2024, 500.0, verified=True, version=2)
    facts_of[company.id] = CompanyFacts(reports=(verified,))
    await service.reconcile_badges(session, company_id=company.id, reason="report verified")
    standing = {a.badge_class: a for a in await service.standing_badges(session, company.id)}
    assert set(standing) == {BadgeClassId.DISCLOSED, BadgeClassId.VERIFIED_REPORTER}
    evidence = standing[BadgeClassId.VERIFIED_REPORTER].evidence[0]
    assert evidence | {"narrative": ""} == {
        "kind": "verification", "verification_id": verified.verification_id, "report_id": verified.report_id,
        "year": 2024, "version": 2, "total_tco2e": 500.0, "narrative": ""}
    assertion = standing[BadgeClassId.VERIFIED_REPORTER]
    assert assertion.credential["name"] == "Verified reporter: Résine & Fils"
    assert assertion.credential["evidence"][0]["id"].endswith(f"/api/v1/reports/{verified.report_id}")
    check = service.check_assertion(assertion, issuer(get_settings()))
    assert check.valid and check.reason is None


async def test_a_restatement_revokes_until_the_new_version_is_verified(session: AsyncSession, facts_of) -> None:  # type: ignore[no-untyped-def]
    company = await make_company(session)
    first = report(2024, 500.0, verified=True)
    facts_of[company.id] = CompanyFacts(reports=(first,))
    await service.reconcile_badges(session, company_id=company.id, reason="report verified")
    restated = report(2024, 520.0, version=2)
    facts_of[company.id] = CompanyFacts(reports=(restated,))
    await service.reconcile_badges(session, company_id=company.id, reason="Report 2024 restated as version 2.")
    standing = {a.badge_class for a in await service.standing_badges(session, company.id)}
    assert standing == {BadgeClassId.DISCLOSED}
    facts_of[company.id] = CompanyFacts(reports=(report(2024, 520.0, version=2, verified=True),))
    await service.reconcile_badges(session, company_id=company.id, reason="report verified")
    assert {a.badge_class for a in await service.standing_badges(session, company.id)} == {
        BadgeClassId.DISCLOSED, BadgeClassId.VERIFIED_REPORTER}
    assert len(await assertions(session, company.id)) == 3
