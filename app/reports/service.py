"""Submitting, restating and reading reports: immutable versions on a hash chain, flags on read."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Insert, and_, bindparam, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from app.badges.service import reconcile_badges
from app.common import driver
from app.common.pagination import PageParams, decode_cursor, encode_cursor, paginate
from app.companies.models import Company, Facility
from app.companies.rollup import refresh_company_rollup
from app.db import new_id, utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.identity import audit
from app.reports import content as contents
from app.reports.auth import Actor
from app.reports.flags import Attribution, Flag, compute_flags
from app.reports.hashing import StoredVersion, check_chain, version_hash
from app.reports.idempotency import insert_or_skip
from app.reports.models import (
    EmissionsReport, ReportStatus, ReportVersion, RequestStatus, Verification, VerificationRequest,
)
from app.reports.schemas import (
    FlagRead, HistoryItem, IntegrityRead, ReportCreate, ReportFields, ReportRead, RestatementCreate, VerificationRead,
)
from app.projects.models import OutcomeAttribution
from app.projects.service import verified_attributions
from app.verifiers.models import Verifier


async def project_attributions(session: AsyncSession, company_id: uuid.UUID) -> list[Attribution]:
    """Verified project reductions attributed to the company."""
    return await verified_attributions(session, company_id=company_id)


async def get_report(session: AsyncSession, report_id: uuid.UUID) -> EmissionsReport:
    report = await session.get(EmissionsReport, report_id)
    if report is None:
        raise NotFound(f"No report has the id {report_id}.")
    return report


async def _check_facilities(session: AsyncSession, company_id: uuid.UUID, data: ReportFields) -> None:
    wanted = [f.facility_id for f in data.facilities or ()]
    if not wanted:
        return
    found = set((await session.scalars(
        select(Facility.id).where(Facility.company_id == company_id, Facility.id.in_(wanted))
    )).all())
    for index, facility_id in enumerate(wanted):
        if facility_id not in found:
            raise Unprocessable(
                f"Facility {facility_id} is not one of the company's facilities.",
                loc=["body", "facilities", index, "facility_id"],
            )


def _content(data: ReportFields, *, company_id: uuid.UUID, year: int, version: int, reason: str | None) -> dict[str, Any]:
    return contents.build_content(
        company_id=company_id, reporting_year=year, version=version, reason=reason,
        scope1=data.scope1_tco2e, scope2_location=data.scope2_location_tco2e, scope2_market=data.scope2_market_tco2e,
        scope3=data.scope3, boundary=data.boundary.value, methodology=data.methodology,
        facilities=[f.model_dump() for f in data.facilities or ()], unit=data.unit,
    )


@dataclass(frozen=True)
class Submission:
    """A report just submitted, with what its answer needs, so that nothing is read back."""

    report: EmissionsReport
    version: ReportVersion
    # For the flags: the current content of the company's report for the year before, if it has one,
    # and whether any project outcome is attributed to the company at all.
    previous_year: dict[str, Any] | None
    credited: bool


REPORTS, VERSIONS = EmissionsReport.__table__, ReportVersion.__table__
INSERT_VERSION = insert(VERSIONS)


def _row(instance: Any, table: Any) -> dict[str, Any]:
    return {column.key: getattr(instance, column.key) for column in table.c}


@cache
def _insert_first_report(dialect: str) -> Insert:
    """The report row, unless the company has one for the year (then no row comes back), returning
    its id, the content of the year before and whether any project outcome credits the company."""
    # Written without a join: SQLite's RETURNING names columns unqualified, in subqueries too.
    before = select(REPORTS.c.id, REPORTS.c.current_version).where(
        REPORTS.c.company_id == bindparam("company_id"), REPORTS.c.reporting_year == bindparam("previous_year")
    )
    previous_year = (
        select(VERSIONS.c.content).where(tuple_(VERSIONS.c.report_id, VERSIONS.c.version).in_(before)).scalar_subquery()
    )
    credited = select(OutcomeAttribution.company_id).where(
        OutcomeAttribution.company_id == bindparam("company_id")
    ).exists()
    values = {name: bindparam(name) for name in (
        "id", "company_id", "reporting_year", "current_version", "status", "created_at", "updated_at")}
    return (
        insert_or_skip(dialect, REPORTS, "company_id", "reporting_year").values(values)
        .returning(REPORTS.c.id, previous_year, credited)
    )


async def submit(session: AsyncSession, *, company: Company, data: ReportCreate, actor: Actor) -> Submission:
    """A company's first report for a year; a second for the same year is a conflict (restate instead)."""
    year, now = data.reporting_year, utcnow()
    report = EmissionsReport(
        id=new_id(), company_id=company.id, reporting_year=year, current_version=1, status=ReportStatus.SUBMITTED,
        created_at=now, updated_at=now,
    )
    # One statement checks the year is free, inserts, and fetches what the flags compare with; two
    # submissions racing for one year meet at the unique key, and the second gets the 409.
    inserted = await driver.first(
        session, _insert_first_report(session.get_bind().dialect.name), _row(report, REPORTS) | {"previous_year": year - 1},
    )
    if inserted is None:
        existing = await session.scalar(select(EmissionsReport.id).where(
            EmissionsReport.company_id == company.id, EmissionsReport.reporting_year == year
        ))
        raise Conflict(
            f"{company.name} has a {year} report already ({existing}); restate it instead.", report_id=str(existing),
        )
    await _check_facilities(session, company.id, data)
    content = _content(data, company_id=company.id, year=year, version=1, reason=None)
    version = ReportVersion(
        id=new_id(), report_id=report.id, version=1, content=content, content_hash=version_hash(content, None),
        previous_hash=None, reason=None, submitted_at=now, submitted_by=actor.id, superseded=False,
    )
    await driver.rows(session, INSERT_VERSION, _row(version, VERSIONS))
    # Both rows are stored: the session holds the report as loaded, for callers that go on with it.
    make_transient_to_detached(report)
    session.add(report)
    await audit.append(
        session, actor_id=actor.id, organization_id=company.id, action="report.submit", object_type="report",
        object_id=report.id, summary=f"{year} report submitted by {actor.label}",
    )
    await refresh_company_rollup(session, [company.id])
    await reconcile_badges(session, company_id=company.id, reason=f"Report for {year} submitted.")
    return Submission(report, version, inserted[1], inserted[2])


