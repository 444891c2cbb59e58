"""Projects, their participants and milestones, their public history; figures for other features."""

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app.badges.service import reconcile_badges, reconcile_participants
from app.cities.models import City, CityPlan, PlanAction, PlanStatus
from app.common.pagination import PageParams, paginate
from app.common.reads import Reader
from app.companies.models import Company, FacilityCity
from app.db import utcnow
from app.errors import Conflict, NotFound, PreconditionFailed, Unprocessable
from app.identity import audit
from app.identity.auth import require_role
from app.identity.models import AuditEvent, Role, User
from app.networks import rollup as network_rollup
from app.projects import lifecycle
from app.projects.models import (
    Milestone, Outcome, OutcomeAttribution, OutcomeVerification, Participant, ParticipantStatus, Project,
    ProjectStatus, VerificationOutcome,
)
from app.projects.schemas import (
    MilestoneCreate, MilestoneUpdate, ParticipantCreate, ParticipantRead, ProjectCreate, ProjectRead, ProjectUpdate,
)
from app.projects.outcomes import attributed_tco2e
from app.reports.flags import Attribution


def record(session: AsyncSession, project: Project, *, actor: User | None, action: str, summary: str,
           changes: dict[str, Any] | None = None) -> None:
    """Every project event is filed under the project, in the city's log: the page's public history."""
    audit.record(
        session, actor_id=actor.id if actor else None, organization_id=project.city_id, action=action,
        object_type="project", object_id=project.id, summary=summary, changes=changes,
    )


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> Project:
    project = await session.get(Project, project_id)
    if project is None:
        raise NotFound(f"No project has the id {project_id}.")
    return project


async def require_city_editor(session: AsyncSession, user: User | None, project: Project) -> None:
    await require_role(session, user, project.city_id, Role.EDITOR)


async def _check_actions(session: AsyncSession, city_id: uuid.UUID, action_ids: list[uuid.UUID]) -> list[str]:
    wanted = list(dict.fromkeys(action_ids))
    if wanted:
        found = set(await session.scalars(
            select(PlanAction.id).where(PlanAction.city_id == city_id, PlanAction.id.in_(wanted))
        ))
        missing = [str(a) for a in wanted if a not in found]
        if missing:
            raise Unprocessable(
                f"Not actions of the city's plan: {', '.join(missing)}.", loc=["body", "action_ids"]
            )
    return [str(a) for a in wanted]


async def create_project(session: AsyncSession, *, data: ProjectCreate, actor: User) -> Project:
    city = await session.get(City, data.city_id)
    if city is None:
        raise Unprocessable(f"No city has the id {data.city_id}.", loc=["body", "city_id"])
    await require_role(session, actor, city.id, Role.EDITOR)
    values = data.model_dump(exclude={"action_ids"})
    project = Project(**values, action_ids=await _check_actions(session, city.id, data.action_ids),
                      status=ProjectStatus.PROPOSED)
    session.add(project)
    await session.flush()
    record(session, project, actor=actor, action="project.create", summary=f"project {data.title!r} proposed")
    await network_rollup.projects_changed(session, project.city_id)
    return project


async def update_project(session: AsyncSession, *, project: Project, data: ProjectUpdate, actor: User) -> Project:
    """Change fields and/or move the status through the transition table.

    Asking for the status the project has already is no move: it changes nothing and is not refused.
    """
    await require_city_editor(session, actor, project)
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "expected_reduction_tco2e", "action_ids", "status", "description"):
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be removed.", loc=["body", name])
    if "action_ids" in changes:
        changes["action_ids"] = await _check_actions(session, project.city_id, data.action_ids or [])
    start = changes.get("start_date", project.start_date)
    end = changes.get("end_date", project.end_date)
    if start is not None and end is not None and end < start:
        raise Unprocessable("end_date is before start_date.", loc=["body", "end_date"])
    status = changes.pop("status", None)
    if status is not None and status != project.status:
        lifecycle.check_transition(project.status, status)
    before = {name: _plain(getattr(project, name)) for name in changes}
    for name, value in changes.items():
        setattr(project, name, value)
    moved = status is not None and status != project.status
    previous = project.status
    if moved:
        project.status = status
    try:
        await session.flush()
    except StaleDataError as exc:
        # Another edit landed between our read and our write: the same answer as a stale If-Match.
        raise PreconditionFailed("The project changed while you edited it; reload it and apply your edit again.") from exc
    if moved:
        record(session, project, actor=actor, action="project.status",
               summary=f"status {previous.value} → {project.status.value}")
    edited = [n for n in changes if before[n] != _plain(changes[n])]
    if edited:
        record(session, project, actor=actor, action="project.update",
               summary=f"project updated: {', '.join(sorted(edited))}",
               changes={n: [before[n], _plain(changes[n])] for n in edited})
    await reconcile_participants(
        session, project_id=project.id, reason=f"Project {project.title!r} is {project.status.value}."
    )
    if moved:
        await network_rollup.projects_changed(session, project.city_id)
    return project


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


