"""Awarding and revoking badges as a company's facts change, and reading them back."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import jwt
from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import rules, signing
from app.badges.credentials import build_credential
from app.badges.models import BadgeAssertion
from app.badges.rules import BadgeClass, CompanyFacts, Evidence, ProjectFact, ReportFact
from app.common.pagination import PageParams, paginate
from app.companies.models import Commitment, Company, FacilityCity
from app.config import get_settings
from app.db import new_id, utcnow
from app.errors import NotFound
from app.identity import audit
from app.projects.models import Participant, ParticipantStatus, Project, ProjectStatus
from app.reports import content as contents
from app.reports.models import EmissionsReport, VerificationOutcome, ReportVersion, Verification


async def gather_facts(session: AsyncSession, company_id: uuid.UUID) -> CompanyFacts:
    """What the badge rules need to know about the company, read from the database."""
    commitment = await session.get(Commitment, company_id)
    verified = and_(Verification.report_id == EmissionsReport.id, Verification.version == EmissionsReport.current_version,
                    Verification.outcome == VerificationOutcome.VERIFIED)
    reports = await session.execute(
        select(EmissionsReport.id, EmissionsReport.reporting_year, EmissionsReport.current_version, ReportVersion.content,
               Verification.id)
        .join(ReportVersion, and_(ReportVersion.report_id == EmissionsReport.id,
                                  ReportVersion.version == EmissionsReport.current_version))
        .outerjoin(Verification, verified)
        .where(EmissionsReport.company_id == company_id)
    )
    projects = await session.execute(
        select(Project.id, Project.title, Project.status)
        .join(Participant, Participant.project_id == Project.id)
        .where(Participant.company_id == company_id, Participant.status == ParticipantStatus.ACCEPTED,
               Project.status.in_([ProjectStatus.ACTIVE, ProjectStatus.COMPLETED]))
    )
    return CompanyFacts(
        reports=tuple(
            ReportFact(str(report_id), year, version, contents.total(content), str(v) if v else None)
            for report_id, year, version, content, v in reports
        ),
        projects=tuple(ProjectFact(str(project_id), title, str(status)) for project_id, title, status in projects),
        has_target=bool(commitment and commitment.has_target),
        # The enum, or its value when the commitment was just written from a JSON dump.
        sbti_status=str(commitment.sbti_status) if commitment else "none",
    )


async def standing_badges(session: AsyncSession, company_id: uuid.UUID) -> list[BadgeAssertion]:
    stmt = select(BadgeAssertion).where(BadgeAssertion.company_id == company_id, BadgeAssertion.revoked_at.is_(None))
    return list((await session.scalars(stmt.order_by(BadgeAssertion.id))).all())


async def reconcile_badges(session: AsyncSession, *, company_id: uuid.UUID, reason: str) -> None:
    """Award the badges the company's facts now earn, and revoke, for `reason`, those they no longer do."""
    won = rules.earned(await gather_facts(session, company_id))
    held = {assertion.badge_class: assertion for assertion in await standing_badges(session, company_id)}
    for badge_class, assertion in held.items():
        if badge_class not in won:
            revoke_badge(session, assertion=assertion, reason=reason)
    new = [badge_class for badge_class in won if badge_class not in held]
    if new:
        company = await session.get(Company, company_id)
        if company is None:
            raise NotFound(f"No company has the id {company_id}.")
        # Events reach here from services that hold no request: the process's settings are the
        # ones its app was created with.
        issuer = signing.issuer(get_settings())
        for badge_class in new:
            award_badge(session, company=company, badge=rules.BY_ID[badge_class], evidence=won[badge_class], issuer=issuer)
    await session.flush()


async def reconcile_participants(session: AsyncSession, *, project_id: uuid.UUID, reason: str) -> None:
    """Reconcile every company that accepted a place in the project, after a change to the project."""
    accepted = await session.scalars(select(Participant.company_id).where(
        Participant.project_id == project_id, Participant.status == ParticipantStatus.ACCEPTED))
    for company_id in accepted.all():
        await reconcile_badges(session, company_id=company_id, reason=reason)


async def reconcile_companies(session: AsyncSession, *, company_ids: Iterable[uuid.UUID], reason: str) -> None:
    """Reconcile each of several companies after one event, such as a bulk import."""
    for company_id in company_ids:
        await reconcile_badges(session, company_id=company_id, reason=reason)


