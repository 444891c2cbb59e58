"""The signed-in user of a page, from the session cookie."""

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from app.db import SessionDep
from app.identity.auth import user_for_token
from app.identity.models import User
from app.web.templating import CSRF_FIELD, SESSION_COOKIE, verify_csrf


@dataclass(frozen=True)
class SignedIn:
    """What the layout shows of the signed-in user: plain values that outlive a rolled-back session."""

    id: uuid.UUID
    email: str
    display_name: str
    is_platform_admin: bool


async def page_user(request: Request, session: SessionDep) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    user = await user_for_token(session, token) if token else None
    request.state.page_user = (
        SignedIn(user.id, user.email, user.display_name, user.is_platform_admin) if user is not None else None
    )
    return user


PageUser = Annotated[User | None, Depends(page_user)]


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token has been checked."""
    form = await request.form()
    verify_csrf(request, form.get(CSRF_FIELD))
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]
