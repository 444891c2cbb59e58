"""The joint projects API (see "Joint mitigation projects" in the API description)."""

import uuid

from fastapi import APIRouter, Request, Response, status

from app.common import access
from app.common.etag import check_if_match, set_etag
from app.common.reads import ReaderDep, keyed_reads, model_response
from app.common.pagination import Page, PageDep
from app.db import SessionDep
from app.identity.auth import CurrentUser
from app.projects import reporting, service, voice
from app.projects.models import ProjectStatus
from app.projects.schemas import (
    CommentCreate, CommentHide, CommentRead, DisclosureCreate, DisclosureRead, Governance, HistoryEntry,
    MilestoneCreate, MilestoneRead, MilestoneUpdate, OutcomeCreate, OutcomeRead, ParticipantCreate, ParticipantRead,
    ProjectCreate, ProjectRead, ProjectUpdate, SupportRead, VerificationCreate, VerificationRead,
)

router = APIRouter(prefix="/projects", tags=["projects"])
reads = keyed_reads("/projects", "projects")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProjectRead, openapi_extra=access.role("editors", "city"))
async def create_project(body: ProjectCreate, response: Response, user: CurrentUser, session: SessionDep) -> ProjectRead:
    """Propose a project linked to actions of the city's plan (the city's editors)."""
    project = await service.create_project(session, data=body, actor=user)
    set_etag(response, project.version)
    return await service.project_read(session, project)


@router.get("", response_model=Page[ProjectRead], openapi_extra=access.PUBLIC)
async def list_projects(
    session: SessionDep, page: PageDep, city_id: uuid.UUID | None = None, company_id: uuid.UUID | None = None,
    status: ProjectStatus | None = None,
) -> Page[ProjectRead]:
    """Projects, newest first; `company_id` keeps those the company is invited to or takes part in."""
    projects, cursor = await service.list_projects(
        session, params=page, city_id=city_id, company_id=company_id, status=status
    )
    return Page(items=await service.project_reads(session, projects), next_cursor=cursor)


@reads.get("/{project_id}", response_model=ProjectRead, openapi_extra=access.PUBLIC)
async def get_project(project_id: uuid.UUID, reader: ReaderDep) -> Response:
    """A project with its participants."""
    project, version = await service.read_project(reader, project_id)
    return model_response(project, version=version)


@router.patch("/{project_id}", response_model=ProjectRead, openapi_extra=access.role("editors", "city"))
async def update_project(
    project_id: uuid.UUID, body: ProjectUpdate, request: Request, response: Response, user: CurrentUser,
    session: SessionDep,
) -> ProjectRead:
    """Change a project or move its status (the city's editors); `If-Match` guards against stale edits."""
    project = await service.get_project(session, project_id)
    await service.require_city_editor(session, user, project)
    check_if_match(request, project.version)
    project = await service.update_project(session, project=project, data=body, actor=user)
    set_etag(response, project.version)
    return await service.project_read(session, project)


