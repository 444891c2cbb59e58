"""A company's API clients: keys for machine submission of its reports, shown once, stored hashed."""

import uuid

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from app.common import access
from app.companies.service import get_company
from app.db import SessionDep, utcnow
from app.errors import NotFound
from app.identity import audit
from app.identity.auth import CurrentUser
from app.identity.security import new_token, token_digest
from app.reports.auth import API_KEY_PREFIX, authorize_company_admin
from app.reports.models import ApiClient
from app.reports.schemas import ApiClientCreate, ApiClientCreated

router = APIRouter(prefix="/companies/{company_id}/api-clients", tags=["reports"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiClientCreated, openapi_extra=access.role("admins", "company"))
async def create_api_client(
    company_id: uuid.UUID, body: ApiClientCreate, user: CurrentUser, session: SessionDep
) -> ApiClientCreated:
    """Create an API client (company admins); its key is in this answer only."""
    await get_company(session, company_id)
    await authorize_company_admin(session, user, company_id)
    key = new_token(API_KEY_PREFIX)
    client = ApiClient(company_id=company_id, name=body.name, key_hash=token_digest(key), created_by=user.id)
    session.add(client)
    await session.flush()
    audit.record(
        session, actor_id=user.id, organization_id=company_id, action="api_client.create", object_type="api_client",
        object_id=client.id, summary=f"API client {body.name!r} created",
    )
    return ApiClientCreated(id=client.id, company_id=company_id, name=client.name, key=key, created_at=client.created_at)


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=access.role("admins", "company"))
async def delete_api_client(company_id: uuid.UUID, client_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Delete an API client (company admins): its key stops working at once."""
    await get_company(session, company_id)
    await authorize_company_admin(session, user, company_id)
    client = await session.scalar(select(ApiClient).where(
        ApiClient.id == client_id, ApiClient.company_id == company_id, ApiClient.revoked_at.is_(None)
    ))
    if client is None:
        raise NotFound(f"Company {company_id} has no API client {client_id}.")
    # Kept, revoked, so that the versions it submitted still name a known client.
    client.revoked_at = utcnow()
    await session.flush()
    audit.record(
        session, actor_id=user.id, organization_id=company_id, action="api_client.delete", object_type="api_client",
        object_id=client.id, summary=f"API client {client.name!r} deleted",
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
