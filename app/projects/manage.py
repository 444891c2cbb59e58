"""The city officer's pages: propose a project, then run it (status, invitations, milestones, outcomes, disclosures)."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlalchemy import select
from starlette.datastructures import FormData

from app.common import access
from app.cities.models import City, PlanAction
from app.cities.service import colocated_companies
from app.db import SessionDep
from app.errors import Conflict, NotFound, Unprocessable
from app.identity.auth import require_role
from app.identity.models import Role, User
from app.projects import lifecycle, reporting, service, voice
from app.projects.models import ParticipantStatus, Project
from app.projects.pages import EVERYTHING, see_other
from app.projects.schemas import (
    DisclosureCreate, MilestoneCreate, MilestoneUpdate, OutcomeCreate, ParticipantCreate, ProjectCreate, ProjectUpdate,
)
from app.web.forms import parse_form
from app.web.pages import sign_in_redirect
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)


def text_values(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(form.get(name, "")).strip() for name in names}


def present(values: dict[str, Any]) -> dict[str, Any]:
    """Empty optional fields are absent, not empty strings that fail validation."""
    return {k: v for k, v in values.items() if v not in ("", None)}


def domain_errors(exc: Unprocessable | Conflict, default: str = "form") -> dict[str, str]:
    errors = exc.extra.get("errors") or []
    loc = errors[0]["loc"] if errors else []
    return {str(loc[-1]) if len(loc) > 1 else default: exc.detail}


async def city_actions(session: SessionDep, city_id: uuid.UUID) -> list[PlanAction]:
    stmt = select(PlanAction).where(PlanAction.city_id == city_id).order_by(PlanAction.title).limit(200)
    return list(await session.scalars(stmt))


async def _new_page(request: Request, session: SessionDep, user: User, city_id: uuid.UUID,
                    values: dict[str, Any], errors: dict[str, str], status_code: int = 200) -> Response:
    city = await session.get(City, city_id)
    if city is None:
        raise NotFound(f"No city has the id {city_id}.")
    await require_role(session, user, city_id, Role.EDITOR)
    context = {"city": city, "actions": await city_actions(session, city_id), "values": values, "errors": errors}
    return render(request, "projects/new.html", context, status_code=status_code)


@router.get("/cities/{city_id}/projects/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def new_form(request: Request, city_id: uuid.UUID, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    return await _new_page(request, session, user, city_id, {"action_ids": []}, {})


@router.post("/cities/{city_id}/projects/new", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def create(request: Request, city_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    values: dict[str, Any] = text_values(form, ("title", "description", "expected_reduction_tco2e", "start_date", "end_date"))
    values["action_ids"] = [str(a) for a in form.getlist("action_ids")]
    data, errors = parse_form(ProjectCreate, present(values) | {"city_id": str(city_id), "description": values["description"]})
    if data is not None:
        try:
            project = await service.create_project(session, data=data, actor=user)
            return see_other(f"/projects/{project.id}/manage")
        except Unprocessable as exc:
            errors = domain_errors(exc)
    return await _new_page(request, session, user, city_id, values, errors, status_code=422)


async def _editable(session: SessionDep, user: User, project_id: uuid.UUID) -> Project:
    project = await service.get_project(session, project_id)
    await service.require_city_editor(session, user, project)
    return project


async def manage_context(session: SessionDep, project: Project) -> dict[str, Any]:
    read = await service.project_read(session, project)
    milestones, _ = await service.list_milestones(session, project_id=project.id, params=EVERYTHING)
    outcomes, _ = await reporting.list_outcomes(session, project_id=project.id, params=EVERYTHING)
    invited = {p.company_id for p in read.participants}
    local, _ = await colocated_companies(session, city_id=project.city_id, params=EVERYTHING)
    return {
        "project": read, "milestones": sorted(milestones, key=lambda m: m.due_date), "outcomes": outcomes,
        "candidates": [c for c in local if c.company_id not in invited],
        "accepted": [p for p in read.participants if p.status == ParticipantStatus.ACCEPTED],
        "company_names": {p.company_id: p.company_name for p in read.participants},
        "governance": await voice.project_governance(session, project=project),
        "closed": lifecycle.is_terminal(project.status), "values": {}, "errors": {}, "form": None,
    }


@router.get("/projects/{project_id}/manage", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def manage(request: Request, project_id: uuid.UUID, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    context = await manage_context(session, project)
    context["values"] = {"invite": {"company_id": request.query_params.get("company_id", "")}}
    return render(request, "projects/manage.html", context)


async def _failed(request: Request, session: SessionDep, project: Project, form_name: str, values: dict[str, Any],
                  errors: dict[str, str]) -> Response:
    """The manage page again, with the typed values and the errors beside the form that failed."""
    context = await manage_context(session, project) | {"form": form_name, "values": {form_name: values},
                                                        "errors": {form_name: errors}}
    return render(request, "projects/manage.html", context, status_code=422)


async def _apply(request: Request, session: SessionDep, project: Project, form_name: str, model: type[BaseModel],
                 values: dict[str, Any], payload: dict[str, Any], action: Any) -> Response:
    data, errors = parse_form(model, payload)
    if data is not None:
        try:
            await action(data)
            return see_other(f"/projects/{project.id}/manage#{form_name}")
        except (Unprocessable, Conflict) as exc:
            errors = domain_errors(exc)
    # "attributions.0.share_pct" is shown beside the attributions, the field the person filled in.
    errors = {key.split(".")[0]: message for key, message in reversed(list(errors.items()))}
    return await _failed(request, session, project, form_name, values, errors)


@router.post("/projects/{project_id}/manage/status", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def move(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("status",))

    async def act(data: ProjectUpdate) -> None:
        await service.update_project(session, project=project, data=data, actor=user)
    return await _apply(request, session, project, "status", ProjectUpdate, values, values, act)


@router.post("/projects/{project_id}/manage/invite", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def invite(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("company_id", "other_company_id", "role", "funding_amount", "currency",
                                "pledged_reduction_tco2e"))
    payload = present(values | {"company_id": values["other_company_id"] or values["company_id"], "other_company_id": ""})

    async def act(data: ParticipantCreate) -> None:
        await service.invite(session, project=project, data=data, actor=user)
    return await _apply(request, session, project, "invite", ParticipantCreate, values, payload, act)


@router.post("/projects/{project_id}/manage/milestones", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def add_milestone(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("title", "due_date"))

    async def act(data: MilestoneCreate) -> None:
        await service.add_milestone(session, project=project, data=data, actor=user)
    return await _apply(request, session, project, "milestone", MilestoneCreate, values, present(values), act)


@router.post("/projects/{project_id}/manage/milestones/{milestone_id}/done", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def milestone_done(request: Request, project_id: uuid.UUID, milestone_id: uuid.UUID, form: CheckedForm,
                         user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("done_date",))

    async def act(data: MilestoneUpdate) -> None:
        await service.update_milestone(session, project=project, milestone_id=milestone_id, data=data, actor=user)
    return await _apply(request, session, project, "milestone", MilestoneUpdate, values, present(values), act)


@router.post("/projects/{project_id}/manage/outcomes", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def add_outcome(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("period_start", "period_end", "reduction_tco2e", "method"))
    shares = {key.removeprefix("share_"): str(value).strip() for key, value in form.multi_items()
              if key.startswith("share_") and str(value).strip()}
    payload = present(values) | {"attributions": [{"company_id": c, "share_pct": s} for c, s in shares.items()]}

    async def act(data: OutcomeCreate) -> None:
        await reporting.add_outcome(session, project=project, data=data, actor=user)
    return await _apply(request, session, project, "outcome", OutcomeCreate, values | {"shares": shares}, payload, act)


@router.post("/projects/{project_id}/manage/disclosures", response_class=HTMLResponse, openapi_extra=access.role("editors", "city"))
async def add_disclosure(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await _editable(session, user, project_id)
    values = text_values(form, ("statement", "company_id"))

    async def act(data: DisclosureCreate) -> None:
        await voice.add_disclosure(session, project=project, data=data, actor=user)
    return await _apply(request, session, project, "disclosure", DisclosureCreate, values, present(values), act)
