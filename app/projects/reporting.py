"""Outcomes of projects and their independent verification.

Overlapping periods within one project are refused with 409 (Conflict): the period is valid on its
own, but it clashes with an outcome stored already. A rejected outcome does not hold its period,
so that the city can report a corrected figure for it.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.pagination import PageParams, paginate
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.identity.auth import require_role, share_a_member
from app.identity.models import Membership, Organization, OrgKind, Role, User
from app.networks import rollup as network_rollup
from app.projects import outcomes as rules
from app.projects.models import (
    Outcome, OutcomeAttribution, OutcomeVerification, Participant, ParticipantStatus, Project, ProjectStatus,
    VerificationOutcome,
)
from app.projects.schemas import AttributionRead, OutcomeCreate, OutcomeRead, VerificationCreate, VerificationRead
from app.projects.service import record, require_city_editor
from app.verifiers.models import Verifier

REPORTABLE = (ProjectStatus.ACTIVE, ProjectStatus.COMPLETED)


async def add_outcome(session: AsyncSession, *, project: Project, data: OutcomeCreate, actor: User) -> Outcome:
    """Record a measured reduction (city editors); its shares go to companies that accepted a place."""
    await require_city_editor(session, actor, project)
    if project.status not in REPORTABLE:
        raise Conflict(f"The project is {project.status.value}; outcomes are reported once it is active.")
    shares = [rules.Attribution(a.company_id, a.share_pct) for a in data.attributions]
    problem = rules.attribution_problem(shares)
    if problem:
        raise Unprocessable(problem, loc=["body", "attributions"])
    accepted = set(await session.scalars(select(Participant.company_id).where(
        Participant.project_id == project.id, Participant.status == ParticipantStatus.ACCEPTED
    )))
    strangers = [str(a.company_id) for a in shares if a.company_id not in accepted]
    if strangers:
        raise Unprocessable(
            f"Only companies that accepted a place in the project can be attributed a share: {', '.join(strangers)}.",
            loc=["body", "attributions"],
        )
    # Reports of one project queue behind each other (PostgreSQL; SQLite writes one at a time anyway),
    # so that two overlapping periods sent at once cannot both pass the check.
    await session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    await _refuse_overlap(session, project, data)
    outcome = Outcome(
        project_id=project.id, period_start=data.period_start, period_end=data.period_end,
        reduction_tco2e=data.reduction_tco2e, method=data.method,
        attributions=[{"company_id": str(a.company_id), "share_pct": a.share_pct} for a in shares],
    )
    session.add(outcome)
    await session.flush()
    session.add_all(OutcomeAttribution(outcome_id=outcome.id, company_id=a.company_id, share_pct=a.share_pct) for a in shares)
    await session.flush()
    record(session, project, actor=actor, action="project.outcome.create",
           summary=f"outcome {data.period_start.isoformat()}–{data.period_end.isoformat()}: "
           f"{data.reduction_tco2e:,.1f} tCO2e reported")
    return outcome


async def _refuse_overlap(session: AsyncSession, project: Project, data: OutcomeCreate) -> None:
    rejected = select(OutcomeVerification.outcome_id).where(OutcomeVerification.outcome == VerificationOutcome.REJECTED)
    stmt = select(Outcome).where(
        Outcome.project_id == project.id, Outcome.period_start <= data.period_end,
        Outcome.period_end >= data.period_start, Outcome.id.not_in(rejected),
    ).limit(1)
    clash = await session.scalar(stmt)
    if clash is not None:
        raise Conflict(
            f"The period overlaps the outcome for {clash.period_start.isoformat()}–{clash.period_end.isoformat()}: "
            "the same reduction cannot be counted twice.",
            outcome_id=str(clash.id),
        )


async def get_outcome(session: AsyncSession, project: Project, outcome_id: uuid.UUID) -> Outcome:
    outcome = await session.get(Outcome, outcome_id)
    if outcome is None or outcome.project_id != project.id:
        raise NotFound(f"Project {project.id} has no outcome {outcome_id}.")
    return outcome


async def _acting_verifier(session: AsyncSession, actor: User, verifier_id: uuid.UUID | None) -> Verifier:
    """The verifier the caller acts for: the one named, or the only one it edits."""
    if verifier_id is None:
        stmt = (
            select(Membership.organization_id)
            .join(Organization, Organization.id == Membership.organization_id)
            .where(Membership.user_id == actor.id, Organization.kind == OrgKind.VERIFIER,
                   Membership.role.in_([Role.EDITOR, Role.ADMIN]))
            .limit(2)
        )
        edited = list(await session.scalars(stmt))
        if len(edited) != 1:
            raise (Forbidden("You edit no verifier organisation.") if not edited else
                   Unprocessable("You edit several verifiers: name the one you act for.", loc=["body", "verifier_id"]))
        verifier_id = edited[0]
    verifier = await session.get(Verifier, verifier_id)
    if verifier is None:
        raise Unprocessable(f"No verifier has the id {verifier_id}.", loc=["body", "verifier_id"])
    await require_role(session, actor, verifier.id, Role.EDITOR)
    if not verifier.accredited:
        raise Forbidden(f"{verifier.name} is not accredited.")
    return verifier


async def verify_outcome(
    session: AsyncSession, *, project: Project, outcome: Outcome, data: VerificationCreate, actor: User
) -> VerificationRead:
    """One decision per outcome, by an accredited verifier sharing no member with the city or the firms credited."""
    verifier = await _acting_verifier(session, actor, data.verifier_id)
    parties = [project.city_id] + [uuid.UUID(a["company_id"]) for a in outcome.attributions]
    for party in parties:
        if await share_a_member(session, verifier.id, party):
            raise Forbidden(f"{verifier.name} shares a member with a party to this outcome: a conflict of interest.")
    if await session.get(OutcomeVerification, outcome.id) is not None:
        raise Conflict("The outcome has been decided already; one decision per outcome.")
    verification = OutcomeVerification(
        outcome_id=outcome.id, verifier_id=verifier.id, verified_by=actor.id, outcome=data.outcome,
        assurance_level=data.assurance_level, standard=data.standard, statement=data.statement,
    )
    session.add(verification)
    await session.flush()
    record(session, project, actor=actor, action=f"project.outcome.{data.outcome.value}",
           summary=f"outcome {outcome.period_start.isoformat()}–{outcome.period_end.isoformat()} "
           f"{data.outcome.value} by {verifier.name} ({data.assurance_level.value} assurance)")
    if data.outcome == VerificationOutcome.VERIFIED:
        await network_rollup.projects_changed(session, project.city_id)
    return verification_read(verification, verifier.name)


def verification_read(row: OutcomeVerification, verifier_name: str) -> VerificationRead:
    return VerificationRead(
        outcome_id=row.outcome_id, verifier_id=row.verifier_id, verifier_name=verifier_name, outcome=row.outcome,
        assurance_level=row.assurance_level, standard=row.standard, statement=row.statement, created_at=row.created_at,
    )


async def outcome_reads(session: AsyncSession, outcomes: list[Outcome]) -> list[OutcomeRead]:
    ids = [o.id for o in outcomes]
    decisions: dict[uuid.UUID, VerificationRead] = {}
    if ids:
        stmt = (
            select(OutcomeVerification, Verifier.name)
            .join(Verifier, Verifier.id == OutcomeVerification.verifier_id)
            .where(OutcomeVerification.outcome_id.in_(ids))
        )
        decisions = {row.outcome_id: verification_read(row, name) for row, name in await session.execute(stmt)}
    return [
        OutcomeRead(
            id=o.id, project_id=o.project_id, period_start=o.period_start, period_end=o.period_end,
            reduction_tco2e=o.reduction_tco2e, method=o.method, created_at=o.created_at,
            attributions=[
                AttributionRead(company_id=a["company_id"], share_pct=a["share_pct"],
                                attributed_reduction_tco2e=rules.attributed_tco2e(o.reduction_tco2e, a["share_pct"]))
                for a in o.attributions
            ],
            verification=decisions.get(o.id),
        )
        for o in outcomes
    ]


async def list_outcomes(session: AsyncSession, *, project_id: uuid.UUID, params: PageParams) -> tuple[list[OutcomeRead], str | None]:
    stmt = select(Outcome).where(Outcome.project_id == project_id)
    rows, cursor = await paginate(session, stmt, params, keys=[Outcome.id], key_of=lambda o: [o.id])
    return await outcome_reads(session, rows), cursor