async def submit_report(session: AsyncSession, *, company: Company, data: ReportCreate, actor: Actor) -> EmissionsReport:
    """A company's first report for a year; a second for the same year is a conflict (restate instead)."""
    return (await submit(session, company=company, data=data, actor=actor)).report


async def submission_read(session: AsyncSession, submission: Submission) -> ReportRead:
    """The answer to a submission, from what was written: a new report has no verification yet."""
    report, version = submission.report, submission.version
    attributions = await project_attributions(session, report.company_id) if submission.credited else []
    flags = compute_flags(
        version.content, status=report.status.value, previous_year=submission.previous_year, attributions=attributions,
    )
    return _read(report, version, None, flags)


async def current_version(session: AsyncSession, report: EmissionsReport) -> ReportVersion:
    version = await session.scalar(select(ReportVersion).where(
        ReportVersion.report_id == report.id, ReportVersion.version == report.current_version
    ))
    if version is None:  # only a damaged database gets here
        raise NotFound(f"Report {report.id} has lost its version {report.current_version}.")
    return version


async def restate_report(
    session: AsyncSession, *, report: EmissionsReport, data: RestatementCreate, actor: Actor
) -> EmissionsReport:
    """A new version chained to the current one, which is kept as superseded; verification starts over."""
    if data.reporting_year is not None and data.reporting_year != report.reporting_year:
        raise Unprocessable(
            f"A restatement keeps the report's year ({report.reporting_year}).", loc=["body", "reporting_year"]
        )
    await _check_facilities(session, report.company_id, data)
    previous = await current_version(session, report)
    number = report.current_version + 1
    content = _content(data, company_id=report.company_id, year=report.reporting_year, version=number, reason=data.reason)
    session.add(ReportVersion(
        report_id=report.id, version=number, content=content,
        content_hash=version_hash(content, previous.content_hash), previous_hash=previous.content_hash,
        reason=data.reason, submitted_by=actor.id,
    ))
    previous.superseded = True
    report.current_version = number
    report.status = ReportStatus.SUBMITTED
    report.updated_at = utcnow()
    await session.execute(
        update(VerificationRequest)
        .where(VerificationRequest.report_id == report.id, VerificationRequest.status == RequestStatus.OPEN)
        .values(status=RequestStatus.SUPERSEDED)
    )
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=report.company_id, action="report.restate", object_type="report",
        object_id=report.id, summary=f"{report.reporting_year} report restated as version {number}: {data.reason}",
    )
    await refresh_company_rollup(session, [report.company_id])
    await reconcile_badges(
        session, company_id=report.company_id, reason=f"Report for {report.reporting_year} restated as version {number}."
    )
    return report


def _current(model: Any) -> Any:
    """Join condition: the row belongs to its report's current version."""
    return and_(EmissionsReport.id == model.report_id, EmissionsReport.current_version == model.version)


