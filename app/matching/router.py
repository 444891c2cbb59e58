import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.common import access
from app.common.answers import Answers
from app.common.pagination import Page, PageDep
from app.common.reads import model_response
from app.companies.service import get_company
from app.db import SessionDep
from app.identity.auth import CurrentUser, require_role
from app.identity.models import Role
from app.matching import service
from app.matching.schemas import MatchRead

router = APIRouter(tags=["matching"])


@router.get("/cities/{city_id}/matches", response_model=Page[MatchRead], openapi_extra=access.role("members", "city"))
async def city_matches(
    city_id: uuid.UUID, page: PageDep, user: CurrentUser, session: SessionDep,
    answers: Annotated[Answers, Depends(service.MATCHES)], action_id: uuid.UUID | None = None,
) -> Response:
    """The co-located companies ranked as partners for the city's actions, best first, with reasons."""
    key = (city_id, (action_id, page.cursor, page.limit))
    if (kept := answers.get(key)) is not None:
        # Kept, so the city exists: a write that removed it would have had the answer forgotten.
        await require_role(session, user, city_id, Role.VIEWER)
        return Response(kept, media_type="application/json")
    token = answers.token()
    city = await service.city_facts(session, city_id)
    await require_role(session, user, city_id, Role.VIEWER)
    items, cursor = await service.city_matches(session, city=city, params=page, action_id=action_id)
    response = model_response(Page[MatchRead](items=items, next_cursor=cursor))
    answers.put(key, token, bytes(response.body))
    return response


@router.get("/companies/{company_id}/matches", response_model=Page[MatchRead], openapi_extra=access.role("members", "company"))
async def company_matches(company_id: uuid.UUID, page: PageDep, user: CurrentUser, session: SessionDep) -> Response:
    """The actions of the cities the company stands in, ranked by how well it fits them."""
    await get_company(session, company_id)
    await require_role(session, user, company_id, Role.VIEWER)
    items, cursor = await service.company_matches(session, company_id=company_id, params=page)
    return model_response(Page[MatchRead](items=items, next_cursor=cursor))
