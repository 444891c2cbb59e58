"""Who is calling, and what they may do: the one place where access is decided."""

import uuid
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionDep, utcnow
from app.errors import Forbidden, NotFound, Unauthorized
from app.identity.models import AccessToken, Membership, Organization, OrgKind, Role, User
from app.identity.security import token_digest


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The Authorization header must be `Bearer <token>`.")
    return token.strip()


# Built once: building them cost an authenticated request more than running them.
_USER_FOR_TOKEN = (
    select(User)
    .join(AccessToken, AccessToken.user_id == User.id)
    .where(
        AccessToken.token_hash == bindparam("digest"),
        AccessToken.revoked_at.is_(None),
        AccessToken.expires_at > bindparam("now"),
    )
)
_ROLE = select(Membership.role).where(
    Membership.organization_id == bindparam("organization_id"), Membership.user_id == bindparam("user_id")
)


async def user_for_token(session: AsyncSession, token: str) -> User | None:
    return await session.scalar(_USER_FOR_TOKEN, {"digest": token_digest(token), "now": utcnow()})


async def optional_user(request: Request, session: SessionDep) -> User | None:
    token = bearer_token(request)
    if token is None:
        return None
    user = await user_for_token(session, token)
    if user is None:
        raise Unauthorized("The bearer token is invalid, expired or revoked.")
    return user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise Unauthorized()
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


async def role_in(session: AsyncSession, user: User | None, organization_id: uuid.UUID) -> Role | None:
    """The caller's role in the organisation; platform administrators hold admin rights everywhere."""
    if user is None:
        return None
    if user.is_platform_admin:
        return Role.ADMIN
    return await session.scalar(_ROLE, {"organization_id": organization_id, "user_id": user.id})


async def get_organization(
    session: AsyncSession, organization_id: uuid.UUID, kind: OrgKind | None = None
) -> Organization:
    organization = await session.get(Organization, organization_id)
    if organization is None or (kind is not None and organization.kind != kind):
        label = kind.value if kind else "organisation"
        raise NotFound(f"No {label} has the id {organization_id}.")
    return organization


async def require_role(
    session: AsyncSession, user: User | None, organization_id: uuid.UUID, needed: Role
) -> Role:
    """Raise unless the caller holds at least `needed` in the organisation."""
    if user is None:
        raise Unauthorized()
    role = await role_in(session, user, organization_id)
    if role is None:
        raise Forbidden(f"Only members of organisation {organization_id} may do this.")
    if not role.includes(needed):
        raise Forbidden(f"This needs the {needed.value} role in the organisation; you are {role.value}.")
    return role


async def share_a_member(session: AsyncSession, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether any person belongs to both organisations: a conflict of interest for verification."""
    other = select(Membership.user_id).where(Membership.organization_id == second)
    stmt = select(Membership.user_id).where(Membership.organization_id == first, Membership.user_id.in_(other)).limit(1)
    return await session.scalar(stmt) is not None
