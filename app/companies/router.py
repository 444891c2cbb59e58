import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.common import access
from app.common.etag import check_if_match, set_etag
from app.common.reads import ReaderDep, keyed_reads, model_response
from app.common.pagination import Page, PageDep
from app.common.standards import IsicSection
from app.companies import service
from app.companies.schemas import (
    CommitmentRead, CommitmentWrite, CompanyCreate, CompanyRead, CompanyUpdate, FacilityCreate, FacilityRead,
)
from app.db import SessionDep
from app.identity.auth import CurrentUser, require_role
from app.identity.models import Role

router = APIRouter(prefix="/companies", tags=["companies"])
reads = keyed_reads("/companies", "companies")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CompanyRead, openapi_extra=access.SIGNED_IN)
async def create_company(body: CompanyCreate, response: Response, user: CurrentUser, session: SessionDep) -> CompanyRead:
    """Register a company; its creator becomes its admin."""
    company = await service.create_company(session, data=body, actor=user)
    set_etag(response, company.version)
    return await service.company_read(session, company)


@router.get("", response_model=Page[CompanyRead], openapi_extra=access.PUBLIC)
async def list_companies(
    session: SessionDep, page: PageDep,
    sector: IsicSection | None = None,
    country_code: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    city_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name.")] = None,
) -> Page[CompanyRead]:
    """Companies, by name; `city_id` keeps those co-located with the city."""
    items, cursor = await service.list_companies(
        session, params=page, sector=sector, country_code=country_code, city_id=city_id, q=q
    )
    return Page(items=items, next_cursor=cursor)


@reads.get("/{company_id}", response_model=CompanyRead, openapi_extra=access.PUBLIC)
async def get_company(company_id: uuid.UUID, reader: ReaderDep) -> Response:
    """A company, with whether it is climate-active."""
    company, version = await service.read_company(reader, company_id)
    return model_response(company, version=version)


@router.patch("/{company_id}", response_model=CompanyRead, openapi_extra=access.role("editors", "company"))
async def update_company(
    company_id: uuid.UUID, body: CompanyUpdate, request: Request, response: Response, user: CurrentUser,
    session: SessionDep,
) -> CompanyRead:
    """Change a company (its editors)."""
    company = await service.get_company(session, company_id)
    await require_role(session, user, company_id, Role.EDITOR)
    check_if_match(request, company.version)
    company = await service.update_company(session, company=company, data=body, actor=user)
    set_etag(response, company.version)
    return await service.company_read(session, company)


@router.post("/{company_id}/facilities", status_code=status.HTTP_201_CREATED, response_model=FacilityRead, openapi_extra=access.role("editors", "company"))
async def create_facility(company_id: uuid.UUID, body: FacilityCreate, user: CurrentUser, session: SessionDep) -> FacilityRead:
    """Add a facility (the company's editors); `city_ids` are the cities it stands in."""
    company = await service.get_company(session, company_id)
    await require_role(session, user, company_id, Role.EDITOR)
    return await service.create_facility(session, company=company, data=body, actor=user)


@router.get("/{company_id}/facilities", response_model=Page[FacilityRead], openapi_extra=access.PUBLIC)
async def list_facilities(company_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[FacilityRead]:
    """The company's facilities, each with the cities it stands in."""
    await service.get_company(session, company_id)
    items, cursor = await service.list_facilities(session, company_id=company_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.get("/{company_id}/commitments", response_model=CommitmentRead, openapi_extra=access.PUBLIC)
async def get_commitments(company_id: uuid.UUID, session: SessionDep) -> CommitmentRead:
    """The company's targets, net-zero year and SBTi status."""
    await service.get_company(session, company_id)
    return await service.get_commitment(session, company_id)


@router.put("/{company_id}/commitments", response_model=CommitmentRead, openapi_extra=access.role("editors", "company"))
async def put_commitments(company_id: uuid.UUID, body: CommitmentWrite, user: CurrentUser, session: SessionDep) -> CommitmentRead:
    """Replace the company's commitments (its editors)."""
    company = await service.get_company(session, company_id)
    await require_role(session, user, company_id, Role.EDITOR)
    return await service.put_commitment(session, company=company, data=body, actor=user)
