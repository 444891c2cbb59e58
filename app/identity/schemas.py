import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from app.common.schemas import Input, Output
from app.identity.models import OrgKind, Role

DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]


class UserCreate(Input):
    email: EmailStr
    password: str = Field(min_length=12, max_length=256)
    display_name: DisplayName


class UserRead(Output):
    id: uuid.UUID
    email: str
    display_name: str


class MembershipRead(Output):
    organization_id: uuid.UUID
    organization_name: str
    kind: OrgKind
    role: Role


class Me(UserRead):
    is_platform_admin: bool
    memberships: list[MembershipRead]


class TokenRead(Output):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class MemberCreate(Input):
    email: EmailStr
    role: Role


class MemberUpdate(Input):
    role: Role


class MemberRead(Output):
    user_id: uuid.UUID
    email: str
    display_name: str
    role: Role


class AuditEventRead(Output):
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: str
    summary: str
