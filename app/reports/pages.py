"""Report pages: the company team's form and list, the public report page, the verifier's queue and decision."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common import access
from app.common.pagination import PageParams
from app.companies.service import get_company
from app.db import SessionDep
from app.errors import AppError, Conflict, NotFound, Unprocessable
from app.identity.auth import require_role, role_in
from app.identity.models import Role, User
from app.reports import service, verification
from app.reports.auth import (
    Actor,
    authorize_company_write,
    authorize_queue,
    deciding_verifier,
)
from app.reports.content import SCOPE3_CATEGORIES
from app.reports.models import EmissionsReport, RequestStatus, VerificationRequest
from app.reports.schemas import Boundary, ReportCreate, VerificationCreate
from app.verifiers.models import Verifier
from app.verifiers.service import get_verifier
from app.web.forms import parse_form
from app.web.pages import sign_in_redirect
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)



async def _undone(session: AsyncSession, response: Response) -> Response:
    """Roll back what the failed request wrote, once its form has been rendered again."""
    await session.rollback()
    return response


SCOPE3_NAMES = (
    "Purchased goods and services", "Capital goods", "Fuel- and energy-related activities",
    "Upstream transportation and distribution", "Waste generated in operations", "Business travel",
    "Employee commuting", "Upstream leased assets", "Downstream transportation and distribution",
    "Processing of sold products", "Use of sold products", "End-of-life treatment of sold products",
    "Downstream leased assets", "Franchises", "Investments",
)
BOUNDARIES = [(b.value, b.value.replace("_", " ").capitalize()) for b in Boundary]
REPORT_FIELDS = ("reporting_year", "unit", "scope1_tco2e", "scope2_location_tco2e", "scope2_market_tco2e",
                 "boundary", "methodology", *(f"scope3_{n}" for n in SCOPE3_CATEGORIES))
DECISION_FIELDS = ("outcome", "assurance_level", "standard", "statement")


def _form_context(company: Any, values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "company": company, "values": values, "errors": errors, "boundaries": BOUNDARIES,
        "scope3_categories": list(zip(SCOPE3_CATEGORIES, SCOPE3_NAMES, strict=True)),
        "scope3_open": any(values.get(f"scope3_{n}") for n in SCOPE3_CATEGORIES) or any(k.startswith("scope3") for k in errors),
    }


def _report_data(values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: values[k] for k in ("reporting_year", "scope1_tco2e", "scope2_location_tco2e", "boundary", "methodology")}
    data["unit"] = values["unit"] or "tco2e"
    data["scope2_market_tco2e"] = values["scope2_market_tco2e"] or None
    data["scope3"] = {n: values[f"scope3_{n}"] for n in SCOPE3_CATEGORIES if values[f"scope3_{n}"]} or None
    return data


def _field_names(errors: dict[str, str]) -> dict[str, str]:
    # The schema nests scope 3 ("scope3.4"); the form names each category "scope3_4".
    return {key.replace("scope3.", "scope3_"): msg for key, msg in errors.items()}


@router.get("/companies/{company_id}/reports", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def company_reports(
    request: Request, company_id: str, user: PageUser, session: SessionDep,
    cursor: str | None = None,
) -> Response:
    company = await get_company(session, _id(company_id))
    reports, next_cursor = await service.list_company_reports(session, company_id=company.id, params=PageParams(cursor=cursor))
    role = await role_in(session, user, company.id)
    return render(request, "reports/list.html", {
        "company": company, "reports": reports, "next_cursor": next_cursor,
        "may_submit": role is not None and role.includes(Role.EDITOR),
    })


@router.get("/companies/{company_id}/reports/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def new_report_form(request: Request, company_id: str, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    company = await get_company(session, _id(company_id))
    await require_role(session, user, company.id, Role.EDITOR)
    return render(request, "reports/form.html", _form_context(company, {}, {}))


@router.post("/companies/{company_id}/reports/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def submit_report(
    request: Request, company_id: str, form: CheckedForm, user: PageUser, session: SessionDep
) -> Response:
    if user is None:
        return sign_in_redirect(request)
    company = await get_company(session, _id(company_id))
    actor = Actor(user=user)
    await authorize_company_write(session, actor, company.id)
    values = {name: str(form.get(name, "")).strip() for name in REPORT_FIELDS}
    data, errors = parse_form(ReportCreate, _report_data(values))
    if data is None:
        return render(request, "reports/form.html", _form_context(company, values, _field_names(errors)), status_code=422)
    try:
        report = await service.submit_report(session, company=company, data=data, actor=actor)
    except (Conflict, Unprocessable) as exc:
        where = "reporting_year" if isinstance(exc, Conflict) else "form"
        page = render(request, "reports/form.html", _form_context(company, values, {where: exc.detail}), status_code=exc.status)
        return await _undone(session, page)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


async def _deciding(session: SessionDep, user: User | None, report: EmissionsReport) -> list[Verifier]:
    """Verifiers the user edits that were asked to verify the current version and have not yet decided."""
    if user is None:
        return []
    stmt = select(Verifier).join(VerificationRequest, VerificationRequest.verifier_id == Verifier.id).where(
        VerificationRequest.report_id == report.id, VerificationRequest.version == report.current_version,
        VerificationRequest.status == RequestStatus.OPEN,
    )
    found = []
    for verifier in (await session.scalars(stmt)).unique():
        role = await role_in(session, user, verifier.id)
        if role is not None and role.includes(Role.EDITOR):
            found.append(verifier)
    return found


@router.get("/reports/{report_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def report_page(request: Request, report_id: str, user: PageUser, session: SessionDep) -> Response:
    report = await service.get_report(session, _id(report_id))
    company = await get_company(session, report.company_id)
    role = await role_in(session, user, company.id)
    may_request = role is not None and role.includes(Role.EDITOR)
    verifiers = []
    if may_request:
        verifiers = list((await session.scalars(select(Verifier).where(Verifier.accredited).order_by(Verifier.name).limit(200))).all())
    history, _ = await service.history(session, report=report, params=PageParams(limit=200))
    return render(request, "reports/detail.html", {
        "report": await service.report_read(session, report), "company": company, "history": history,
        "integrity": await service.integrity(session, report), "may_request": may_request, "verifiers": verifiers,
        "deciding": await _deciding(session, user, report),
    })


@router.post("/reports/{report_id}/verification-requests", openapi_extra=access.role("editors", "company"))
async def request_verification(
    request: Request, report_id: str, form: CheckedForm, user: PageUser, session: SessionDep
) -> Response:
    if user is None:
        return sign_in_redirect(request)
    report = await service.get_report(session, _id(report_id))
    await authorize_company_write(session, Actor(user=user), report.company_id)
    try:
        verifier_id = uuid.UUID(str(form.get("verifier_id", "")))
    except ValueError as exc:
        raise Unprocessable("Choose a verifier.", loc=["form", "verifier_id"]) from exc
    await verification.request_verification(session, report=report, verifier_id=verifier_id, actor=Actor(user=user))
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.get("/verifiers/{verifier_id}/queue", response_class=HTMLResponse, openapi_extra=access.role("members", "verifier"))
async def queue_page(
    request: Request, verifier_id: str, user: PageUser, session: SessionDep,
    cursor: str | None = None,
) -> Response:
    if user is None:
        return sign_in_redirect(request)
    verifier = await get_verifier(session, _id(verifier_id))
    await authorize_queue(session, user, verifier.id)
    items, next_cursor = await verification.queue(session, verifier_id=verifier.id, params=PageParams(cursor=cursor))
    return render(request, "reports/queue.html", {"verifier": verifier, "items": items, "next_cursor": next_cursor})


async def _decision_context(session: SessionDep, report: EmissionsReport, verifier: Verifier) -> dict[str, Any]:
    return {
        "report": await service.report_read(session, report), "verifier": verifier,
        "company": await get_company(session, report.company_id),
    }


@router.get("/reports/{report_id}/verify", response_class=HTMLResponse, openapi_extra=access.role("editors", "verifier"))
async def decision_form(
    request: Request, report_id: str, user: PageUser, session: SessionDep, verifier_id: str = ""
) -> Response:
    if user is None:
        return sign_in_redirect(request)
    report = await service.get_report(session, _id(report_id))
    verifier = await get_verifier(session, _id(verifier_id))
    await require_role(session, user, verifier.id, Role.EDITOR)
    context = await _decision_context(session, report, verifier)
    return render(request, "reports/decide.html", context | {"values": {}, "errors": {}})


@router.post("/reports/{report_id}/verify", response_class=HTMLResponse, openapi_extra=access.role("editors", "verifier"))
async def decide(request: Request, report_id: str, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    report = await service.get_report(session, _id(report_id))
    values = {name: str(form.get(name, "")).strip() for name in (*DECISION_FIELDS, "verifier_id")}
    data, errors = parse_form(VerificationCreate, {k: v or None for k, v in values.items()})
    verifier = await get_verifier(session, _id(values["verifier_id"]))
    context = await _decision_context(session, report, verifier) | {"values": values}
    if data is None:
        return render(request, "reports/decide.html", context | {"errors": errors}, status_code=422)
    try:
        deciding = await deciding_verifier(session, user, report, verifier.id)
        await verification.decide(session, report=report, verifier=deciding, data=data, user=user)
    except AppError as exc:
        page = render(request, "reports/decide.html", context | {"errors": {"form": exc.detail}}, status_code=exc.status)
        return await _undone(session, page)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


def _id(value: str) -> uuid.UUID:
    # Ids arrive as text and are parsed here, inside `html_errors`: a malformed one is simply not found.
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise NotFound(f"Nothing has the id {value!r}.") from exc
