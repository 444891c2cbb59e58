"""The match pages: a city officer's ranked firms per action, a company's fitting city actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.cities.models import CityPlan, PlanAction, PlanStatus
from app.cities.service import get_action, get_city
from app.common import access
from app.common.pagination import PageParams
from app.companies.service import get_company
from app.db import SessionDep
from app.identity.auth import require_role, role_in
from app.identity.models import Role
from app.errors import NotFound, Unprocessable
from app.matching import service
from app.projects import service as projects
from app.projects.models import ParticipantRole, Project, ProjectStatus
from app.projects.schemas import ParticipantCreate, ProjectCreate
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/cities/{city_id}/matches", response_class=HTMLResponse, openapi_extra=access.role("members", "city"))
async def city_matches(
    city_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep,
    action_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Response:
    await require_role(session, user, city_id, Role.VIEWER)
    city = await get_city(session, city_id)
    published = await session.scalar(select(CityPlan.status).where(CityPlan.city_id == city_id)) == PlanStatus.PUBLISHED
    actions = (await session.scalars(select(PlanAction).where(PlanAction.city_id == city_id).order_by(PlanAction.title))).all() if published else []
    if action_id is None and actions:
        action_id = actions[0].id
    matches = []
    if action_id is not None and published:
        matches, _ = await service.city_matches(
            session, city=await service.city_facts(session, city_id), params=PageParams(limit=50), action_id=action_id
        )
    role = await role_in(session, user, city_id)
    open_projects = (await session.scalars(
        select(Project).where(Project.city_id == city_id, Project.status.in_([ProjectStatus.PROPOSED, ProjectStatus.ACTIVE]))
        .order_by(Project.title)
    )).all()
    context = {"city": city, "actions": actions, "selected": action_id, "matches": matches, "published": published,
               "can_invite": role is not None and role.includes(Role.EDITOR), "projects": open_projects}
    return render(request, "matching/city.html", context)


@router.post("/cities/{city_id}/matches/invite", openapi_extra=access.role("editors", "city"))
async def invite_from_match(city_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    """One step from a match to an invitation: into an open project, or a new one for the action."""
    await require_role(session, user, city_id, Role.EDITOR)
    assert user is not None
    try:
        company_id, action_id = uuid.UUID(str(form.get("company_id"))), uuid.UUID(str(form.get("action_id")))
        target = str(form.get("project_id") or "new")
        project_id = None if target == "new" else uuid.UUID(target)
    except ValueError as exc:
        raise Unprocessable("The invitation names an unknown company, action or project.") from exc
    if project_id is None:
        action = await get_action(session, city_id, action_id)
        project = await projects.create_project(session, actor=user, data=ProjectCreate(
            city_id=city_id, title=action.title, description=action.description, action_ids=[action.id],
            expected_reduction_tco2e=action.expected_reduction_tco2e,
        ))
    else:
        project = await projects.get_project(session, project_id)
        if project.city_id != city_id:
            raise NotFound(f"City {city_id} has no project {project_id}.")
    await projects.invite(session, project=project, actor=user,
                          data=ParticipantCreate(company_id=company_id, role=ParticipantRole.PARTNER))
    return RedirectResponse(f"/projects/{project.id}/manage", status_code=303)


@router.get("/companies/{company_id}/matches", response_class=HTMLResponse, openapi_extra=access.role("members", "company"))
async def company_matches(company_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.VIEWER)
    company = await get_company(session, company_id)
    matches, _ = await service.company_matches(session, company_id=company_id, params=PageParams(limit=100))
    return render(request, "matching/company.html", {"company": company, "matches": matches})