async def list_projects(
    session: AsyncSession, *, params: PageParams, city_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None, status: ProjectStatus | None = None,
) -> tuple[list[Project], str | None]:
    stmt = select(Project)
    if city_id is not None:
        stmt = stmt.where(Project.city_id == city_id)
    if company_id is not None:
        stmt = stmt.where(exists().where(Participant.project_id == Project.id, Participant.company_id == company_id))
    if status is not None:
        stmt = stmt.where(Project.status == status)
    return await paginate(session, stmt, params, keys=[Project.id], key_of=lambda p: [p.id], descending=True)


# Reads -----------------------------------------------------------------------------------------

async def participant_reads(session: AsyncSession, projects: list[Project]) -> dict[uuid.UUID, list[ParticipantRead]]:
    """The participants of several projects in one query, each with whether it is local to the city."""
    if not projects:
        return {}
    local = exists().where(FacilityCity.city_id == Project.city_id, FacilityCity.company_id == Participant.company_id)
    stmt = (
        select(Participant, Company.name, local)
        .join(Company, Company.id == Participant.company_id)
        .join(Project, Project.id == Participant.project_id)
        .where(Participant.project_id.in_([p.id for p in projects]))
        .order_by(Participant.created_at, Company.name)
    )
    found: dict[uuid.UUID, list[ParticipantRead]] = defaultdict(list)
    for participant, name, is_local in await session.execute(stmt):
        found[participant.project_id].append(_participant_read(participant, name, bool(is_local)))
    return found


def _participant_read(participant: Participant, company_name: str, local: bool) -> ParticipantRead:
    return ParticipantRead(
        project_id=participant.project_id, company_id=participant.company_id, company_name=company_name,
        role=participant.role, status=participant.status, funding_amount=participant.funding_amount,
        currency=participant.currency, pledged_reduction_tco2e=participant.pledged_reduction_tco2e, local=local,
        created_at=participant.created_at, responded_at=participant.responded_at,
    )


async def project_reads(session: AsyncSession, projects: list[Project]) -> list[ProjectRead]:
    participants = await participant_reads(session, projects)
    city_ids = {p.city_id for p in projects}
    names = dict((await session.execute(select(City.id, City.name).where(City.id.in_(city_ids)))).all()) if city_ids else {}
    return [
        ProjectRead(
            id=p.id, city_id=p.city_id, city_name=names.get(p.city_id, ""), title=p.title, description=p.description,
            action_ids=[uuid.UUID(a) for a in p.action_ids], expected_reduction_tco2e=p.expected_reduction_tco2e,
            start_date=p.start_date, end_date=p.end_date, status=p.status,
            allowed_transitions=lifecycle.allowed_moves(p.status), participants=participants.get(p.id, []),
            created_at=p.created_at, updated_at=p.updated_at,
        )
        for p in projects
    ]


async def project_read(session: AsyncSession, project: Project) -> ProjectRead:
    return (await project_reads(session, [project]))[0]


# The project with its participants, one row each (or one row without any): one round trip.
_PARTICIPANT_COLUMNS = {
    "company_id": Participant.company_id, "company_name": Company.name, "role": Participant.role,
    "status": Participant.status, "funding_amount": Participant.funding_amount, "currency": Participant.currency,
    "pledged_reduction_tco2e": Participant.pledged_reduction_tco2e,
    "local": exists().where(FacilityCity.city_id == Project.city_id, FacilityCity.company_id == Participant.company_id),
    "created_at": Participant.created_at, "responded_at": Participant.responded_at,
}
_PROJECT_BY_ID = (
    select(
        Project.id, Project.city_id, City.name.label("city_name"), Project.title, Project.description, Project.action_ids,
        Project.expected_reduction_tco2e, Project.start_date, Project.end_date, Project.status, Project.created_at,
        Project.updated_at, Project.version,
        *(column.label(f"participant_{name}") for name, column in _PARTICIPANT_COLUMNS.items()),
    )
    .join(City, City.id == Project.city_id)
    .outerjoin(Participant, Participant.project_id == Project.id)
    .outerjoin(Company, Company.id == Participant.company_id)
    .where(Project.id == bindparam("project_id"))
    .order_by(Participant.created_at, Company.name)
)


