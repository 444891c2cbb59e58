"""Governance and public voice: disclosures, funding concentration, support and comments."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.pagination import PageParams, paginate
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.identity.auth import require_role, role_in
from app.identity.models import Role, User
from app.projects import governance
from app.projects.models import Comment, Disclosure, Participant, ParticipantStatus, Project, Support
from app.projects.schemas import (
    CommentCreate, CommentRead, DisclosureCreate, DisclosureRead, FundingConcentration, Governance,
)
from app.projects.service import record


async def add_disclosure(session: AsyncSession, *, project: Project, data: DisclosureCreate, actor: User) -> Disclosure:
    """A public conflict-of-interest statement: by city editors, or by editors of the participating company named."""
    city_role = await role_in(session, actor, project.city_id)
    if data.company_id is not None:
        participant = await session.get(Participant, (project.id, data.company_id))
        if participant is None:
            raise Unprocessable(f"Company {data.company_id} is not a participant of the project.",
                                loc=["body", "company_id"])
        company_role = await role_in(session, actor, data.company_id)
        allowed = any(r is not None and r.includes(Role.EDITOR) for r in (city_role, company_role))
        if not allowed:
            raise Forbidden("Only the city's editors or the named company's editors disclose for it.")
    else:
        await require_role(session, actor, project.city_id, Role.EDITOR)
    disclosure = Disclosure(project_id=project.id, company_id=data.company_id, author_id=actor.id,
                            statement=data.statement)
    session.add(disclosure)
    await session.flush()
    record(session, project, actor=actor, action="project.disclosure.create",
           summary=f"conflict-of-interest disclosure added{' for a participant' if data.company_id else ''}")
    return disclosure


async def list_disclosures(session: AsyncSession, *, project_id: uuid.UUID, params: PageParams) -> tuple[list[Disclosure], str | None]:
    stmt = select(Disclosure).where(Disclosure.project_id == project_id)
    return await paginate(session, stmt, params, keys=[Disclosure.id], key_of=lambda d: [d.id])


async def support_count(session: AsyncSession, project_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).where(Support.project_id == project_id)) or 0)


async def comment_count(session: AsyncSession, project_id: uuid.UUID) -> int:
    """Visible comments only: a hidden one is not a voice the page shows."""
    stmt = select(func.count()).where(Comment.project_id == project_id, Comment.hidden_at.is_(None))
    return int(await session.scalar(stmt) or 0)


async def project_governance(session: AsyncSession, *, project: Project) -> Governance:
    rows = (await session.execute(
        select(Participant.funding_amount, Participant.currency).where(
            Participant.project_id == project.id, Participant.status == ParticipantStatus.ACCEPTED,
        )
    )).all()
    concentration = governance.funding_concentration(amount for amount, _ in rows)
    currencies = {currency for amount, currency in rows if amount}
    disclosures = list(await session.scalars(
        select(Disclosure).where(Disclosure.project_id == project.id).order_by(Disclosure.id).limit(200)
    ))
    return Governance(
        funding_concentration=FundingConcentration(
            top_funder_share_pct=concentration.top_funder_share_pct, alert=concentration.alert,
            mixed_currencies=len(currencies) > 1,
        ),
        disclosures=[DisclosureRead.model_validate(d) for d in disclosures],
        support_count=await support_count(session, project.id),
        comment_count=await comment_count(session, project.id),
    )


async def support(session: AsyncSession, *, project: Project, actor: User) -> int:
    """One support per signed-in person (a second: 409)."""
    if await session.get(Support, (project.id, actor.id)) is not None:
        raise Conflict("You support this project already.")
    session.add(Support(project_id=project.id, user_id=actor.id))
    await session.flush()
    # Residents stay anonymous in the public history; the city's admins see the actor in the audit log.
    record(session, project, actor=actor, action="project.support", summary="a resident supported the project")
    return await support_count(session, project.id)


async def supports(session: AsyncSession, *, project_id: uuid.UUID, user: User | None) -> bool:
    return user is not None and await session.get(Support, (project_id, user.id)) is not None


async def add_comment(session: AsyncSession, *, project: Project, data: CommentCreate, actor: User) -> Comment:
    comment = Comment(project_id=project.id, author_id=actor.id, body=data.body)
    session.add(comment)
    await session.flush()
    record(session, project, actor=actor, action="project.comment.create", summary="a resident commented")
    return comment


async def hide_comment(
    session: AsyncSession, *, project: Project, comment_id: uuid.UUID, reason: str, actor: User
) -> Comment:
    """City admins hide an abusive comment: kept, marked hidden, in the audit log."""
    await require_role(session, actor, project.city_id, Role.ADMIN)
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.project_id != project.id:
        raise NotFound(f"Project {project.id} has no comment {comment_id}.")
    if comment.hidden_at is not None:
        raise Conflict("The comment is hidden already.")
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = utcnow(), actor.id, reason
    await session.flush()
    record(session, project, actor=actor, action="project.comment.hide", summary=f"a comment was hidden: {reason}",
           changes={"comment_id": str(comment.id)})
    return comment


async def list_comments(session: AsyncSession, *, project_id: uuid.UUID, params: PageParams) -> tuple[list[CommentRead], str | None]:
    """Oldest first; a hidden comment keeps its place but not its text."""
    stmt = select(Comment, User.display_name).join(User, User.id == Comment.author_id).where(
        Comment.project_id == project_id
    )
    rows, cursor = await paginate(session, stmt, params, keys=[Comment.id], key_of=lambda r: [r[0].id], scalars=False)
    return [
        CommentRead(
            id=c.id, project_id=c.project_id, author_name=name if c.hidden_at is None else "",
            body=c.body if c.hidden_at is None else None, hidden=c.hidden_at is not None, created_at=c.created_at,
        )
        for c, name in rows
    ], cursor