@router.get("/{project_id}/history", response_model=Page[HistoryEntry], openapi_extra=access.PUBLIC)
async def project_history(project_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[HistoryEntry]:
    """The project's public change history, newest first."""
    project = await service.get_project(session, project_id)
    events, cursor = await service.history(session, project=project, params=page)
    return Page(items=[HistoryEntry.model_validate(e) for e in events], next_cursor=cursor)


@router.post("/{project_id}/participants", status_code=status.HTTP_201_CREATED, response_model=ParticipantRead, openapi_extra=access.role("editors", "city"))
async def invite(project_id: uuid.UUID, body: ParticipantCreate, user: CurrentUser, session: SessionDep) -> ParticipantRead:
    """Invite a company (the city's editors); one that is not co-located is marked `local: false`."""
    project = await service.get_project(session, project_id)
    return await service.invite(session, project=project, data=body, actor=user)


@router.post("/{project_id}/participants/{company_id}/accept", response_model=ParticipantRead, openapi_extra=access.role("editors", "invited company"))
async def accept(project_id: uuid.UUID, company_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ParticipantRead:
    """Accept the invitation (the company's editors)."""
    project = await service.get_project(session, project_id)
    return await service.respond(session, project=project, company_id=company_id, accept=True, actor=user)


@router.post("/{project_id}/participants/{company_id}/decline", response_model=ParticipantRead, openapi_extra=access.role("editors", "invited company"))
async def decline(project_id: uuid.UUID, company_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> ParticipantRead:
    """Decline the invitation (the company's editors)."""
    project = await service.get_project(session, project_id)
    return await service.respond(session, project=project, company_id=company_id, accept=False, actor=user)


@router.post("/{project_id}/milestones", status_code=status.HTTP_201_CREATED, response_model=MilestoneRead, openapi_extra=access.role("editors", "city"))
async def add_milestone(project_id: uuid.UUID, body: MilestoneCreate, user: CurrentUser, session: SessionDep) -> MilestoneRead:
    """Add a milestone with its due date (the city's editors)."""
    project = await service.get_project(session, project_id)
    return MilestoneRead.model_validate(await service.add_milestone(session, project=project, data=body, actor=user))


@router.get("/{project_id}/milestones", response_model=Page[MilestoneRead], openapi_extra=access.PUBLIC)
async def list_milestones(project_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[MilestoneRead]:
    """The project's milestones, in the order they were set."""
    await service.get_project(session, project_id)
    rows, cursor = await service.list_milestones(session, project_id=project_id, params=page)
    return Page(items=[MilestoneRead.model_validate(m) for m in rows], next_cursor=cursor)


@router.patch("/{project_id}/milestones/{milestone_id}", response_model=MilestoneRead, openapi_extra=access.role("editors", "city"))
async def update_milestone(
    project_id: uuid.UUID, milestone_id: uuid.UUID, body: MilestoneUpdate, user: CurrentUser, session: SessionDep
) -> MilestoneRead:
    """Change a milestone, e.g. record its done date (the city's editors)."""
    project = await service.get_project(session, project_id)
    milestone = await service.update_milestone(session, project=project, milestone_id=milestone_id, data=body, actor=user)
    return MilestoneRead.model_validate(milestone)


@router.post("/{project_id}/outcomes", status_code=status.HTTP_201_CREATED, response_model=OutcomeRead, openapi_extra=access.role("editors", "city"))
async def add_outcome(project_id: uuid.UUID, body: OutcomeCreate, user: CurrentUser, session: SessionDep) -> OutcomeRead:
    """Report a measured reduction (the city's editors); shares over 100 % are 422, an overlapping period 409."""
    project = await service.get_project(session, project_id)
    outcome = await reporting.add_outcome(session, project=project, data=body, actor=user)
    return (await reporting.outcome_reads(session, [outcome]))[0]


@router.get("/{project_id}/outcomes", response_model=Page[OutcomeRead], openapi_extra=access.PUBLIC)
async def list_outcomes(project_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[OutcomeRead]:
    """The project's outcomes, each with its verification."""
    await service.get_project(session, project_id)
    items, cursor = await reporting.list_outcomes(session, project_id=project_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.post(
    "/{project_id}/outcomes/{outcome_id}/verification", status_code=status.HTTP_201_CREATED,
    response_model=VerificationRead,
    openapi_extra=access.rule("editors of an accredited verifier without a conflict of interest"),
)
async def verify_outcome(
    project_id: uuid.UUID, outcome_id: uuid.UUID, body: VerificationCreate, user: CurrentUser, session: SessionDep
) -> VerificationRead:
    """Verify or reject an outcome: an accredited verifier without a conflict of interest, once."""
    project = await service.get_project(session, project_id)
    outcome = await reporting.get_outcome(session, project, outcome_id)
    return await reporting.verify_outcome(session, project=project, outcome=outcome, data=body, actor=user)


@router.post("/{project_id}/disclosures", status_code=status.HTTP_201_CREATED, response_model=DisclosureRead, openapi_extra=access.rule("editors of the city, or of the participating company named"))
async def add_disclosure(project_id: uuid.UUID, body: DisclosureCreate, user: CurrentUser, session: SessionDep) -> DisclosureRead:
    """Disclose a conflict of interest, publicly."""
    project = await service.get_project(session, project_id)
    return DisclosureRead.model_validate(await voice.add_disclosure(session, project=project, data=body, actor=user))


@router.get("/{project_id}/disclosures", response_model=Page[DisclosureRead], openapi_extra=access.PUBLIC)
async def list_disclosures(project_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[DisclosureRead]:
    """The project's conflict-of-interest disclosures."""
    await service.get_project(session, project_id)
    rows, cursor = await voice.list_disclosures(session, project_id=project_id, params=page)
    return Page(items=[DisclosureRead.model_validate(d) for d in rows], next_cursor=cursor)


@router.get("/{project_id}/governance", response_model=Governance, openapi_extra=access.PUBLIC)
async def project_governance(project_id: uuid.UUID, session: SessionDep) -> Governance:
    """Funding concentration, disclosures, support and comments."""
    project = await service.get_project(session, project_id)
    return await voice.project_governance(session, project=project)


@router.post("/{project_id}/support", status_code=status.HTTP_201_CREATED, response_model=SupportRead, openapi_extra=access.SIGNED_IN)
async def support(project_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> SupportRead:
    """Support the project, once per signed-in person."""
    project = await service.get_project(session, project_id)
    count = await voice.support(session, project=project, actor=user)
    return SupportRead(project_id=project.id, support_count=count)


@router.post("/{project_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentRead, openapi_extra=access.SIGNED_IN)
async def add_comment(project_id: uuid.UUID, body: CommentCreate, user: CurrentUser, session: SessionDep) -> CommentRead:
    """Comment on the project (signed-in people)."""
    project = await service.get_project(session, project_id)
    comment = await voice.add_comment(session, project=project, data=body, actor=user)
    return CommentRead(id=comment.id, project_id=project.id, author_name=user.display_name, body=comment.body,
                       hidden=False, created_at=comment.created_at)


@router.get("/{project_id}/comments", response_model=Page[CommentRead], openapi_extra=access.PUBLIC)
async def list_comments(project_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[CommentRead]:
    """The comments, oldest first; hidden ones show as hidden, without their text."""
    await service.get_project(session, project_id)
    items, cursor = await voice.list_comments(session, project_id=project_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.post("/{project_id}/comments/{comment_id}/hide", response_model=CommentRead, openapi_extra=access.role("admins", "city"))
async def hide_comment(
    project_id: uuid.UUID, comment_id: uuid.UUID, body: CommentHide, user: CurrentUser, session: SessionDep
) -> CommentRead:
    """Hide an abusive comment (the city's admins): it is kept, marked hidden and audited."""
    project = await service.get_project(session, project_id)
    comment = await voice.hide_comment(session, project=project, comment_id=comment_id, reason=body.reason, actor=user)
    return CommentRead(id=comment.id, project_id=project.id, author_name="", body=None, hidden=True,
                       created_at=comment.created_at)
