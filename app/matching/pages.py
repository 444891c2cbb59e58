"""The match pages: a city officer's ranked firms per action, a company's fitting city actions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.cities.models import CityPlan, PlanAction, PlanStatus
from app.cities.service import get_city
from app.common import access
from app.common.pagination import PageParams
from app.companies.service import get_company
from app.db import SessionDep
from app.identity.auth import require_role, role_in
from app.identity.models import Role
from app.matching import service
from app.web.session import PageUser
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
        matches, _ = await service.city_matches(session, city_id=city_id, params=PageParams(limit=50), action_id=action_id)
    role = await role_in(session, user, city_id)
    context = {"city": city, "actions": actions, "selected": action_id, "matches": matches, "published": published,
               "can_invite": role is not None and role.includes(Role.EDITOR)}
    return render(request, "matching/city.html", context)


@router.get("/companies/{company_id}/matches", response_class=HTMLResponse, openapi_extra=access.role("members", "company"))
async def company_matches(company_id: uuid.UUID, request: Request, user: PageUser, session: SessionDep) -> Response:
    await require_role(session, user, company_id, Role.VIEWER)
    company = await get_company(session, company_id)
    matches, _ = await service.company_matches(session, company_id=company_id, params=PageParams(limit=100))
    return render(request, "matching/company.html", {"company": company, "matches": matches})
