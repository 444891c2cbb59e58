"""The public badge page: what the badge says, and whether it holds, as anyone can check it."""

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges import rules, service, signing
from app.badges.credentials import WELL_KNOWN_PATH
from app.common import access
from app.common.pagination import PageParams
from app.companies.service import get_company
from app.config import SettingsDep
from app.db import SessionDep
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/badges/{assertion_id}", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def badge_page(assertion_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    assertion = await service.get_assertion(session, assertion_id)
    company = await get_company(session, assertion.company_id)
    check = service.check_assertion(assertion, signing.issuer(settings))
    context = {
        "assertion": assertion, "badge": rules.BY_ID[assertion.badge_class], "company": company, "check": check,
        "credential": assertion.credential, "issuer_url": WELL_KNOWN_PATH,
    }
    return render(request, "badges/show.html", context)


async def company_badges(session: AsyncSession, company_id: uuid.UUID) -> dict[str, Any]:
    """What the company page shows: its badges, and the ladder towards the ones it does not hold."""
    rows, _ = await service.list_company_badges(session, company_id=company_id, params=PageParams(limit=200))
    ladder = rules.ladder(await service.gather_facts(session, company_id))
    return {
        "standing": [a for a in rows if a.revoked_at is None], "revoked": [a for a in rows if a.revoked_at is not None],
        "ladder": ladder, "next": next((rung for rung in ladder if not rung.held), None), "names": rules.BY_ID,
    }


async def city_recognition(session: AsyncSession, city_id: uuid.UUID) -> dict[str, Any]:
    """What the city page shows: the firms standing in the city that hold badges, with those badges."""
    return {"firms": await service.recognised_in_city(session, city_id=city_id), "names": rules.BY_ID}
