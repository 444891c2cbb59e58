"""Audit events, verifications and report versions are append-only in the database itself."""

from datetime import date

from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from app.identity.models import AuditEvent
from app.projects.models import Outcome, OutcomeVerification
from app.reports.models import ReportVersion, Verification
from tests.factories import make_city, make_company, make_project, make_report, make_user, make_verifier


async def refused(session: AsyncSession, sql: str, row_id: object) -> bool:
    try:
        async with session.begin_nested():
            await session.execute(text(sql).bindparams(bindparam("id", row_id, type_=Uuid())))
    except DBAPIError as exc:
        return "append-only" in str(exc)
    return False


async def test_audit_events_cannot_be_changed_or_deleted(session: AsyncSession) -> None:
    await make_user(session)
    event_id = await session.scalar(select(AuditEvent.id).limit(1))
    assert await refused(session, "UPDATE audit_event SET summary = 'nothing happened' WHERE id = :id", event_id)
    assert await refused(session, "DELETE FROM audit_event WHERE id = :id", event_id)


async def test_report_versions_only_become_superseded(session: AsyncSession) -> None:
    owner = await make_user(session)
    report = await make_report(session, await make_company(session, creator=owner), actor=owner)
    version_id = await session.scalar(select(ReportVersion.id).where(ReportVersion.report_id == report.id))
    assert await refused(session, "UPDATE report_version SET content_hash = 'forged' WHERE id = :id", version_id)
    assert await refused(session, "UPDATE report_version SET reason = 'rewritten' WHERE id = :id", version_id)
    assert await refused(session, "DELETE FROM report_version WHERE id = :id", version_id)
    content = {"sqlite": "json_set(content, '$.scope1_tco2e', 1.0)",
               "postgresql": "jsonb_set(content, '{scope1_tco2e}', '1.0')"}[session.get_bind().dialect.name]
    assert await refused(session, f"UPDATE report_version SET content = {content} WHERE id = :id", version_id)
    # Superseding a version is the one change the service makes, and only once.
    assert not await refused(session, "UPDATE report_version SET superseded = true WHERE id = :id", version_id)
    assert await refused(session, "UPDATE report_version SET superseded = false WHERE id = :id", version_id)


async def test_verification_decisions_are_frozen(session: AsyncSession) -> None:
    owner, officer = await make_user(session), await make_user(session)
    report = await make_report(session, await make_company(session, creator=owner), actor=owner)
    verifier = await make_verifier(session)
    decision = Verification(report_id=report.id, version=1, verifier_id=verifier.id, outcome="verified",
                            assurance_level="limited", statement="Agrees with the records.")
    project = await make_project(session, await make_city(session, creator=officer), actor=officer)
    outcome = Outcome(project_id=project.id, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31),
                      reduction_tco2e=10.0, method="metered", attributions=[])
    session.add_all([decision, outcome])
    await session.flush()
    checked = OutcomeVerification(outcome_id=outcome.id, verifier_id=verifier.id, verified_by=officer.id,
                                  outcome="verified", assurance_level="limited", statement="Checked.")
    session.add(checked)
    await session.flush()
    for table, key, row_id in (("verification", "id", decision.id), ("project_outcome_verification", "outcome_id", outcome.id)):
        assert await refused(session, f"UPDATE {table} SET statement = 'changed' WHERE {key} = :id", row_id)
        assert await refused(session, f"DELETE FROM {table} WHERE {key} = :id", row_id)


async def test_badge_assertions_only_take_a_first_revocation(session: AsyncSession) -> None:
    from app.badges.models import BadgeAssertion

    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    await make_report(session, company, actor=owner)  # earns the `disclosed` badge
    badge_id = await session.scalar(select(BadgeAssertion.id).where(BadgeAssertion.company_id == company.id).limit(1))
    assert badge_id is not None
    assert await refused(session, "UPDATE badge_assertion SET jwt = 'forged' WHERE id = :id", badge_id)
    assert await refused(session, "UPDATE badge_assertion SET criteria_version = '9' WHERE id = :id", badge_id)
    assert await refused(session, "DELETE FROM badge_assertion WHERE id = :id", badge_id)
    revoke = "UPDATE badge_assertion SET revoked_at = CURRENT_TIMESTAMP, revocation_reason = 'test' WHERE id = :id"
    assert not await refused(session, revoke, badge_id)
    assert await refused(session, "UPDATE badge_assertion SET revoked_at = NULL WHERE id = :id", badge_id)
