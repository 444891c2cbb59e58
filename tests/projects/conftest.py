"""A city with a plan action, a local and a distant company, a verifier: the cast of the project tests."""

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Role, User
from tests.factories import (
    add_member, auth_headers, make_action, make_city, make_company, make_facility, make_user, make_verifier,
)


@dataclass
class Cast:
    city: Any
    action: Any
    officer: User
    local: Any
    local_editor: User
    distant: Any
    distant_editor: User
    verifier: Any
    auditor: User
    resident: User
    headers: dict[str, dict[str, str]]


@pytest.fixture
async def cast(session: AsyncSession) -> Cast:
    officer = await make_user(session, display_name="Officer")
    city = await make_city(session, creator=officer)
    action = await make_action(session, city, actor=officer)
    local_editor, distant_editor = await make_user(session), await make_user(session)
    local = await make_company(session, creator=local_editor, name="Local Heat")
    await make_facility(session, local, actor=local_editor)
    distant = await make_company(session, creator=distant_editor, name="Far Away Ltd")
    auditor = await make_user(session)
    verifier = await make_verifier(session, creator=auditor)
    resident = await make_user(session, display_name="Resident Rosa")
    viewer = await make_user(session)
    await add_member(session, city, viewer, Role.VIEWER)
    people = {"officer": officer, "local": local_editor, "distant": distant_editor, "auditor": auditor,
              "resident": resident, "viewer": viewer, "outsider": await make_user(session)}
    headers = {name: await auth_headers(session, user) for name, user in people.items()}
    headers["anonymous"] = {}
    return Cast(city, action, officer, local, local_editor, distant, distant_editor, verifier, auditor, resident, headers)