def award_badge(
    session: AsyncSession, *, company: Company, badge: BadgeClass, evidence: list[Evidence], issuer: signing.Issuer
) -> BadgeAssertion:
    assertion_id, issued_on = new_id(), utcnow().replace(microsecond=0)
    credential = build_credential(
        base_url=issuer.base_url, assertion_id=assertion_id, badge=badge, company_id=company.id,
        company_name=company.name, issued_on=issued_on, evidence=evidence,
    )
    assertion = BadgeAssertion(
        id=assertion_id, company_id=company.id, badge_class=badge.id, criteria_version=badge.criteria_version,
        issued_on=issued_on, evidence=evidence, credential=credential,
        jwt=signing.sign_credential(credential, key=issuer.key, issuer_id=issuer.id),
    )
    session.add(assertion)
    audit.record(
        session, actor_id=None, organization_id=company.id, action="badge.award", object_type="badge_assertion",
        object_id=assertion_id, summary=f"{badge.name} badge awarded to {company.name}",
    )
    return assertion


def revoke_badge(session: AsyncSession, *, assertion: BadgeAssertion, reason: str) -> None:
    assertion.revoked_at = utcnow()
    assertion.revocation_reason = reason[:500]
    audit.record(
        session, actor_id=None, organization_id=assertion.company_id, action="badge.revoke",
        object_type="badge_assertion", object_id=assertion.id,
        summary=f"{rules.BY_ID[assertion.badge_class].name} badge revoked: {reason}",
    )


# Reading ----------------------------------------------------------------------------------------

async def get_assertion(session: AsyncSession, assertion_id: uuid.UUID) -> BadgeAssertion:
    assertion = await session.get(BadgeAssertion, assertion_id)
    if assertion is None:
        raise NotFound(f"No badge has the id {assertion_id}.")
    return assertion


async def list_company_badges(
    session: AsyncSession, *, company_id: uuid.UUID, params: PageParams
) -> tuple[list[BadgeAssertion], str | None]:
    stmt = select(BadgeAssertion).where(BadgeAssertion.company_id == company_id)
    return await paginate(session, stmt, params, keys=[BadgeAssertion.id], key_of=lambda a: [a.id])


@dataclass(frozen=True)
class Check:
    signature_valid: bool
    revoked: bool
    reason: str | None

    @property
    def valid(self) -> bool:
        return self.signature_valid and not self.revoked


def check_assertion(assertion: BadgeAssertion, issuer: signing.Issuer) -> Check:
    """The signature re-checked against the stored credential, and the badge's current status."""
    revoked = assertion.revoked_at is not None
    try:
        signed = signing.verified_credential(assertion.jwt, key=issuer.public_key, issuer_id=issuer.id)
        if signed != assertion.credential or not str(signed.get("id", "")).endswith(f"/badges/{assertion.id}"):
            raise jwt.InvalidTokenError("the stored credential is not the one that was signed")
    except (jwt.PyJWTError, ValueError) as exc:
        return Check(False, revoked, f"The signature does not hold: {exc}.")
    return Check(True, revoked, assertion.revocation_reason if revoked else None)


@dataclass(frozen=True)
class Recognised:
    company_id: uuid.UUID
    name: str
    badges: list[BadgeAssertion]


async def recognised_in_city(session: AsyncSession, *, city_id: uuid.UUID, limit: int = 500) -> list[Recognised]:
    """The companies standing in the city that hold badges now, by name, with those badges."""
    located = select(FacilityCity.company_id).where(FacilityCity.city_id == city_id)
    stmt = (
        select(BadgeAssertion, Company.name)
        .join(Company, Company.id == BadgeAssertion.company_id)
        .where(BadgeAssertion.company_id.in_(located), BadgeAssertion.revoked_at.is_(None))
        .order_by(Company.name, Company.id, BadgeAssertion.id)
        .limit(limit)
    )
    companies: dict[uuid.UUID, Recognised] = {}
    for assertion, name in await session.execute(stmt):
        companies.setdefault(assertion.company_id, Recognised(assertion.company_id, name, [])).badges.append(assertion)
    return list(companies.values())
