"""Awarding and revoking badges as a company's facts change, and reading them back."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from sqlalchemy import (
    ColumnElement, ScalarSelect, Select, and_, bindparam, func, insert, literal_column, select, tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import rules, signing
from app.badges.credentials import build_credential
from app.badges.models import BadgeAssertion
from app.badges.rules import BadgeClass, BadgeClassId, CompanyFacts, Evidence, ProjectFact, ReportFact
from app.common import driver
from app.common.pagination import PageParams, paginate
from app.companies.models import Commitment, Company, FacilityCity
from app.config import get_settings
from app.db import new_id, utcnow
from app.errors import NotFound
from app.identity import audit
from app.projects.models import Participant, ParticipantStatus, Project, ProjectStatus
from app.reports import content as contents
from app.reports.models import EmissionsReport, VerificationOutcome, ReportVersion, Verification


# Companies per query when reconciling many at once.
CHUNK = 500


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _current() -> ColumnElement[bool]:
    return and_(ReportVersion.report_id == EmissionsReport.id, ReportVersion.version == EmissionsReport.current_version)


def _verified() -> ColumnElement[bool]:
    return and_(Verification.report_id == EmissionsReport.id, Verification.version == EmissionsReport.current_version,
                Verification.outcome == VerificationOutcome.VERIFIED)


def _partner() -> ColumnElement[bool]:
    return and_(Participant.status == ParticipantStatus.ACCEPTED,
                Project.status.in_([ProjectStatus.ACTIVE, ProjectStatus.COMPLETED]))


def _fact(row: Any) -> ReportFact:
    _, report_id, year, version, content, verification_id = row
    return ReportFact(str(report_id), year, version, contents.total(content), str(verification_id) if verification_id else None)


def _gather_statements() -> tuple[Select[Any], ...]:
    """The four reads of `gather_many`, each for a list of companies bound as `ids`."""
    ids = bindparam("ids", expanding=True)
    company = Company.__table__.c
    columns = (EmissionsReport.company_id, EmissionsReport.id, EmissionsReport.reporting_year,
               EmissionsReport.current_version, ReportVersion.content, Verification.id)
    latest = (  # its LIMIT written into the SQL, as the digest's (see _digest)
        select(EmissionsReport.id).where(EmissionsReport.company_id == company.id)
        .order_by(EmissionsReport.reporting_year.desc()).limit(literal_column("1")).scalar_subquery()
    )
    return (
        # The verified reports, then each company's latest (one index probe per company, not a
        # look at every report of a long history).
        select(*columns).join(ReportVersion, _current()).join(Verification, _verified())
        .where(EmissionsReport.company_id.in_(ids)),
        select(*columns).join(ReportVersion, _current()).outerjoin(Verification, _verified())
        .where(EmissionsReport.id.in_(select(latest).select_from(Company.__table__).where(company.id.in_(ids)))),
        select(Participant.company_id, Project.id, Project.title, Project.status)
        .join(Participant, Participant.project_id == Project.id).where(Participant.company_id.in_(ids), _partner()),
        select(Commitment.company_id, Commitment.has_target, Commitment.sbti_status).where(Commitment.company_id.in_(ids)),
    )


# Built once: a report submission runs these for its company whenever its badges change.
VERIFIED_REPORTS, LATEST_REPORTS, PROJECT_PLACES, COMMITMENTS = _gather_statements()
STANDING = (
    select(BadgeAssertion).where(BadgeAssertion.company_id.in_(bindparam("ids", expanding=True)),
                                 BadgeAssertion.revoked_at.is_(None)).order_by(BadgeAssertion.id)
)


async def gather_many(
    session: AsyncSession, company_ids: Sequence[uuid.UUID], digests: Mapping[uuid.UUID, rules.Digest] | None = None
) -> dict[uuid.UUID, CompanyFacts]:
    """What the badge rules need to know about each company, read from the database.

    Of the reports, only those the rules read (rules.read_reports): each company's latest and its
    verified ones, which keeps this cheap for a company with a long history. Given the companies'
    digests, read in the same transaction, it reads only what they do not rule out: no verified
    report, no project place; the commitment they hold already.
    """
    reports: dict[uuid.UUID, list[ReportFact]] = defaultdict(list)
    projects: dict[uuid.UUID, list[ProjectFact]] = defaultdict(list)
    commitments: dict[uuid.UUID, tuple[bool, str]] = {}
    if digests is not None:
        commitments = {c: (digests[c].has_target, digests[c].sbti_status) for c in company_ids}

    def having(fact: Callable[[rules.Digest], bool], chunk: Sequence[uuid.UUID]) -> Sequence[uuid.UUID]:
        return chunk if digests is None else [c for c in chunk if fact(digests[c])]

    async def rows(statement: Select[Any], ids: Sequence[uuid.UUID]) -> Sequence[Any]:
        return await driver.rows(session, statement, {"ids": ids}) if ids else ()

    for chunk in _chunks(sorted(set(company_ids))):
        verified = set()
        for row in await rows(VERIFIED_REPORTS, having(lambda d: bool(d.verified_totals), chunk)):
            reports[row[0]].append(_fact(row))
            verified.add(row[1])
        for row in await rows(LATEST_REPORTS, having(lambda d: d.reported, chunk)):
            if row[1] not in verified:
                reports[row[0]].append(_fact(row))
        for company_id, project_id, title, status in await rows(PROJECT_PLACES, having(lambda d: d.partner, chunk)):
            projects[company_id].append(ProjectFact(str(project_id), title, str(status)))
        if digests is None:
            for company_id, has_target, sbti_status in await rows(COMMITMENTS, chunk):
                commitments[company_id] = (has_target, str(sbti_status))
    return {
        company_id: CompanyFacts(
            reports=rules.read_reports(tuple(reports[company_id])),
            projects=tuple(projects[company_id]),
            has_target=commitments.get(company_id, (False, "none"))[0],
            sbti_status=commitments.get(company_id, (False, "none"))[1],
        )
        for company_id in company_ids
    }


async def gather_facts(session: AsyncSession, company_id: uuid.UUID) -> CompanyFacts:
    """What the badge rules need to know about the company, read from the database."""
    return (await gather_many(session, [company_id]))[company_id]


async def standing_badges(session: AsyncSession, company_id: uuid.UUID) -> list[BadgeAssertion]:
    stmt = select(BadgeAssertion).where(BadgeAssertion.company_id == company_id, BadgeAssertion.revoked_at.is_(None))
    return list((await session.scalars(stmt.order_by(BadgeAssertion.id))).all())


def _digest() -> Select[Any]:
    """Per company: its name, the classes it holds (comma-separated), whether it reported, the
    contents of its two latest verified years, whether it holds a project place, and its commitment."""
    company = Company.__table__.c

    def verified_content(offset: int) -> ScalarSelect[Any]:
        # The verified report first, then its version's content alone: joined the other way, the
        # content of every report was fetched on the way, verified or not (a company with ten
        # unverified reports cost twenty probes instead of ten).
        report = (
            select(EmissionsReport.id, EmissionsReport.current_version).join(Verification, _verified())
            .where(EmissionsReport.company_id == company.id).order_by(EmissionsReport.reporting_year.desc())
            # Written into the SQL, not bound: with a bound LIMIT or OFFSET, PostgreSQL judges a
            # plan made once dearer than planning for each execution, and plans every submission's
            # digest afresh, 2 ms each, where running it takes 0.2.
            .offset(literal_column(str(offset))).limit(literal_column("1")).correlate(Company.__table__)
        )
        return (
            select(ReportVersion.content)
            .where(tuple_(ReportVersion.report_id, ReportVersion.version) == report.scalar_subquery())
            .scalar_subquery()
        )

    held = select(func.aggregate_strings(BadgeAssertion.badge_class, ",")).where(
        BadgeAssertion.company_id == company.id, BadgeAssertion.revoked_at.is_(None)
    ).scalar_subquery()
    reported = select(EmissionsReport.id).join(ReportVersion, _current()).where(
        EmissionsReport.company_id == company.id
    ).exists()
    partner = select(Participant.project_id).join(Project, Project.id == Participant.project_id).where(
        Participant.company_id == company.id, _partner()
    ).exists()
    return (
        select(company.id, company.name, held, reported, verified_content(0), verified_content(1), partner,
               Commitment.__table__.c.has_target, Commitment.__table__.c.sbti_status)
        .select_from(Company.__table__)
        .outerjoin(Commitment.__table__, Commitment.__table__.c.company_id == company.id)
        .where(company.id.in_(bindparam("ids", expanding=True)))
    )


# Built once: the statements every report submission runs.
DIGEST = _digest()
LOCK = (
    select(Company.__table__.c.id).where(Company.__table__.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(Company.__table__.c.id).with_for_update(key_share=True)
)


@dataclass(frozen=True)
class Standing:
    """A company's name, the badge classes it holds and the digest of its facts, as read together."""

    name: str
    held: frozenset[BadgeClassId]
    digest: rules.Digest

    @property
    def settled(self) -> bool:
        return rules.earned_classes(self.digest) == self.held