async def reports_read(session: AsyncSession, reports: Sequence[EmissionsReport]) -> list[ReportRead]:
    """Reports at their current versions, with verification and flags, in a fixed number of queries."""
    if not reports:
        return []
    ids = [r.id for r in reports]
    versions = {v.report_id: v for v in await session.scalars(
        select(ReportVersion).join(EmissionsReport, _current(ReportVersion)).where(ReportVersion.report_id.in_(ids))
    )}
    decisions = {d.report_id: (d, name) for d, name in await session.execute(
        select(Verification, Verifier.name).join(Verifier, Verifier.id == Verification.verifier_id)
        .join(EmissionsReport, _current(Verification)).where(Verification.report_id.in_(ids))
    )}
    wanted = {(r.company_id, r.reporting_year - 1) for r in reports}
    earlier = {
        (company_id, year): content
        for company_id, year, content in await session.execute(
            select(EmissionsReport.company_id, EmissionsReport.reporting_year, ReportVersion.content)
            .join(ReportVersion, _current(ReportVersion))
            .where(EmissionsReport.company_id.in_({c for c, _ in wanted}),
                   EmissionsReport.reporting_year.in_({y for _, y in wanted}))
        )
        if (company_id, year) in wanted
    }
    attributions = {c: await project_attributions(session, c) for c in {r.company_id for r in reports}}
    reads = []
    for report in reports:
        version = versions.get(report.id)
        if version is None:  # only a damaged database gets here
            raise NotFound(f"Report {report.id} has lost its version {report.current_version}.")
        flags = compute_flags(
            version.content, status=report.status.value,
            previous_year=earlier.get((report.company_id, report.reporting_year - 1)),
            attributions=attributions[report.company_id],
        )
        reads.append(_read(report, version, decisions.get(report.id), flags))
    return reads


def _read(
    report: EmissionsReport, version: ReportVersion, decision: tuple[Verification, str] | None, flags: list[Flag]
) -> ReportRead:
    content = version.content
    return ReportRead(
        id=report.id, company_id=report.company_id, reporting_year=report.reporting_year, version=version.version,
        status=report.status, content_hash=version.content_hash, previous_hash=version.previous_hash,
        reason=version.reason, submitted_at=version.submitted_at,
        scope1_tco2e=content["scope1_tco2e"], scope2_location_tco2e=content["scope2_location_tco2e"],
        scope2_market_tco2e=content.get("scope2_market_tco2e"), scope3=content.get("scope3") or {},
        scope3_total_tco2e=contents.scope3_total(content), total_tco2e=contents.total(content),
        boundary=content["boundary"], methodology=content["methodology"], facilities=content.get("facilities") or [],
        verification=None if decision is None else verification_read(*decision),
        flags=[FlagRead(code=f.code, severity=f.severity, detail=f.detail) for f in flags],
    )


def verification_read(decision: Verification, verifier_name: str) -> VerificationRead:
    return VerificationRead(
        id=decision.id, version=decision.version, verifier_id=decision.verifier_id, verifier_name=verifier_name,
        outcome=decision.outcome, assurance_level=decision.assurance_level, standard=decision.standard,
        statement=decision.statement, decided_at=decision.created_at,
    )


async def report_read(session: AsyncSession, report: EmissionsReport) -> ReportRead:
    return (await reports_read(session, [report]))[0]


async def list_company_reports(
    session: AsyncSession, *, company_id: uuid.UUID, params: PageParams
) -> tuple[list[ReportRead], str | None]:
    stmt = select(EmissionsReport).where(EmissionsReport.company_id == company_id)
    reports, cursor = await paginate(
        session, stmt, params, keys=[EmissionsReport.reporting_year, EmissionsReport.id],
        key_of=lambda r: [r.reporting_year, r.id], descending=True,
    )
    return await reports_read(session, reports), cursor


async def history(
    session: AsyncSession, *, report: EmissionsReport, params: PageParams
) -> tuple[list[HistoryItem], str | None]:
    stmt = select(ReportVersion).where(ReportVersion.report_id == report.id)
    versions, cursor = await paginate(session, stmt, params, keys=[ReportVersion.version], key_of=lambda v: [v.version])
    return [HistoryItem.model_validate(v) for v in versions], cursor


async def integrity(session: AsyncSession, report: EmissionsReport) -> IntegrityRead:
    """Re-compute the chain from the stored rows, as they are now."""
    rows = (await session.execute(
        select(ReportVersion.version, ReportVersion.content, ReportVersion.content_hash, ReportVersion.previous_hash)
        .where(ReportVersion.report_id == report.id)
    )).all()
    check = check_chain(StoredVersion(*row) for row in rows)
    problems = list(check.problems)
    if rows and max(r[0] for r in rows) != report.current_version:
        problems.append(f"the report names version {report.current_version} as current, the chain ends elsewhere")
    return IntegrityRead(valid=not problems, versions=len(rows), problems=problems)


def page_of(items: Sequence[Any], params: PageParams) -> tuple[list[Any], str | None]:
    """A page of a short computed list (such as flags), by position."""
    start = 0
    if params.cursor:
        start = int(decode_cursor(params.cursor, [ReportVersion.version])[0])
    chunk = list(items[start : start + params.limit])
    more = start + params.limit < len(items)
    return chunk, encode_cursor([start + params.limit]) if more else None