async def read_project(reader: Reader, project_id: uuid.UUID) -> tuple[ProjectRead, int]:
    """The project as the public reads it, with its participants, and its version: one query."""
    rows = await reader.all(_PROJECT_BY_ID, project_id=project_id)
    if not rows:
        raise NotFound(f"No project has the id {project_id}.")
    row = rows[0]
    participants = [
        ParticipantRead.model_validate({"project_id": project_id} | {name: p[f"participant_{name}"] for name in _PARTICIPANT_COLUMNS})
        for p in rows if p["participant_company_id"] is not None
    ]
    read = ProjectRead.model_validate({
        **row, "allowed_transitions": lifecycle.allowed_moves(ProjectStatus(row["status"])), "participants": participants,
    })
    return read, row["version"]


async def project_actions(session: AsyncSession, project: Project, *, with_draft_plan: bool) -> list[PlanAction]:
    """The plan actions the project serves; those of a draft plan only for whom may see the draft."""
    ids = [uuid.UUID(a) for a in project.action_ids]
    if not ids:
        return []
    stmt = select(PlanAction).where(PlanAction.id.in_(ids)).order_by(PlanAction.title)
    if not with_draft_plan:
        stmt = stmt.join(CityPlan, CityPlan.city_id == PlanAction.city_id).where(CityPlan.status == PlanStatus.PUBLISHED)
    return list(await session.scalars(stmt))


# Participants ----------------------------------------------------------------------------------

async def invite(session: AsyncSession, *, project: Project, data: ParticipantCreate, actor: User) -> ParticipantRead:
    """Invite a company (local or not) on the city's behalf."""
    await require_city_editor(session, actor, project)
    if lifecycle.is_terminal(project.status):
        raise Conflict(f"The project is {project.status.value}; it takes no new participants.")
    company = await session.get(Company, data.company_id)
    if company is None:
        raise Unprocessable(f"No company has the id {data.company_id}.", loc=["body", "company_id"])
    if await session.get(Participant, (project.id, company.id)) is not None:
        raise Conflict(f"{company.name} has been invited to this project already.")
    participant = Participant(project_id=project.id, status=ParticipantStatus.INVITED, **data.model_dump())
    session.add(participant)
    await session.flush()
    local = await is_local(session, project.city_id, company.id)
    record(session, project, actor=actor, action="project.participant.invite",
           summary=f"{company.name} invited as {data.role.value}{'' if local else ' (not local)'}")
    return _participant_read(participant, company.name, local)


async def is_local(session: AsyncSession, city_id: uuid.UUID, company_id: uuid.UUID) -> bool:
    stmt = select(exists().where(FacilityCity.city_id == city_id, FacilityCity.company_id == company_id))
    return bool(await session.scalar(stmt))


async def respond(
    session: AsyncSession, *, project: Project, company_id: uuid.UUID, accept: bool, actor: User
) -> ParticipantRead:
    """The invited company's answer; only its editors give it, and only once."""
    participant = await session.get(Participant, (project.id, company_id))
    if participant is None:
        raise NotFound(f"Company {company_id} is not invited to project {project.id}.")
    await require_role(session, actor, company_id, Role.EDITOR)
    if participant.status != ParticipantStatus.INVITED:
        raise Conflict(f"The invitation was {participant.status.value} already.")
    if lifecycle.is_terminal(project.status):
        raise Conflict(f"The project is {project.status.value}; its invitations are closed.")
    participant.status = ParticipantStatus.ACCEPTED if accept else ParticipantStatus.DECLINED
    participant.responded_at = utcnow()
    await session.flush()
    company = await session.get(Company, company_id)
    name = company.name if company else str(company_id)
    record(session, project, actor=actor, action=f"project.participant.{'accept' if accept else 'decline'}",
           summary=f"{name} {participant.status.value} the invitation")
    await reconcile_badges(
        session, company_id=company_id, reason=f"{name} {participant.status.value} a place in {project.title!r}."
    )
    if accept:
        await network_rollup.projects_changed(session, project.city_id)
    return _participant_read(participant, name, await is_local(session, project.city_id, company_id))


