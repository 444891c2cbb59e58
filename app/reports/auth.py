"""Who may write reports, request verification and decide on it: the one place reports decide access.

Report-writing calls accept a user's token (an editor of the company) or one of the company's API
client keys; every other call of the platform keeps refusing API client keys.
"""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionDep
from app.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable
from app.identity.auth import bearer_token, require_role, role_in, share_a_member, user_for_token
from app.identity.models import Membership, Role, User
from app.identity.security import token_digest
from app.reports.models import ApiClient, EmissionsReport, Verification, VerificationRequest
from app.verifiers.models import Verifier

API_KEY_PREFIX = "cpk_"


@dataclass(frozen=True)
class Actor:
    """A person, or a company's API client, writing reports."""

    user: User | None = None
    client: ApiClient | None = None

    @property
    def id(self) -> uuid.UUID | None:
        return self.user.id if self.user else self.client.id if self.client else None

    @property
    def label(self) -> str:
        if self.client is not None:
            return f"API client {self.client.name!r}"
        return self.user.email if self.user else "the command line"


async def _take_sqlite_write_lock(session: AsyncSession) -> None:
    # SQLite has one writer. A transaction that reads first and writes later fails at once (stale
    # snapshot) when another writer committed meanwhile; taking the lock first makes it wait instead.
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("UPDATE idempotency_key SET key = key WHERE 1 = 0"))


async def report_actor(request: Request, session: SessionDep) -> Actor:
    """The caller of a report-writing call: a signed-in user or an API client key (401 otherwise)."""
    await _take_sqlite_write_lock(session)
    token = bearer_token(request)
    if token is None:
        raise Unauthorized()
    if token.startswith(API_KEY_PREFIX):
        client = await session.scalar(
            select(ApiClient).where(ApiClient.key_hash == token_digest(token), ApiClient.revoked_at.is_(None))
        )
        if client is None:
            raise Unauthorized("The API client key is invalid or was deleted.")
        return Actor(client=client)
    user = await user_for_token(session, token)
    if user is None:
        raise Unauthorized("The bearer token is invalid, expired or revoked.")
    return Actor(user=user)


ReportActor = Annotated[Actor, Depends(report_actor)]


async def authorize_company_write(session: AsyncSession, actor: Actor, company_id: uuid.UUID) -> None:
    """Company editors, or the company's own API clients."""
    if actor.client is not None:
        if actor.client.company_id != company_id:
            raise Forbidden("This API client key works for its own company's reports only.")
        return
    await require_role(session, actor.user, company_id, Role.EDITOR)


async def authorize_company_admin(session: AsyncSession, user: User | None, company_id: uuid.UUID) -> None:
    await require_role(session, user, company_id, Role.ADMIN)


async def authorize_queue(session: AsyncSession, user: User | None, verifier_id: uuid.UUID) -> None:
    """A verifier's queue is for its members."""
    await require_role(session, user, verifier_id, Role.VIEWER)


async def _verifiers_edited(session: AsyncSession, user: User) -> list[uuid.UUID]:
    stmt = select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.role.in_([Role.ADMIN, Role.EDITOR]),
        Membership.organization_id.in_(select(Verifier.id)),
    )
    return list((await session.scalars(stmt)).all())


async def _requested(session: AsyncSession, report: EmissionsReport, verifier_id: uuid.UUID) -> bool:
    stmt = select(VerificationRequest.id).where(
        VerificationRequest.report_id == report.id,
        VerificationRequest.version == report.current_version,
        VerificationRequest.verifier_id == verifier_id,
    )
    return await session.scalar(stmt.limit(1)) is not None


async def deciding_verifier(
    session: AsyncSession, user: User | None, report: EmissionsReport, verifier_id: uuid.UUID | None
) -> Verifier:
    """The verifier the caller decides for, once every rule of independent verification holds."""
    if user is None:
        raise Unauthorized()
    if verifier_id is None:
        candidates = [v for v in await _verifiers_edited(session, user) if await _requested(session, report, v)]
        if not candidates:
            raise Forbidden("You edit no verifier that was asked to verify the current version of this report.")
        if len(candidates) > 1:
            raise Unprocessable("You edit several verifiers asked for this report; name one.", loc=["body", "verifier_id"])
        verifier_id = candidates[0]
    verifier = await session.get(Verifier, verifier_id)
    if verifier is None:
        raise NotFound(f"No verifier has the id {verifier_id}.")
    role = await role_in(session, user, verifier.id)
    if role is None or not role.includes(Role.EDITOR):
        raise Forbidden(f"You do not act for verifier {verifier.name!r} (its editors do).")
    if not verifier.accredited:
        raise Forbidden(f"Verifier {verifier.name!r} is not accredited.")
    if not await _requested(session, report, verifier.id):
        raise Forbidden(f"Verifier {verifier.name!r} was not asked to verify version {report.current_version}.")
    if await share_a_member(session, verifier.id, report.company_id):
        raise Forbidden(f"Verifier {verifier.name!r} shares a member with the company: a conflict of interest.")
    decided = select(Verification.id).where(
        Verification.report_id == report.id, Verification.version == report.current_version
    )
    if await session.scalar(decided) is not None:
        raise Conflict(f"Version {report.current_version} has been decided on already; a restatement starts over.")
    return verifier