async def standings(session: AsyncSession, company_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Standing]:
    """Each company's standing: one query per chunk."""
    found = {}
    for chunk in _chunks(sorted(set(company_ids))):
        for company_id, name, held, reported, latest, before, partner, has_target, sbti in await driver.rows(
            session, DIGEST, {"ids": chunk}
        ):
            digest = rules.Digest(
                reported=bool(reported),
                verified_totals=tuple(contents.total(content) for content in (latest, before) if content is not None),
                partner=bool(partner), has_target=bool(has_target), sbti_status=str(sbti) if sbti else "none",
            )
            found[company_id] = Standing(name, frozenset(BadgeClassId(c) for c in (held or "").split(",") if c), digest)
    return found


async def _lock(session: AsyncSession, company_ids: list[uuid.UUID]) -> None:
    # Two events for one company at once would both award (a unique violation) or both revoke (the
    # append-only trigger refuses the second), or each miss what the other changed. The lock makes
    # them take turns; what the second reads is then what the first committed. FOR NO KEY UPDATE does
    # not wait for inserts that merely reference the company. SQLite has one writer at a time anyway.
    if session.get_bind().dialect.name != "postgresql":
        return
    for chunk in _chunks(company_ids):
        await driver.rows(session, LOCK, {"ids": chunk})


