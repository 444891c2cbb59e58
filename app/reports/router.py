import uuid
from typing import Annotated

from fastapi import APIRouter, File, Header, Query, Request, UploadFile, status
from fastapi.responses import JSONResponse

from app.common import access
from app.common.pagination import Page, PageDep
from app.companies.service import get_company
from app.db import SessionDep
from app.identity.auth import CurrentUser
from app.reports import csv_import, service, verification
from app.reports.auth import ReportActor, authorize_company_write, authorize_queue, deciding_verifier
from app.reports.idempotency import run_once
from app.reports.schemas import (
    FlagRead, HistoryItem, ImportCheck, ImportResult, IntegrityRead, QueueItem, ReportCreate, ReportRead,
    RestatementCreate, VerificationCreate, VerificationRead, VerificationRequestCreate, VerificationRequestRead,
)
from app.verifiers.service import get_verifier

router = APIRouter(tags=["reports"])

IdempotencyKeyHeader = Annotated[
    str | None, Header(alias="Idempotency-Key", description="Retries with the same key and body get the first answer.")
]


@router.post(
    "/companies/{company_id}/reports", status_code=status.HTTP_201_CREATED, response_model=ReportRead,
    responses={409: {"description": "A report for the year exists, or the key was used with another body."}},
    openapi_extra=access.rule("editors of the company, or its API clients"),
)
async def submit_report(
    company_id: uuid.UUID, body: ReportCreate, request: Request, actor: ReportActor, session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Submit a year's report (company editors or the company's API clients)."""
    company = await get_company(session, company_id)
    await authorize_company_write(session, actor, company_id)

    async def create() -> tuple[int, dict[str, object]]:
        submission = await service.submit(session, company=company, data=body, actor=actor)
        return 201, (await service.submission_read(session, submission)).model_dump(mode="json")

    return await run_once(
        session, key=idempotency_key, company_id=company_id, path=request.url.path,
        body=body.model_dump(mode="json"), create=create,
    )


@router.get("/companies/{company_id}/reports", response_model=Page[ReportRead], openapi_extra=access.PUBLIC)
async def list_company_reports(company_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[ReportRead]:
    """The company's reports, newest year first, each at its current version."""
    await get_company(session, company_id)
    items, cursor = await service.list_company_reports(session, company_id=company_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/reports/import", status_code=status.HTTP_201_CREATED, response_model=ImportResult,
    responses={200: {"model": ImportCheck, "description": "Dry run: every row is valid."},
               422: {"description": "Some rows are invalid: `errors` lists each with its line; nothing is stored."}},
    openapi_extra=access.rule("editors of every company named; platform administrators"),
)
async def import_reports(
    user: CurrentUser, session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV with a header row; see the API description.")],
    dry_run: Annotated[bool, Query(description="Validate only; store nothing.")] = False,
) -> JSONResponse:
    """Import many reports from CSV, all or nothing (editors of every company named, or platform admins)."""
    count = await csv_import.import_reports(session, file.file, user=user, dry_run=dry_run)
    if dry_run:
        return JSONResponse(ImportCheck(valid=count).model_dump(), status_code=200)
    return JSONResponse(ImportResult(imported=count).model_dump(), status_code=201)


@router.get("/reports/{report_id:uuid}", response_model=ReportRead, openapi_extra=access.PUBLIC)
async def get_report(report_id: uuid.UUID, session: SessionDep) -> ReportRead:
    """A report at its current version, with its verification and flags."""
    return await service.report_read(session, await service.get_report(session, report_id))


@router.post("/reports/{report_id:uuid}/restatements", status_code=status.HTTP_201_CREATED, response_model=ReportRead, openapi_extra=access.rule("editors of the company, or its API clients"))
async def restate_report(
    report_id: uuid.UUID, body: RestatementCreate, request: Request, actor: ReportActor, session: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> JSONResponse:
    """Restate a report with a reason: the next version; the previous is kept, superseded."""
    report = await service.get_report(session, report_id)
    await authorize_company_write(session, actor, report.company_id)

    async def create() -> tuple[int, dict[str, object]]:
        restated = await service.restate_report(session, report=report, data=body, actor=actor)
        return 201, (await service.report_read(session, restated)).model_dump(mode="json")

    return await run_once(
        session, key=idempotency_key, company_id=report.company_id, path=request.url.path,
        body=body.model_dump(mode="json"), create=create,
    )


@router.get("/reports/{report_id:uuid}/history", response_model=Page[HistoryItem], openapi_extra=access.PUBLIC)
async def report_history(report_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[HistoryItem]:
    """Every version, oldest first, with its hash, the hash it chains to and its reason."""
    report = await service.get_report(session, report_id)
    items, cursor = await service.history(session, report=report, params=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/reports/{report_id:uuid}/integrity", response_model=IntegrityRead, openapi_extra=access.PUBLIC)
async def report_integrity(report_id: uuid.UUID, session: SessionDep) -> IntegrityRead:
    """The hash chain, re-computed from the stored versions."""
    return await service.integrity(session, await service.get_report(session, report_id))


@router.get("/reports/{report_id:uuid}/flags", response_model=Page[FlagRead], openapi_extra=access.PUBLIC)
async def report_flags(report_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[FlagRead]:
    """Accountability flags of the current version, computed now."""
    report = await service.report_read(session, await service.get_report(session, report_id))
    items, cursor = service.page_of(report.flags, page)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/reports/{report_id:uuid}/verification-requests", status_code=status.HTTP_201_CREATED,
    response_model=VerificationRequestRead,
    openapi_extra=access.rule("editors of the company, or its API clients"),
)
async def request_verification(
    report_id: uuid.UUID, body: VerificationRequestCreate, actor: ReportActor, session: SessionDep
) -> VerificationRequestRead:
    """Ask a verifier to verify the current version (company editors or the company's API clients)."""
    report = await service.get_report(session, report_id)
    await authorize_company_write(session, actor, report.company_id)
    created = await verification.request_verification(session, report=report, verifier_id=body.verifier_id, actor=actor)
    return VerificationRequestRead(
        id=created.id, report_id=created.report_id, version=created.version, verifier_id=created.verifier_id,
        status=created.status, requested_at=created.created_at,
    )


@router.post("/reports/{report_id:uuid}/verifications", status_code=status.HTTP_201_CREATED, response_model=VerificationRead, openapi_extra=access.rule("editors of an accredited, requested verifier sharing no member with the company"))
async def verify_report(
    report_id: uuid.UUID, body: VerificationCreate, user: CurrentUser, session: SessionDep
) -> VerificationRead:
    """Record a verifier's decision on the current version: accredited, asked, independent; once per version."""
    report = await service.get_report(session, report_id)
    verifier = await deciding_verifier(session, user, report, body.verifier_id)
    decision = await verification.decide(session, report=report, verifier=verifier, data=body, user=user)
    return service.verification_read(decision, verifier.name)


@router.get("/verifiers/{verifier_id}/queue", response_model=Page[QueueItem], openapi_extra=access.role("members", "verifier"))
async def verifier_queue(verifier_id: uuid.UUID, page: PageDep, user: CurrentUser, session: SessionDep) -> Page[QueueItem]:
    """Open verification requests to the verifier (its members)."""
    await get_verifier(session, verifier_id)
    await authorize_queue(session, user, verifier_id)
    items, cursor = await verification.queue(session, verifier_id=verifier_id, params=page)
    return Page(items=items, next_cursor=cursor)
