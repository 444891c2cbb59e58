import uuid
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from app.cities import service as cities
from app.cities.schemas import NetworkJoin
from app.common import access
from app.common.answers import Answers
from app.common.pagination import Page, PageDep
from app.common.reads import ReaderDep, model_response
from app.db import SessionDep, StreamingSessionDep
from app.errors import Forbidden, NotFound
from app.identity.auth import CurrentUser, require_role, role_in
from app.identity.models import Role
from app.networks import service
from app.networks.export import EXPORT_COLUMNS, csv_stream, json_stream
from app.networks.progress import network_exists, network_progress
from app.networks.rollup import FIGURES
from app.networks.schemas import (
    MemberCityRead,
    NetworkCreate,
    NetworkMembership,
    NetworkProgress,
    NetworkRead,
)

router = APIRouter(tags=["networks"])


@router.post("/networks", status_code=status.HTTP_201_CREATED, response_model=NetworkRead, openapi_extra=access.SIGNED_IN)
async def create_network(body: NetworkCreate, user: CurrentUser, session: SessionDep) -> NetworkRead:
    """Register a network; its creator becomes its admin."""
    return NetworkRead.model_validate(await service.create_network(session, data=body, actor=user))


@router.get("/networks", response_model=Page[NetworkRead], openapi_extra=access.PUBLIC)
async def list_networks(session: SessionDep, page: PageDep) -> Page[NetworkRead]:
    """Networks, by name."""
    items, cursor = await service.list_networks(session, params=page)
    return Page(items=[NetworkRead.model_validate(n) for n in items], next_cursor=cursor)


@router.get("/networks/{network_id}", response_model=NetworkRead, openapi_extra=access.PUBLIC)
async def get_network(network_id: uuid.UUID, session: SessionDep) -> NetworkRead:
    """A network."""
    return NetworkRead.model_validate(await service.get_network(session, network_id))


@router.get("/networks/{network_id}/cities", response_model=Page[MemberCityRead], openapi_extra=access.PUBLIC)
async def member_cities(network_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[MemberCityRead]:
    """The network's member cities, by name."""
    await service.get_network(session, network_id)
    items, cursor = await service.list_member_cities(session, network_id=network_id, params=page)
    return Page(items=items, next_cursor=cursor)


@router.post("/cities/{city_id}/networks", status_code=status.HTTP_201_CREATED, response_model=NetworkMembership,
             tags=["cities"], openapi_extra=access.role("admins", "city"))
async def join_network(city_id: uuid.UUID, body: NetworkJoin, user: CurrentUser, session: SessionDep) -> NetworkMembership:
    """The city joins a network (the city's admins)."""
    city = await cities.get_city(session, city_id)
    network = await service.get_network(session, body.network_id)
    await require_role(session, user, city_id, Role.ADMIN)
    membership = await service.join(session, network=network, city=city, actor=user)
    return NetworkMembership.model_validate(membership)


@router.delete("/networks/{network_id}/cities/{city_id}", status_code=status.HTTP_204_NO_CONTENT, openapi_extra=access.rule("admins of the network, or admins of the city"))
async def remove_city(network_id: uuid.UUID, city_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Remove a member city (the network's admins), or leave (the city's admins)."""
    network = await service.get_network(session, network_id)
    if Role.ADMIN not in (await role_in(session, user, network_id), await role_in(session, user, city_id)):
        raise Forbidden("Only the network's admins, or the city's admins, may remove the city from the network.")
    await service.leave(session, network=network, city_id=city_id, actor=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/networks/{network_id}/progress", response_model=NetworkProgress, openapi_extra=access.PUBLIC)
async def progress(
    network_id: uuid.UUID, reader: ReaderDep, answers: Annotated[Answers, Depends(FIGURES)],
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Figures for this inventory year.")] = None,
    country_code: Annotated[str | None, Query(min_length=2, max_length=2, description="Only member cities of this country.")] = None,
) -> Response:
    """Aggregate progress of the member cities (definitions in the API description)."""
    country_code = country_code.upper() if country_code else None
    key = (network_id, (year, country_code))
    if (kept := answers.get(key)) is not None:
        return Response(kept, media_type="application/json")
    token = answers.token()
    progress = await network_progress(reader, network_id=network_id, year=year, country_code=country_code)
    # Only without member cities can the network be unknown: a network with member cities exists.
    if progress.member_cities == 0 and not await network_exists(reader, network_id):
        raise NotFound(f"No network has the id {network_id}.")
    response = model_response(progress)
    answers.put(key, token, bytes(response.body))
    return response


@router.get(
    "/networks/{network_id}/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/json": {}},
                     "description": f"One row per member city; columns: {', '.join(EXPORT_COLUMNS)}."}},
    openapi_extra=access.PUBLIC,
)
async def export(
    network_id: uuid.UUID, session: StreamingSessionDep,
    format: Annotated[Literal["csv", "json"], Query(description="`json` for the same rows as JSON.")] = "csv",
) -> StreamingResponse:
    """Member cities, one row a city, streamed as CSV (or JSON)."""
    network = await service.get_network(session, network_id)
    filename = f"{network.acronym.lower() or 'network'}-cities"
    if format == "json":
        return StreamingResponse(json_stream(session, network_id), media_type="application/json")
    return StreamingResponse(
        csv_stream(session, network_id), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{quote(filename)}.csv"'},
    )
