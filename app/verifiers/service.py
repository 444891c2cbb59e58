"""Verifier organisations and their accreditation."""

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.pagination import PageParams, paginate
from app.db import utcnow
from app.errors import Forbidden, NotFound, Unprocessable
from app.identity import audit
from app.identity.models import Organization, OrgKind, User
from app.identity.service import create_organization
from app.verifiers.models import Verifier
from app.verifiers.schemas import VerifierCreate, VerifierUpdate


async def create_verifier(session: AsyncSession, *, data: VerifierCreate, actor: User) -> Verifier:
    organization = await create_organization(session, kind=OrgKind.VERIFIER, name=data.name, creator=actor)
    verifier = Verifier(id=organization.id, **data.model_dump())
    session.add(verifier)
    await session.flush()
    return verifier


async def get_verifier(session: AsyncSession, verifier_id: uuid.UUID) -> Verifier:
    verifier = await session.get(Verifier, verifier_id)
    if verifier is None:
        raise NotFound(f"No verifier has the id {verifier_id}.")
    return verifier


async def update_verifier(session: AsyncSession, *, verifier: Verifier, data: VerifierUpdate, actor: User) -> Verifier:
    changes = data.model_dump(exclude_unset=True)
    if "accredited" in changes:
        if not actor.is_platform_admin:
            raise Forbidden("Only platform administrators accredit verifiers.")
        if changes["accredited"] is None:
            raise Unprocessable("accredited is true or false.", loc=["body", "accredited"])
        verifier.accredited_at = utcnow() if changes["accredited"] else None
    if "name" in changes and changes["name"] is None:
        raise Unprocessable("name cannot be removed.", loc=["body", "name"])
    for name, value in changes.items():
        setattr(verifier, name, value)
    if "name" in changes:
        await session.execute(update(Organization).where(Organization.id == verifier.id).values(name=verifier.name))
    await session.flush()
    summary = ", ".join(f"{k} = {v}" for k, v in changes.items()) or "nothing"
    audit.record(
        session, actor_id=actor.id, organization_id=verifier.id,
        action="verifier.accreditation" if "accredited" in changes else "verifier.update",
        object_type="verifier", object_id=verifier.id, summary=f"verifier updated: {summary}",
    )
    return verifier


async def list_verifiers(
    session: AsyncSession, *, params: PageParams, accredited: bool | None = None
) -> tuple[list[Verifier], str | None]:
    stmt = select(Verifier)
    if accredited is not None:
        stmt = stmt.where(Verifier.accredited == accredited)
    return await paginate(session, stmt, params, keys=[Verifier.name, Verifier.id], key_of=lambda v: [v.name, v.id])
