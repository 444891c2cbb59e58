"""Company pages: the public company page and the team's forms for facilities and commitments."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.badges.pages import company_badges
from app.common import access
from app.cities.models import City
from app.common.pagination import PageParams
from app.common.standards import ISIC_NAMES, IsicSection, country_name
from app.companies import service
from app.companies.schemas import CommitmentWrite, CompanyCreate, FacilityCreate
from app.db import SessionDep
from app.errors import Conflict
from app.identity.auth import require_role, role_in
from app.identity.models import Role
from app.web.forms import parse_form
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)

TARGET_ROWS = 3


def _sectors() -> list[tuple[str, str]]:
    return [(s.value, f"{s.value} — {ISIC_NAMES[s.value]}") for s in IsicSection]


@router.get("/companies/new", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def new_company_form(request: Request, user: PageUser) -> Response:
    if user is None:
        return RedirectResponse("/signin?next=/companies/new", status_code=303)
    return render(request, "companies/form.html", {"values": {}, "errors": {}, "sectors": _sectors()})


@router.post("/companies/new", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def new_company(request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return RedirectResponse("/signin?next=/companies/new", status_code=303)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "lei", "sector", "country_code")}
    data, errors = parse_form(CompanyCreate, {k: v for k, v in values.items() if v})
    if data is not None:
        try:
            company = await service.create_company(session, data=data, actor=user)
            return RedirectResponse(f"/companies/{company.id}", status_code=303)
        except Conflict as exc:
            errors = {"lei": exc.detail}
    return render(request, "companies/form.html", {"values": values, "errors": errors, "sectors": _sectors()}, status_code=422)


@router.get("/companies/{company_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def company_page(company_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    company = await service.get_company(session, company_id)
    read = await service.company_read(session, company)
    facilities, _ = await service.list_facilities(session, company_id=company_id, params=PageParams(limit=200))
    city_ids = {city_id for f in facilities for city_id in f.city_ids}
    cities = {c.id: c for c in (await session.scalars(select(City).where(City.id.in_(city_ids)))).all()} if city_ids else {}
    role = await role_in(session, user, company_id)
    context = {
        "company": read, "country": country_name(company.country_code), "sector_name": ISIC_NAMES[company.sector.value],
        "facilities": facilities, "cities": cities, "commitment": await service.get_commitment(session, company_id),
        "can_edit": role is not None and role.includes(Role.EDITOR), "is_member": role is not None,
        "badges": await company_badges(session, company_id),
    }
    return render(request, "companies/show.html", context)


@router.get("/companies/{company_id}/facilities/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def facility_form(company_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.EDITOR)
    company = await service.get_company(session, company_id)
    return render(request, "companies/facility_form.html", {"company": company, "values": {}, "errors": {}})


@router.post("/companies/{company_id}/facilities/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def add_facility(company_id: uuid.UUID, request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.EDITOR)
    company = await service.get_company(session, company_id)
    assert user is not None
    values = {k: str(form.get(k, "")).strip() for k in ("name", "latitude", "longitude", "address")}
    data, errors = parse_form(FacilityCreate, {k: v for k, v in values.items() if v})
    if data is None:
        return render(request, "companies/facility_form.html", {"company": company, "values": values, "errors": errors}, status_code=422)
    await service.create_facility(session, company=company, data=data, actor=user)
    return RedirectResponse(f"/companies/{company_id}#facilities", status_code=303)


def _commitment_values(commitment: Any) -> dict[str, str]:
    values = {"net_zero_year": str(commitment.net_zero_year or ""), "sbti_status": commitment.sbti_status.value}
    for n, t in enumerate(commitment.targets):
        values |= {f"targets.{n}.base_year": str(t.base_year), f"targets.{n}.target_year": str(t.target_year),
                   f"targets.{n}.reduction_pct": f"{t.reduction_pct:g}", f"targets.{n}.scopes": ",".join(map(str, t.scopes))}
    return values


def _commitment_data(values: dict[str, str]) -> dict[str, Any]:
    targets = []
    for n in range(TARGET_ROWS):
        row = {k: values.get(f"targets.{n}.{k}", "") for k in ("base_year", "target_year", "reduction_pct", "scopes")}
        if any(row.values()):
            scopes = [part.strip() for part in row["scopes"].split(",") if part.strip()]
            targets.append(row | {"scopes": scopes})
    data: dict[str, Any] = {"targets": targets, "sbti_status": values.get("sbti_status") or "none"}
    if values.get("net_zero_year"):
        data["net_zero_year"] = values["net_zero_year"]
    return data


@router.get("/companies/{company_id}/commitments/edit", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def commitments_form(company_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.EDITOR)
    company = await service.get_company(session, company_id)
    values = _commitment_values(await service.get_commitment(session, company_id))
    return render(request, "companies/commitments_form.html", {"company": company, "values": values, "errors": {}, "rows": TARGET_ROWS})


@router.post("/companies/{company_id}/commitments/edit", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def save_commitments(company_id: uuid.UUID, request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.EDITOR)
    company = await service.get_company(session, company_id)
    assert user is not None
    values = {k: str(v).strip() for k, v in form.items()}
    data, errors = parse_form(CommitmentWrite, _commitment_data(values))
    if data is None:
        context = {"company": company, "values": values, "errors": errors, "rows": TARGET_ROWS}
        return render(request, "companies/commitments_form.html", context, status_code=422)
    await service.put_commitment(session, company=company, data=data, actor=user)
    return RedirectResponse(f"/companies/{company_id}#commitments", status_code=303)
