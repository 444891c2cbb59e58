"""Accounts, tokens, organisations and memberships."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.pagination import PageParams, paginate
from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.identity import audit
from app.identity.models import AccessToken, AuditEvent, Membership, Organization, OrgKind, Role, User
from app.identity.schemas import MemberRead, MembershipRead
from app.identity.security import hash_password, new_token, token_digest, verify_password


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.lower()))


async def register_user(session: AsyncSession, *, email: str, password: str, display_name: str) -> User:
    email = email.lower()
    if await get_user_by_email(session, email) is not None:
        raise Conflict(f"An account with the email {email} exists already.")
    user = User(email=email, password_hash=hash_password(password), display_name=display_name)
    session.add(user)
    await session.flush()
    audit.record(
        session, actor_id=user.id, action="user.register", object_type="user", object_id=user.id,
        summary=f"{email} registered",
    )
    return user


async def authenticate(session: AsyncSession, *, email: str, password: str) -> User | None:
    user = await get_user_by_email(session, email)
    ok = verify_password(password, user.password_hash if user else None)
    return user if ok else None


async def issue_token(session: AsyncSession, *, user: User, ttl_seconds: int) -> str:
    token = new_token()
    session.add(
        AccessToken(
            token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + timedelta(seconds=ttl_seconds)
        )
    )
    await session.flush()
    return token


async def revoke_token(session: AsyncSession, *, token: str) -> None:
    await session.execute(
        update(AccessToken)
        .where(AccessToken.token_hash == token_digest(token), AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def list_memberships(session: AsyncSession, *, user_id: uuid.UUID) -> list[MembershipRead]:
    stmt = (
        select(Membership.organization_id, Organization.name, Organization.kind, Membership.role)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.name)
    )
    rows = await session.execute(stmt)
    return [
        MembershipRead(organization_id=org_id, organization_name=name, kind=kind, role=role)
        for org_id, name, kind, role in rows
    ]


async def create_organization(
    session: AsyncSession, *, kind: OrgKind, name: str, creator: User, organization_id: uuid.UUID | None = None
) -> Organization:
    """A new organisation, whose creator becomes its first admin."""
    organization = Organization(kind=kind, name=name)
    if organization_id is not None:
        organization.id = organization_id
    session.add(organization)
    await session.flush()
    session.add(Membership(organization_id=organization.id, user_id=creator.id, role=Role.ADMIN))
    audit.record(
        session, actor_id=creator.id, organization_id=organization.id, action=f"{kind.value}.create",
        object_type=kind.value, object_id=organization.id, summary=f"{kind.value} {name!r} created",
    )
    return organization


async def _admin_count(session: AsyncSession, organization_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        Membership.organization_id == organization_id, Membership.role == Role.ADMIN
    )
    return (await session.scalar(stmt)) or 0


async def _member_row(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> MemberRead:
    stmt = (
        select(User.id, User.email, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, User.id == user_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    if row is None:
        raise NotFound(f"User {user_id} is not a member of organisation {organization_id}.")
    return MemberRead(user_id=row[0], email=row[1], display_name=row[2], role=row[3])


async def add_member(
    session: AsyncSession, *, organization: Organization, email: str, role: Role, actor: User
) -> MemberRead:
    user = await get_user_by_email(session, email)
    if user is None:
        raise Unprocessable(f"No account has the email {email}; ask them to register first.", loc=["body", "email"])
    if await session.get(Membership, (organization.id, user.id)) is not None:
        raise Conflict(f"{email} is a member already; change their role instead.")
    session.add(Membership(organization_id=organization.id, user_id=user.id, role=role))
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=organization.id, action="member.add", object_type="user",
        object_id=user.id, summary=f"{email} added as {role.value}",
    )
    return await _member_row(session, organization.id, user.id)


async def _membership(session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = await session.get(Membership, (organization_id, user_id))
    if membership is None:
        raise NotFound(f"User {user_id} is not a member of organisation {organization_id}.")
    return membership


async def change_member_role(
    session: AsyncSession, *, organization: Organization, user_id: uuid.UUID, role: Role, actor: User
) -> MemberRead:
    membership = await _membership(session, organization.id, user_id)
    previous = membership.role
    if previous == Role.ADMIN and role != Role.ADMIN and await _admin_count(session, organization.id) <= 1:
        raise Conflict("The last admin cannot step down; make another member admin first.")
    membership.role = role
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=organization.id, action="member.role", object_type="user",
        object_id=user_id, summary=f"role changed from {previous.value} to {role.value}",
        changes={"role": [previous.value, role.value]},
    )
    return await _member_row(session, organization.id, user_id)


async def remove_member(
    session: AsyncSession, *, organization: Organization, user_id: uuid.UUID, actor: User
) -> None:
    membership = await _membership(session, organization.id, user_id)
    if membership.role == Role.ADMIN and await _admin_count(session, organization.id) <= 1:
        raise Conflict("The last admin of an organisation cannot be removed.")
    await session.delete(membership)
    audit.record(
        session, actor_id=actor.id, organization_id=organization.id, action="member.remove", object_type="user",
        object_id=user_id, summary=f"member removed (was {membership.role.value})",
    )


async def list_members(
    session: AsyncSession, *, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[MemberRead], str | None]:
    stmt = (
        select(User.id, User.email, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
    )
    rows, cursor = await paginate(
        session, stmt, params, keys=[User.id], key_of=lambda row: [row[0]], scalars=False
    )
    items = [MemberRead(user_id=r[0], email=r[1], display_name=r[2], role=r[3]) for r in rows]
    return items, cursor


async def list_audit(
    session: AsyncSession, *, organization_id: uuid.UUID, params: PageParams
) -> tuple[list[AuditEvent], str | None]:
    stmt = select(AuditEvent).where(AuditEvent.organization_id == organization_id)
    return await paginate(
        session, stmt, params, keys=[AuditEvent.id], key_of=lambda event: [event.id], descending=True
    )


async def ensure_platform_admin(session: AsyncSession, *, email: str, password: str) -> tuple[User, bool]:
    """Create the platform administrator, or promote the account; returns whether anything changed."""
    user = await get_user_by_email(session, email)
    if user is None:
        user = await register_user(session, email=email, password=password, display_name="Platform administrator")
    elif user.is_platform_admin:
        return user, False
    user.is_platform_admin = True
    audit.record(
        session, actor_id=None, action="user.platform_admin", object_type="user", object_id=user.id,
        summary=f"{user.email} made platform administrator from the command line",
    )
    await session.flush()
    return user, True
