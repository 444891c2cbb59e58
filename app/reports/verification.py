"""Verification: a company asks an accredited verifier, the verifier's queue, and its one decision per version."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges.service import reconcile_badges
from app.common.pagination import PageParams, paginate
from app.companies.models import Company
from app.companies.rollup import refresh_company_rollup
from app.db import utcnow
from app.errors import Conflict, Unprocessable
from app.identity import audit
from app.identity.models import User
from app.reports.auth import Actor
from app.reports.models import (
    EmissionsReport,
    ReportStatus,
    RequestStatus,
    Verification,
    VerificationOutcome,
    VerificationRequest,
)
from app.reports.schemas import QueueItem, VerificationCreate
from app.verifiers.models import Verifier


async def request_verification(
    session: AsyncSession, *, report: EmissionsReport, verifier_id: uuid.UUID, actor: Actor
) -> VerificationRequest:
    """Ask a verifier to verify the current version."""
    verifier = await session.get(Verifier, verifier_id)
    if verifier is None:
        raise Unprocessable(f"No verifier has the id {verifier_id}.", loc=["body", "verifier_id"])
    decided = await session.scalar(select(Verification.id).where(
        Verification.report_id == report.id, Verification.version == report.current_version
    ))
    if decided is not None:
        raise Conflict(f"Version {report.current_version} has been decided on already; restate to start over.")
    pending = await session.scalar(select(VerificationRequest.id).where(
        VerificationRequest.report_id == report.id, VerificationRequest.version == report.current_version,
        VerificationRequest.verifier_id == verifier.id, VerificationRequest.status == RequestStatus.OPEN,
    ))
    if pending is not None:
        raise Conflict(f"{verifier.name} has been asked to verify version {report.current_version} already.")
    request = VerificationRequest(
        report_id=report.id, version=report.current_version, verifier_id=verifier.id, requested_by=actor.id
    )
    session.add(request)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=report.company_id, action="verification.request",
        object_type="report", object_id=report.id,
        summary=f"{verifier.name} asked to verify version {report.current_version} by {actor.label}",
    )
    return request


async def decide(
    session: AsyncSession, *, report: EmissionsReport, verifier: Verifier, data: VerificationCreate, user: User
) -> Verification:
    """Record the decision on the current version (the rules were checked by `auth.deciding_verifier`)."""
    decision = Verification(
        report_id=report.id, version=report.current_version, verifier_id=verifier.id, outcome=data.outcome,
        assurance_level=data.assurance_level, standard=data.standard, statement=data.statement, decided_by=user.id,
    )
    session.add(decision)
    # Conditional on the version decided on, so that a restatement committed meanwhile wins.
    moved = await session.execute(
        update(EmissionsReport)
        .where(EmissionsReport.id == report.id, EmissionsReport.current_version == report.current_version)
        .values(status=ReportStatus.VERIFIED if data.outcome == VerificationOutcome.VERIFIED else ReportStatus.REJECTED,
                updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("The report was restated while you decided; the new version needs a new request.")
    await session.execute(
        update(VerificationRequest)
        .where(
            VerificationRequest.report_id == report.id, VerificationRequest.version == report.current_version,
            VerificationRequest.status == RequestStatus.OPEN,
        )
        .values(status=RequestStatus.DECIDED)
    )
    await session.flush()
    audit.record(
        session, actor_id=user.id, organization_id=report.company_id, action="verification.decide",
        object_type="report", object_id=report.id,
        summary=f"version {report.current_version} {data.outcome.value} by {verifier.name} "
        f"({data.assurance_level.value} assurance)",
    )
    await refresh_company_rollup(session, [report.company_id])
    await reconcile_badges(session, company_id=report.company_id, reason=(
        f"Report for {report.reporting_year}, version {report.current_version}, {data.outcome.value} by {verifier.name}."))
    return decision


async def queue(
    session: AsyncSession, *, verifier_id: uuid.UUID, params: PageParams
) -> tuple[list[QueueItem], str | None]:
    """Open requests to the verifier, oldest first."""
    stmt = (
        select(VerificationRequest, EmissionsReport.company_id, Company.name, EmissionsReport.reporting_year)
        .join(EmissionsReport, EmissionsReport.id == VerificationRequest.report_id)
        .join(Company, Company.id == EmissionsReport.company_id)
        .where(VerificationRequest.verifier_id == verifier_id, VerificationRequest.status == RequestStatus.OPEN)
    )
    rows, cursor = await paginate(
        session, stmt, params, keys=[VerificationRequest.id], key_of=lambda row: [row[0].id], scalars=False
    )
    items = [
        QueueItem(
            id=request.id, report_id=request.report_id, version=request.version, company_id=company_id,
            company_name=name, reporting_year=year, requested_at=request.created_at,
        )
        for request, company_id, name, year in rows
    ]
    return items, cursor
