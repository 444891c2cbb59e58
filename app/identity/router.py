import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.common import access
from app.common.pagination import Page, PageDep
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import Unauthorized, Unprocessable
from app.identity import service
from app.identity.auth import CurrentUser, bearer_token, get_organization, require_role
from app.identity.models import Role
from app.identity.schemas import AuditEventRead, Me, MemberCreate, MemberRead, MemberUpdate, TokenRead, UserCreate, UserRead
from app.identity.throttle import DatabaseThrottle, LoginThrottle, RedisThrottle

router = APIRouter(tags=["identity"])


async def get_throttle(request: Request, session: SessionDep, settings: SettingsDep) -> LoginThrottle:
    redis = request.app.state.redis
    return RedisThrottle(redis, settings) if redis is not None else DatabaseThrottle(session, settings)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserRead, openapi_extra=access.PUBLIC)
async def register(body: UserCreate, session: SessionDep) -> UserRead:
    """Create an account."""
    user = await service.register_user(
        session, email=str(body.email), password=body.password, display_name=body.display_name
    )
    return UserRead.model_validate(user)


@router.post("/auth/token", response_model=TokenRead, openapi_extra=access.PUBLIC)
async def token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
    settings: SettingsDep,
) -> TokenRead:
    """Exchange an email and password for a bearer token (OAuth2 password flow)."""
    email, address = form.username.strip().lower(), client_address(request)
    if "\x00" in email or "\x00" in form.password:
        raise Unprocessable("The username and password may not contain NUL characters.", loc=["body", "username"])
    await throttle.check(email, address)
    user = await service.authenticate(session, email=email, password=form.password)
    if user is None:
        await throttle.failed(email, address)
        # The failure must be counted although the request fails.
        await session.commit()
        raise Unauthorized("The email or the password is wrong.")
    await throttle.succeeded(email)
    ttl = settings.token_ttl_seconds
    access_token = await service.issue_token(session, user=user, ttl_seconds=ttl)
    return TokenRead(access_token=access_token, expires_in=ttl)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=access.SIGNED_IN)
async def logout(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    """Revoke the bearer token used for this call."""
    token_value = bearer_token(request)
    assert token_value is not None  # CurrentUser guarantees a token
    await service.revoke_token(session, token=token_value)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/users/me", response_model=Me, openapi_extra=access.SIGNED_IN)
async def me(user: CurrentUser, session: SessionDep) -> Me:
    """The signed-in user and the organisations they belong to."""
    memberships = await service.list_memberships(session, user_id=user.id)
    return Me(
        id=user.id, email=user.email, display_name=user.display_name,
        is_platform_admin=user.is_platform_admin, memberships=memberships,
    )


@router.post(
    "/organizations/{org_id}/members", status_code=status.HTTP_201_CREATED, response_model=MemberRead,
    openapi_extra=access.role("admins", "organisation"),
)
async def add_member(org_id: uuid.UUID, body: MemberCreate, user: CurrentUser, session: SessionDep) -> MemberRead:
    """Add a registered user to the organisation (its admins)."""
    organization = await get_organization(session, org_id)
    await require_role(session, user, org_id, Role.ADMIN)
    return await service.add_member(session, organization=organization, email=str(body.email), role=body.role, actor=user)


@router.get("/organizations/{org_id}/members", response_model=Page[MemberRead], openapi_extra=access.role("members", "organisation"))
async def list_members(org_id: uuid.UUID, page: PageDep, user: CurrentUser, session: SessionDep) -> Page[MemberRead]:
    """The organisation's members (its members only)."""
    await get_organization(session, org_id)
    await require_role(session, user, org_id, Role.VIEWER)
    items, cursor = await service.list_members(session, organization_id=org_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.patch("/organizations/{org_id}/members/{user_id}", response_model=MemberRead, openapi_extra=access.role("admins", "organisation"))
async def change_member_role(
    org_id: uuid.UUID, user_id: uuid.UUID, body: MemberUpdate, user: CurrentUser, session: SessionDep
) -> MemberRead:
    """Change a member's role (its admins); the last admin cannot step down."""
    organization = await get_organization(session, org_id)
    await require_role(session, user, org_id, Role.ADMIN)
    return await service.change_member_role(
        session, organization=organization, user_id=user_id, role=body.role, actor=user
    )


@router.delete("/organizations/{org_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=access.role("admins", "organisation"))
async def remove_member(org_id: uuid.UUID, user_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a member (its admins); the last admin cannot be removed."""
    organization = await get_organization(session, org_id)
    await require_role(session, user, org_id, Role.ADMIN)
    await service.remove_member(session, organization=organization, user_id=user_id, actor=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/organizations/{org_id}/audit", response_model=Page[AuditEventRead], openapi_extra=access.role("admins", "organisation"))
async def audit_log(org_id: uuid.UUID, page: PageDep, user: CurrentUser, session: SessionDep) -> Page[AuditEventRead]:
    """The organisation's audit log, newest first (its admins)."""
    await get_organization(session, org_id)
    await require_role(session, user, org_id, Role.ADMIN)
    events, cursor = await service.list_audit(session, organization_id=org_id, params=page)
    return Page(items=[AuditEventRead.model_validate(e) for e in events], next_cursor=cursor)