async def reconcile_companies(session: AsyncSession, *, company_ids: Iterable[uuid.UUID], reason: str) -> None:
    """After an event, award the badges each company's facts now earn and revoke, for `reason`, the others.

    One query tells which companies' badges would change at all; only those are looked at closely.
    """
    ids = sorted(set(company_ids))
    await _lock(session, ids)
    changing = {c: standing for c, standing in (await standings(session, ids)).items() if not standing.settled}
    issuer: signing.Issuer | None = None
    for chunk in _chunks(sorted(changing)):  # flushed chunk by chunk: an import may touch many companies
        facts = await gather_many(session, chunk, {c: changing[c].digest for c in chunk})
        won = {c: rules.earned(facts[c]) for c in chunk}
        # The standing assertions are read only for the companies that lose one: most events only award.
        losing = [c for c in chunk if changing[c].held - won[c].keys()]
        for assertion in (await session.scalars(STANDING, {"ids": losing})) if losing else ():
            if assertion.badge_class not in won[assertion.company_id]:
                revoke_badge(session, assertion=assertion, reason=reason)
        awards: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        for company_id in chunk:
            for badge_class, evidence in won[company_id].items():
                if badge_class not in changing[company_id].held:
                    # Events reach here from services that hold no request: the process's settings
                    # are the ones its app was created with.
                    issuer = issuer or signing.issuer(get_settings())
                    award, logged = awarded(company_id=company_id, company_name=changing[company_id].name,
                                            badge=rules.BY_ID[badge_class], evidence=evidence, issuer=issuer)
                    awards.append(award)
                    entries.append(logged)
        await session.flush()  # the revocations, before the awards are inserted
        if awards:
            await session.execute(insert(BadgeAssertion.__table__), awards)
        await audit.record_all(session, entries)


async def reconcile_badges(session: AsyncSession, *, company_id: uuid.UUID, reason: str) -> None:
    """Award the badges the company's facts now earn, and revoke, for `reason`, those they no longer do."""
    await reconcile_companies(session, company_ids=[company_id], reason=reason)


async def reconcile_participants(session: AsyncSession, *, project_id: uuid.UUID, reason: str) -> None:
    """Reconcile every company that accepted a place in the project, after a change to the project."""
    accepted = await session.scalars(select(Participant.company_id).where(
        Participant.project_id == project_id, Participant.status == ParticipantStatus.ACCEPTED))
    await reconcile_companies(session, company_ids=accepted.all(), reason=reason)


def awarded(
    *, company_id: uuid.UUID, company_name: str, badge: BadgeClass, evidence: list[Evidence], issuer: signing.Issuer
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A badge awarded to a company, as its assertion's columns and its audit entry: a reconciliation
    stores a chunk's awards together."""
    assertion_id, issued_on = new_id(), utcnow().replace(microsecond=0)
    credential = build_credential(
        base_url=issuer.base_url, assertion_id=assertion_id, badge=badge, company_id=company_id,
        company_name=company_name, issued_on=issued_on, evidence=evidence,
    )
    assertion = {
        "id": assertion_id, "company_id": company_id, "badge_class": badge.id, "criteria_version": badge.criteria_version,
        "issued_on": issued_on, "evidence": evidence, "credential": credential,
        "jwt": signing.sign_credential(credential, key=issuer.key, issuer_id=issuer.id),
    }
    logged = audit.entry(
        actor_id=None, organization_id=company_id, action="badge.award", object_type="badge_assertion",
        object_id=assertion_id, summary=f"{badge.name} badge awarded to {company_name}",
    )
    return assertion, logged


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