async def invitations(session: AsyncSession, *, company_id: uuid.UUID) -> list[tuple[Project, ParticipantRead]]:
    """The company's places in projects, open invitations first."""
    local = exists().where(FacilityCity.city_id == Project.city_id, FacilityCity.company_id == Participant.company_id)
    stmt = (
        select(Project, Participant, Company.name, local)
        .join(Participant, Participant.project_id == Project.id)
        .join(Company, Company.id == Participant.company_id)
        .where(Participant.company_id == company_id)
        .order_by(Participant.status != ParticipantStatus.INVITED, Participant.created_at.desc())
        .limit(200)
    )
    rows = await session.execute(stmt)
    return [(project, _participant_read(p, name, bool(is_local))) for project, p, name, is_local in rows.all()]


# Milestones ------------------------------------------------------------------------------------

async def add_milestone(session: AsyncSession, *, project: Project, data: MilestoneCreate, actor: User) -> Milestone:
    await require_city_editor(session, actor, project)
    milestone = Milestone(project_id=project.id, **data.model_dump())
    session.add(milestone)
    await session.flush()
    record(session, project, actor=actor, action="project.milestone.create",
           summary=f"milestone {data.title!r} due {data.due_date.isoformat()}")
    return milestone


async def update_milestone(
    session: AsyncSession, *, project: Project, milestone_id: uuid.UUID, data: MilestoneUpdate, actor: User
) -> Milestone:
    await require_city_editor(session, actor, project)
    milestone = await session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != project.id:
        raise NotFound(f"Project {project.id} has no milestone {milestone_id}.")
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "due_date"):
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be removed.", loc=["body", name])
    for name, value in changes.items():
        setattr(milestone, name, value)
    await session.flush()
    done = f", done {milestone.done_date.isoformat()}" if "done_date" in changes and milestone.done_date else ""
    record(session, project, actor=actor, action="project.milestone.update",
           summary=f"milestone {milestone.title!r} updated{done}")
    return milestone


async def list_milestones(session: AsyncSession, *, project_id: uuid.UUID, params: PageParams) -> tuple[list[Milestone], str | None]:
    stmt = select(Milestone).where(Milestone.project_id == project_id)
    # Keyed by id (creation order): a cursor carries JSON values, and dates are not among them.
    return await paginate(session, stmt, params, keys=[Milestone.id], key_of=lambda m: [m.id])


# History and figures for other features --------------------------------------------------------

async def history(session: AsyncSession, *, project: Project, params: PageParams) -> tuple[list[AuditEvent], str | None]:
    """The project's public change history, newest first (what changed, not who among residents)."""
    stmt = select(AuditEvent).where(
        AuditEvent.organization_id == project.city_id, AuditEvent.object_type == "project",
        AuditEvent.object_id == str(project.id),
    )
    return await paginate(session, stmt, params, keys=[AuditEvent.id], key_of=lambda e: [e.id], descending=True)


def verified_clause() -> Any:
    return exists().where(
        OutcomeVerification.outcome_id == Outcome.id, OutcomeVerification.outcome == VerificationOutcome.VERIFIED
    )


async def verified_attributions(session: AsyncSession, *, company_id: uuid.UUID) -> list[Attribution]:
    """Each verified outcome attributed to the company, with the tonnes its share stands for."""
    stmt = (
        select(Outcome, OutcomeAttribution.share_pct)
        .join(OutcomeAttribution, OutcomeAttribution.outcome_id == Outcome.id)
        .where(OutcomeAttribution.company_id == company_id, verified_clause())
        .order_by(Outcome.period_start, Outcome.id)
    )
    return [
        Attribution(
            project_id=str(o.project_id), outcome_id=str(o.id), period_start=o.period_start, period_end=o.period_end,
            reduction_tco2e=attributed_tco2e(o.reduction_tco2e, share),
        )
        for o, share in await session.execute(stmt)
    ]
