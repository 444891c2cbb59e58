"""City pages: the public city page and the officer's forms for the plan, actions and inventories."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.badges.pages import city_recognition
from app.common import access
from app.cities import service
from app.cities.geometry import radius_from_population
from app.cities.models import CityPlan, PlanStatus
from app.cities.schemas import ActionCreate, CityCreate, InventoryCreate, PlanWrite
from app.common.reads import SessionReader
from app.common.pagination import PageParams
from app.common.standards import ISIC_NAMES, GpcSector, IsicSection, country_name
from app.db import SessionDep
from app.errors import Conflict
from app.identity.auth import require_role, role_in
from app.identity.models import Role
from app.web import charts
from app.web.forms import parse_form
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)

TARGET_ROWS = 4


def _chart_series(progress: Any, inventories: list[tuple[int, float]]) -> tuple[list[int], list[charts.Series]]:
    trajectory = {p.year: p.emissions_tco2e for p in progress.trajectory}
    measured = dict(inventories)
    years = sorted(set(trajectory) | set(measured))
    if not years:
        return [], []
    span = list(range(years[0], years[-1] + 1))
    series = [charts.Series("Inventories (measured)", [measured.get(y) for y in span])]
    if trajectory:
        series.append(charts.Series("Target trajectory", [trajectory.get(y) for y in span], dashed=True))
    return span, series


async def _inventories(session: SessionDep, city_id: uuid.UUID) -> list[Any]:
    rows, _ = await service.list_inventories(session, city_id=city_id, params=PageParams(limit=200))
    return rows


@router.get("/cities/new", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def new_city_form(request: Request, user: PageUser) -> Response:
    if user is None:
        return RedirectResponse("/signin?next=/cities/new", status_code=303)
    return render(request, "cities/form.html", {"values": {}, "errors": {}})


@router.post("/cities/new", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def new_city(request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return RedirectResponse("/signin?next=/cities/new", status_code=303)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "country_code", "subdivision_code", "population", "latitude", "longitude", "radius_km")}
    data, errors = parse_form(CityCreate, {k: v for k, v in values.items() if v != ""})
    if data is None:
        return render(request, "cities/form.html", {"values": values, "errors": errors}, status_code=422)
    city = await service.create_city(session, data=data, actor=user)
    return RedirectResponse(f"/cities/{city.id}", status_code=303)


@router.get("/cities/{city_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def city_page(city_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    city = await service.get_city(session, city_id)
    role = await role_in(session, user, city_id)
    plan = await session.get(CityPlan, city_id)
    if plan is not None and plan.status == PlanStatus.DRAFT and role is None:
        plan = None
    actions = (await service.list_actions(session, city_id=city_id, params=PageParams(limit=200)))[0] if plan else []
    inventories = await _inventories(session, city_id)
    progress = await service.city_progress(SessionReader(session), city_id=city_id)
    companies, more_companies = await service.colocated_companies(session, city_id=city_id, params=PageParams(limit=200))
    context = {
        "city": city, "country": country_name(city.country_code), "plan": plan, "actions": actions,
        "inventories": [service.inventory_read(row) for row in inventories], "progress": progress,
        "companies": companies, "more_companies": more_companies is not None,
        "can_edit": role is not None and role.includes(Role.EDITOR), "is_member": role is not None,
        "isic_names": ISIC_NAMES,
        "has_chart": bool(progress.trajectory or inventories),
        "radius_km": city.radius_km or radius_from_population(city.population),
        "recognition": await city_recognition(session, city_id),
    }
    return render(request, "cities/show.html", context)


@router.get("/cities/{city_id}/emissions.svg", openapi_extra=access.PUBLIC)
async def emissions_chart(city_id: uuid.UUID, session: SessionDep) -> Response:
    city = await service.get_city(session, city_id)
    progress = await service.city_progress(SessionReader(session), city_id=city_id)
    inventories = [(row.year, row.total_tco2e) for row in await _inventories(session, city_id)]
    years, series = _chart_series(progress, inventories)
    return charts.svg_response(charts.line_chart(f"{city.name}: emissions against the target path", [str(y) for y in years], series))


def _plan_values(plan: CityPlan | None) -> dict[str, str]:
    if plan is None:
        return {"status": "draft"}
    values = {"title": plan.title, "baseline_year": str(plan.baseline_year),
              "baseline_emissions_tco2e": f"{plan.baseline_emissions_tco2e:g}", "status": plan.status.value}
    for n, target in enumerate(plan.targets):
        values |= {f"targets.{n}.year": str(target["year"]), f"targets.{n}.reduction_pct": f"{target['reduction_pct']:g}",
                   f"targets.{n}.kind": target.get("kind", "absolute")}
    return values


def _plan_data(values: dict[str, str]) -> dict[str, Any]:
    targets = []
    for n in range(TARGET_ROWS):
        year, pct = values.get(f"targets.{n}.year", ""), values.get(f"targets.{n}.reduction_pct", "")
        if year or pct:
            targets.append({"year": year, "reduction_pct": pct, "kind": values.get(f"targets.{n}.kind") or "absolute"})
    data: dict[str, Any] = {k: values[k] for k in ("title", "baseline_year", "baseline_emissions_tco2e", "status") if values.get(k)}
    return data | {"targets": targets}


@router.get("/cities/{city_id}/plan/edit", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def plan_form(city_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    plan = await session.get(CityPlan, city_id)
    return render(request, "cities/plan_form.html", {"city": city, "values": _plan_values(plan), "errors": {}, "rows": TARGET_ROWS})


@router.post("/cities/{city_id}/plan/edit", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def save_plan(city_id: uuid.UUID, request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    assert user is not None
    values = {k: str(v).strip() for k, v in form.items()}
    data, errors = parse_form(PlanWrite, _plan_data(values))
    if data is None:
        context = {"city": city, "values": values, "errors": errors, "rows": TARGET_ROWS}
        return render(request, "cities/plan_form.html", context, status_code=422)
    await service.put_plan(session, city=city, data=data, actor=user)
    return RedirectResponse(f"/cities/{city_id}", status_code=303)


@router.get("/cities/{city_id}/actions/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def action_form(city_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    return render(request, "cities/action_form.html", _action_context(city, {}, {}))


def _action_context(city: Any, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"city": city, "values": values, "errors": errors, "sectors": list(GpcSector),
            "isic": [(s.value, ISIC_NAMES[s.value]) for s in IsicSection]}


@router.post("/cities/{city_id}/actions/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def add_action(city_id: uuid.UUID, request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    assert user is not None
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in ("title", "description", "sector", "expected_reduction_tco2e", "status")}
    values["partner_sectors"] = [str(v) for v in form.getlist("partner_sectors")]
    data, errors = parse_form(ActionCreate, {k: v for k, v in values.items() if v != ""})
    if data is not None:
        try:
            await service.create_action(session, city=city, data=data, actor=user)
            return RedirectResponse(f"/cities/{city_id}#actions", status_code=303)
        except Conflict as exc:
            errors = {"form": exc.detail}
    return render(request, "cities/action_form.html", _action_context(city, values, errors), status_code=422)


@router.get("/cities/{city_id}/inventories/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def inventory_form(city_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    return render(request, "cities/inventory_form.html", {"city": city, "values": {}, "errors": {}, "sectors": list(GpcSector)})


@router.post("/cities/{city_id}/inventories/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def add_inventory(city_id: uuid.UUID, request: Request, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, city_id, Role.EDITOR)
    city = await service.get_city(session, city_id)
    assert user is not None
    values = {k: str(v).strip() for k, v in form.items()}
    sectors = {s.value: values.get(f"sectors.{s.value}") or None for s in GpcSector}
    data, errors = parse_form(InventoryCreate, {"year": values.get("year") or None, "sectors": sectors})
    if data is not None:
        try:
            await service.add_inventory(session, city=city, data=data, actor=user)
            return RedirectResponse(f"/cities/{city_id}#inventories", status_code=303)
        except Conflict as exc:
            errors = {"year": exc.detail}
    context = {"city": city, "values": values, "errors": errors, "sectors": list(GpcSector)}
    return render(request, "cities/inventory_form.html", context, status_code=422)
