import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.common import access
from app.cities import service
from app.cities.models import PlanAction
from app.cities.schemas import (
    ActionCreate, ActionRead, ActionUpdate, CityCreate, CityRead, CityUpdate, ColocatedCompany, InventoryCreate,
    InventoryRead, InventoryReplace, PlanRead, PlanWrite, Progress,
)
from app.common.etag import check_if_match, set_etag
from app.common.pagination import Page, PageDep
from app.common.reads import ReaderDep, keyed_reads, model_response
from app.db import SessionDep
from app.identity.auth import CurrentUser, OptionalUser, require_role, role_in
from app.identity.models import Role
from app.networks.service import member_city_ids

router = APIRouter(prefix="/cities", tags=["cities"])
reads = keyed_reads("/cities", "cities")


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CityRead, openapi_extra=access.SIGNED_IN)
async def create_city(body: CityCreate, response: Response, user: CurrentUser, session: SessionDep) -> CityRead:
    """Register a city; its creator becomes its admin."""
    city = await service.create_city(session, data=body, actor=user)
    set_etag(response, city.version)
    return service.city_read(city)


@router.get("", response_model=Page[CityRead], openapi_extra=access.PUBLIC)
async def list_cities(
    session: SessionDep, page: PageDep,
    country_code: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    network_id: Annotated[uuid.UUID | None, Query(description="Only the network's member cities.")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Part of the name.")] = None,
) -> Page[CityRead]:
    """Cities, by name."""
    members = member_city_ids(network_id) if network_id else None
    cities, cursor = await service.list_cities(session, params=page, country_code=country_code, q=q, city_ids=members)
    return Page(items=[service.city_read(c) for c in cities], next_cursor=cursor)


@reads.get("/{city_id}", response_model=CityRead, openapi_extra=access.PUBLIC)
async def get_city(city_id: uuid.UUID, reader: ReaderDep) -> Response:
    """A city."""
    city, version = await service.read_city(reader, city_id)
    return model_response(city, version=version)


@router.patch("/{city_id}", response_model=CityRead, openapi_extra=access.role("editors", "city"))
async def update_city(
    city_id: uuid.UUID, body: CityUpdate, request: Request, response: Response, user: CurrentUser, session: SessionDep
) -> CityRead:
    """Change a city (its editors); a new area re-resolves the facilities inside it."""
    city = await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    check_if_match(request, city.version)
    city = await service.update_city(session, city=city, data=body, actor=user)
    set_etag(response, city.version)
    return service.city_read(city)


@router.put("/{city_id}/plan", response_model=PlanRead, openapi_extra=access.role("editors", "city"))
async def put_plan(
    city_id: uuid.UUID, body: PlanWrite, request: Request, response: Response, user: CurrentUser, session: SessionDep
) -> PlanRead:
    """Create or replace the city's climate action plan (its editors)."""
    city = await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    existing = await session.get(service.CityPlan, city_id)
    if existing is not None:
        check_if_match(request, existing.version)
    plan = await service.put_plan(session, city=city, data=body, actor=user)
    set_etag(response, plan.version)
    return PlanRead.model_validate(plan)


async def _may_see_drafts(session: SessionDep, user: OptionalUser, city_id: uuid.UUID) -> bool:
    return await role_in(session, user, city_id) is not None


@router.get("/{city_id}/plan", response_model=PlanRead, openapi_extra=access.rule("public when published; a draft: members of the city"))
async def get_plan(city_id: uuid.UUID, response: Response, user: OptionalUser, session: SessionDep) -> PlanRead:
    """The city's plan: a draft is visible to the city's members only."""
    await service.get_city(session, city_id)
    plan = await service.get_plan(session, city_id, may_see_drafts=await _may_see_drafts(session, user, city_id))
    set_etag(response, plan.version)
    return PlanRead.model_validate(plan)


@router.post("/{city_id}/plan/actions", status_code=status.HTTP_201_CREATED, response_model=ActionRead, openapi_extra=access.role("editors", "city"))
async def create_action(
    city_id: uuid.UUID, body: ActionCreate, response: Response, user: CurrentUser, session: SessionDep
) -> ActionRead:
    """Add an action to the plan (the city's editors)."""
    city = await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    action = await service.create_action(session, city=city, data=body, actor=user)
    set_etag(response, action.version)
    return ActionRead.model_validate(action)


@router.get("/{city_id}/plan/actions", response_model=Page[ActionRead], openapi_extra=access.rule("public when the plan is published; otherwise members of the city"))
async def list_actions(city_id: uuid.UUID, page: PageDep, user: OptionalUser, session: SessionDep) -> Page[ActionRead]:
    """The plan's actions, visible as the plan is."""
    await service.get_city(session, city_id)
    await service.get_plan(session, city_id, may_see_drafts=await _may_see_drafts(session, user, city_id))
    actions, cursor = await service.list_actions(session, city_id=city_id, params=page)
    return Page(items=[ActionRead.model_validate(a) for a in actions], next_cursor=cursor)


@router.patch("/{city_id}/plan/actions/{action_id}", response_model=ActionRead, openapi_extra=access.role("editors", "city"))
async def update_action(
    city_id: uuid.UUID, action_id: uuid.UUID, body: ActionUpdate, request: Request, response: Response,
    user: CurrentUser, session: SessionDep,
) -> ActionRead:
    """Change an action (the city's editors)."""
    await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    action: PlanAction = await service.get_action(session, city_id, action_id)
    check_if_match(request, action.version)
    action = await service.update_action(session, action=action, data=body, actor=user)
    set_etag(response, action.version)
    return ActionRead.model_validate(action)


@router.post("/{city_id}/inventories", status_code=status.HTTP_201_CREATED, response_model=InventoryRead, openapi_extra=access.role("editors", "city"))
async def add_inventory(city_id: uuid.UUID, body: InventoryCreate, user: CurrentUser, session: SessionDep) -> InventoryRead:
    """Record a year's community inventory (the city's editors); an existing year is 409."""
    city = await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    return service.inventory_read(await service.add_inventory(session, city=city, data=body, actor=user))


@router.get("/{city_id}/inventories", response_model=Page[InventoryRead], openapi_extra=access.PUBLIC)
async def list_inventories(city_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[InventoryRead]:
    """The current inventory of each year, oldest first."""
    await service.get_city(session, city_id)
    rows, cursor = await service.list_inventories(session, city_id=city_id, params=page)
    return Page(items=[service.inventory_read(r) for r in rows], next_cursor=cursor)


@router.put("/{city_id}/inventories/{year}", response_model=InventoryRead, openapi_extra=access.role("editors", "city"))
async def replace_inventory(
    city_id: uuid.UUID, year: int, body: InventoryReplace, user: CurrentUser, session: SessionDep
) -> InventoryRead:
    """Correct a year's inventory with a reason; the previous figures stay in its history."""
    city = await service.get_city(session, city_id)
    await require_role(session, user, city_id, Role.EDITOR)
    return service.inventory_read(await service.replace_inventory(session, city=city, year=year, data=body, actor=user))


@router.get("/{city_id}/inventories/{year}/history", response_model=Page[InventoryRead], openapi_extra=access.PUBLIC)
async def inventory_history(city_id: uuid.UUID, year: int, page: PageDep, session: SessionDep) -> Page[InventoryRead]:
    """Every version of a year's inventory, oldest first."""
    await service.get_city(session, city_id)
    rows, cursor = await service.inventory_history(session, city_id=city_id, year=year, params=page)
    return Page(items=[service.inventory_read(r) for r in rows], next_cursor=cursor)


@reads.get("/{city_id}/progress", response_model=Progress, openapi_extra=access.PUBLIC)
async def progress(city_id: uuid.UUID, reader: ReaderDep) -> Response:
    """Progress against the published plan (see the definitions in the API description)."""
    return model_response(await service.city_progress(reader, city_id=city_id))


@router.get("/{city_id}/companies", response_model=Page[ColocatedCompany], openapi_extra=access.PUBLIC)
async def colocated_companies(city_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[ColocatedCompany]:
    """Companies with at least one facility inside the city's area."""
    await service.get_city(session, city_id)
    items, cursor = await service.colocated_companies(session, city_id=city_id, params=page)
    return Page(items=items, next_cursor=cursor)
