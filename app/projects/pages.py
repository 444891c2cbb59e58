"""Public project pages, the hub of one's projects, the public's voice and a company's invitations."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from app.common import access
from app.cities.models import City
from app.common.pagination import PageParams
from app.companies.models import Company
from app.db import SessionDep
from app.errors import NotFound
from app.identity.auth import require_role, role_in
from app.identity.models import Membership, Organization, OrgKind, Role, User
from app.projects import reporting, service, voice
from app.projects.schemas import CommentCreate, CommentHide, DisclosureCreate
from app.web.forms import parse_form
from app.web.pages import sign_in_redirect
from app.web.session import CheckedForm, PageUser
from app.web.templating import render

router = APIRouter(include_in_schema=False)
EVERYTHING = PageParams(limit=200)




def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def edited_organizations(session: SessionDep, user: User | None, kind: OrgKind) -> list[Organization]:
    """The organisations of a kind that the person may write for."""
    if user is None:
        return []
    stmt = select(Organization).join(Membership, Membership.organization_id == Organization.id).where(
        Membership.user_id == user.id, Organization.kind == kind, Membership.role.in_([Role.EDITOR, Role.ADMIN])
    ).order_by(Organization.name)
    return list(await session.scalars(stmt))


@router.get("/projects", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def hub(request: Request, user: PageUser, session: SessionDep) -> Response:
    projects, _ = await service.list_projects(session, params=PageParams(limit=50))
    return render(request, "projects/list.html", {
        "projects": await service.project_reads(session, projects),
        "cities": await edited_organizations(session, user, OrgKind.CITY),
        "companies": await edited_organizations(session, user, OrgKind.COMPANY),
    })


async def public_context(session: SessionDep, user: User | None, project_id: uuid.UUID) -> dict[str, Any]:
    project = await service.get_project(session, project_id)
    read = await service.project_read(session, project)
    milestones, _ = await service.list_milestones(session, project_id=project.id, params=EVERYTHING)
    outcomes, _ = await reporting.list_outcomes(session, project_id=project.id, params=EVERYTHING)
    comments, _ = await voice.list_comments(session, project_id=project.id, params=EVERYTHING)
    history, _ = await service.history(session, project=project, params=PageParams(limit=100))
    names = {p.company_id: p.company_name for p in read.participants}
    city_role = await role_in(session, user, project.city_id)
    return {
        "project": read, "actions": await service.project_actions(session, project, with_draft_plan=city_role is not None),
        "milestones": sorted(milestones, key=lambda m: m.due_date), "outcomes": outcomes, "company_names": names,
        "governance": await voice.project_governance(session, project=project), "comments": comments,
        "history": history, "supported": await voice.supports(session, project_id=project.id, user=user),
        "may_manage": city_role is not None and city_role.includes(Role.EDITOR),
        "may_moderate": city_role is not None and city_role.includes(Role.ADMIN),
        "values": {}, "errors": {},
    }


@router.get("/projects/{project_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def show(request: Request, project_id: uuid.UUID, user: PageUser, session: SessionDep) -> Response:
    return render(request, "projects/show.html", await public_context(session, user, project_id))


@router.post("/projects/{project_id}/support", openapi_extra=access.SIGNED_IN)
async def support(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await service.get_project(session, project_id)
    if not await voice.supports(session, project_id=project.id, user=user):
        await voice.support(session, project=project, actor=user)
    return see_other(f"/projects/{project_id}#voice")


@router.post("/projects/{project_id}/comments", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def comment(request: Request, project_id: uuid.UUID, form: CheckedForm, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await service.get_project(session, project_id)
    values = {"body": str(form.get("body", ""))}
    data, errors = parse_form(CommentCreate, values)
    if data is None:
        context = await public_context(session, user, project_id) | {"values": values, "errors": errors}
        return render(request, "projects/show.html", context, status_code=422)
    await voice.add_comment(session, project=project, data=data, actor=user)
    return see_other(f"/projects/{project_id}#comments")


@router.post("/projects/{project_id}/comments/{comment_id}/hide", openapi_extra=access.role("admins", "city"))
async def hide(request: Request, project_id: uuid.UUID, comment_id: uuid.UUID, form: CheckedForm, user: PageUser,
               session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await service.get_project(session, project_id)
    reason = CommentHide(reason=str(form.get("reason", "")).strip()[:500] or "abusive").reason
    await voice.hide_comment(session, project=project, comment_id=comment_id, reason=reason, actor=user)
    return see_other(f"/projects/{project_id}#comments")


@router.get("/companies/{company_id}/invitations", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def invitations(request: Request, company_id: uuid.UUID, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    return await _invitations_page(request, session, user, company_id)


async def _invitations_page(request: Request, session: SessionDep, user: User, company_id: uuid.UUID,
                            values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None) -> Response:
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound(f"No company has the id {company_id}.")
    await require_role(session, user, company_id, Role.EDITOR)
    rows = await service.invitations(session, company_id=company_id)
    city_ids = {project.city_id for project, _ in rows}
    cities = dict((await session.execute(select(City.id, City.name).where(City.id.in_(city_ids)))).all()) if rows else {}
    context = {"company": company, "rows": rows, "cities": cities, "values": values or {}, "errors": errors or {}}
    return render(request, "projects/invitations.html", context, status_code=422 if errors else 200)


@router.post("/companies/{company_id}/projects/{project_id}/disclosures", response_class=HTMLResponse, openapi_extra=access.role("editors", "company"))
async def disclose(request: Request, company_id: uuid.UUID, project_id: uuid.UUID, form: CheckedForm, user: PageUser,
                   session: SessionDep) -> Response:
    """A company's own conflict-of-interest disclosure on a project it is invited to."""
    if user is None:
        return sign_in_redirect(request)
    project = await service.get_project(session, project_id)
    statement = str(form.get("statement", "")).strip()
    data, errors = parse_form(DisclosureCreate, {"company_id": str(company_id), "statement": statement})
    if data is None:
        return await _invitations_page(request, session, user, company_id, {str(project_id): statement},
                                       {str(project_id): errors.get("statement") or next(iter(errors.values()))})
    await voice.add_disclosure(session, project=project, data=data, actor=user)
    return see_other(f"/companies/{company_id}/invitations")


async def _answer(request: Request, project_id: uuid.UUID, company_id: uuid.UUID, accept: bool, user: User | None,
                  session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    project = await service.get_project(session, project_id)
    await service.respond(session, project=project, company_id=company_id, accept=accept, actor=user)
    return see_other(f"/companies/{company_id}/invitations")


@router.post("/projects/{project_id}/invitations/{company_id}/accept", openapi_extra=access.role("editors", "company"))
async def accept(request: Request, project_id: uuid.UUID, company_id: uuid.UUID, form: CheckedForm, user: PageUser,
                 session: SessionDep) -> Response:
    return await _answer(request, project_id, company_id, True, user, session)


@router.post("/projects/{project_id}/invitations/{company_id}/decline", openapi_extra=access.role("editors", "company"))
async def decline(request: Request, project_id: uuid.UUID, company_id: uuid.UUID, form: CheckedForm, user: PageUser,
                  session: SessionDep) -> Response:
    return await _answer(request, project_id, company_id, False, user, session)
