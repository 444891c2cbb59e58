"""Cities, their plans, actions and inventories."""

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities.models import City, CityInventory, CityPlan, CityProgress, PlanAction, PlanStatus
from app.cities.rollup import refresh_city_progress, targets_from
from app.cities.schemas import (
    ActionCreate,
    ActionUpdate,
    CityCreate,
    CityRead,
    CityUpdate,
    ColocatedCompany,
    InventoryCreate,
    InventoryRead,
    InventoryReplace,
    PlanWrite,
    Progress,
    SectorEmissions,
    Target,
    TrajectoryPoint,
)
from app.cities.geometry import radius_from_population
from app.common.pagination import PageParams, paginate
from app.common.reads import Reader, Row
from app.common.standards import GpcSector
from app.companies import colocation
from app.companies.models import Company, FacilityCity
from app.companies.service import climate_active_clause
from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.identity import audit
from app.identity.models import Organization, OrgKind, User
from app.identity.service import create_organization
from app.projects import figures
from app.projects.models import (
    Participant,
    ParticipantStatus,
    Project,
)


async def create_city(session: AsyncSession, *, data: CityCreate, actor: User) -> City:
    organization = await create_organization(session, kind=OrgKind.CITY, name=data.name, creator=actor)
    city = City(id=organization.id, **data.model_dump())
    session.add(city)
    await session.flush()
    area = colocation.city_area(city)
    await colocation.index_city(session, city, area)
    await colocation.resolve_city(session, city, area)
    await refresh_city_progress(session, city)
    return city


async def get_city(session: AsyncSession, city_id: uuid.UUID) -> City:
    city = await session.get(City, city_id)
    if city is None:
        raise NotFound(f"No city has the id {city_id}.")
    return city


REQUIRED_ON_PATCH = ("name", "latitude", "longitude")
GEOMETRY_FIELDS = {"latitude", "longitude", "boundary", "radius_km", "population"}


async def update_city(session: AsyncSession, *, city: City, data: CityUpdate, actor: User) -> City:
    changes = data.model_dump(exclude_unset=True)
    for name in REQUIRED_ON_PATCH:
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be removed.", loc=["body", name])
    before = {name: getattr(city, name) for name in changes}
    for name, value in changes.items():
        setattr(city, name, value)
    if "name" in changes:
        await session.execute(update(Organization).where(Organization.id == city.id).values(name=city.name))
    await session.flush()
    if GEOMETRY_FIELDS & changes.keys():
        area = colocation.city_area(city)
        await colocation.index_city(session, city, area)
        await colocation.resolve_city(session, city, area)
    audit.record(
        session, actor_id=actor.id, organization_id=city.id, action="city.update", object_type="city",
        object_id=city.id, summary=f"city updated: {', '.join(sorted(changes)) or 'nothing'}",
        changes={k: [_plain(before[k]), _plain(v)] for k, v in changes.items() if k != "boundary"},
    )
    return city


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, type(None))) else str(value)


async def list_cities(
    session: AsyncSession, *, params: PageParams, country_code: str | None = None, q: str | None = None,
    city_ids: Any = None,
) -> tuple[list[City], str | None]:
    stmt = select(City)
    if country_code:
        stmt = stmt.where(City.country_code == country_code.upper())
    if q:
        stmt = stmt.where(City.name.ilike(f"%{_escape_like(q)}%", escape="\\"))
    if city_ids is not None:
        stmt = stmt.where(City.id.in_(city_ids))
    return await paginate(session, stmt, params, keys=[City.name, City.id], key_of=lambda c: [c.name, c.id])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Plans -----------------------------------------------------------------------------------------

async def get_plan(session: AsyncSession, city_id: uuid.UUID, *, may_see_drafts: bool) -> CityPlan:
    plan = await session.get(CityPlan, city_id)
    if plan is None or (plan.status == PlanStatus.DRAFT and not may_see_drafts):
        raise NotFound(f"City {city_id} has no published plan.")
    return plan


async def put_plan(session: AsyncSession, *, city: City, data: PlanWrite, actor: User) -> CityPlan:
    values = data.model_dump(mode="json")
    plan = await session.get(CityPlan, city.id)
    created = plan is None
    if plan is None:
        plan = CityPlan(city_id=city.id, **values)
        session.add(plan)
    else:
        for name, value in values.items():
            setattr(plan, name, value)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=city.id, action="plan.create" if created else "plan.update",
        object_type="plan", object_id=city.id,
        summary=f"plan {data.title!r} {'created' if created else 'replaced'} ({data.status.value}), "
        f"{len(data.targets)} target(s)",
    )
    await refresh_city_progress(session, city)
    return plan


async def require_plan(session: AsyncSession, city_id: uuid.UUID) -> CityPlan:
    plan = await session.get(CityPlan, city_id)
    if plan is None:
        raise Conflict("The city has no plan yet; create the plan before its actions.")
    return plan


async def create_action(session: AsyncSession, *, city: City, data: ActionCreate, actor: User) -> PlanAction:
    await require_plan(session, city.id)
    action = PlanAction(city_id=city.id, **data.model_dump(mode="json"))
    session.add(action)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=city.id, action="action.create", object_type="action",
        object_id=action.id, summary=f"action {data.title!r} added ({data.sector.value})",
    )
    return action


async def get_action(session: AsyncSession, city_id: uuid.UUID, action_id: uuid.UUID) -> PlanAction:
    action = await session.get(PlanAction, action_id)
    if action is None or action.city_id != city_id:
        raise NotFound(f"City {city_id} has no action {action_id}.")
    return action


async def update_action(session: AsyncSession, *, action: PlanAction, data: ActionUpdate, actor: User) -> PlanAction:
    changes = data.model_dump(mode="json", exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise Unprocessable(f"{name} cannot be removed.", loc=["body", name])
        setattr(action, name, value)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=action.city_id, action="action.update", object_type="action",
        object_id=action.id, summary=f"action updated: {', '.join(sorted(changes)) or 'nothing'}",
    )
    return action


async def list_actions(session: AsyncSession, *, city_id: uuid.UUID, params: PageParams) -> tuple[list[PlanAction], str | None]:
    stmt = select(PlanAction).where(PlanAction.city_id == city_id)
    return await paginate(session, stmt, params, keys=[PlanAction.id], key_of=lambda a: [a.id])


# Inventories -----------------------------------------------------------------------------------

def _sector_values(sectors: SectorEmissions) -> dict[str, float]:
    values = sectors.model_dump()
    return values | {"total_tco2e": round(sum(values.values()), 6)}


def inventory_read(row: CityInventory) -> InventoryRead:
    sectors = SectorEmissions(**{sector.value: getattr(row, sector.value) for sector in GpcSector})
    return InventoryRead(
        year=row.year, sectors=sectors, total_tco2e=row.total_tco2e, reason=row.reason,
        created_at=row.created_at, superseded_at=row.superseded_at,
    )


async def _current_inventory(session: AsyncSession, city_id: uuid.UUID, year: int) -> CityInventory | None:
    stmt = select(CityInventory).where(
        CityInventory.city_id == city_id, CityInventory.year == year, CityInventory.superseded_at.is_(None)
    )
    return await session.scalar(stmt)


async def add_inventory(session: AsyncSession, *, city: City, data: InventoryCreate, actor: User) -> CityInventory:
    if await _current_inventory(session, city.id, data.year) is not None:
        raise Conflict(f"The {data.year} inventory exists already; replace it to correct it.")
    row = CityInventory(city_id=city.id, year=data.year, **_sector_values(data.sectors))
    session.add(row)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=city.id, action="inventory.create", object_type="inventory",
        object_id=row.id, summary=f"{data.year} inventory: {row.total_tco2e:,.0f} tCO2e",
    )
    await refresh_city_progress(session, city)
    return row


async def replace_inventory(
    session: AsyncSession, *, city: City, year: int, data: InventoryReplace, actor: User
) -> CityInventory:
    previous = await _current_inventory(session, city.id, year)
    if previous is None:
        raise NotFound(f"City {city.id} has no {year} inventory to replace.")
    previous.superseded_at = utcnow()
    await session.flush()
    row = CityInventory(city_id=city.id, year=year, reason=data.reason, **_sector_values(data.sectors))
    session.add(row)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=city.id, action="inventory.replace", object_type="inventory",
        object_id=row.id,
        summary=f"{year} inventory corrected from {previous.total_tco2e:,.0f} to {row.total_tco2e:,.0f} tCO2e: {data.reason}",
    )
    await refresh_city_progress(session, city)
    return row


async def list_inventories(session: AsyncSession, *, city_id: uuid.UUID, params: PageParams) -> tuple[list[CityInventory], str | None]:
    stmt = select(CityInventory).where(CityInventory.city_id == city_id, CityInventory.superseded_at.is_(None))
    return await paginate(session, stmt, params, keys=[CityInventory.year], key_of=lambda r: [r.year])


async def inventory_history(session: AsyncSession, *, city_id: uuid.UUID, year: int, params: PageParams) -> tuple[list[CityInventory], str | None]:
    stmt = select(CityInventory).where(CityInventory.city_id == city_id, CityInventory.year == year)
    return await paginate(session, stmt, params, keys=[CityInventory.id], key_of=lambda r: [r.id])


# Progress --------------------------------------------------------------------------------------

# A city, and its progress, as the public reads them (see app/common/reads.py) -----------------

CITY_COLUMNS = (
    City.id, City.name, City.country_code, City.subdivision_code, City.population, City.latitude, City.longitude,
    City.boundary, City.radius_km, City.created_at, City.updated_at,
)
_CITY_BY_ID = select(*CITY_COLUMNS, City.version).where(City.id == bindparam("city_id"))


def city_read(city: City | Row) -> CityRead:
    values = city if isinstance(city, Mapping) else {c.key: getattr(city, c.key) for c in CITY_COLUMNS}
    effective = None if values["boundary"] else values["radius_km"] or radius_from_population(values["population"])
    return CityRead.model_validate({**values, "effective_radius_km": effective})


async def read_city(reader: Reader, city_id: uuid.UUID) -> tuple[CityRead, int]:
    """The city as the API shows it, and its version, in one query."""
    row = await reader.first(_CITY_BY_ID, city_id=city_id)
    if row is None:
        raise NotFound(f"No city has the id {city_id}.")
    return city_read(row), row["version"]


_project_count, _verified_reductions = figures.city_columns(bindparam("city_id"))
_PROGRESS = (
    select(
        CityProgress.latest_year, CityProgress.latest_tco2e, CityPlan.status, CityPlan.baseline_year,
        CityPlan.baseline_emissions_tco2e, CityPlan.targets, _project_count.label("project_count"),
        _verified_reductions.label("verified"),
    )
    .outerjoin(CityPlan, CityPlan.city_id == CityProgress.city_id)
    .where(CityProgress.city_id == bindparam("city_id"))
)


async def city_progress(reader: Reader, *, city_id: uuid.UUID) -> Progress:
    """One query: the progress row (latest inventory), the plan and the project figures."""
    row = await reader.first(_PROGRESS, city_id=city_id)
    if row is None:
        raise NotFound(f"No city has the id {city_id}.")
    latest = (row["latest_year"], row["latest_tco2e"]) if row["latest_year"] is not None else None
    projects = {"project_count": row["project_count"], "verified_corporate_reductions_tco2e": float(row["verified"])}
    if row["status"] != PlanStatus.PUBLISHED:
        return Progress(
            baseline_year=None, baseline_emissions_tco2e=None,
            latest_year=latest[0] if latest else None, latest_emissions_tco2e=latest[1] if latest else None,
            reduction_pct_to_date=None, next_target=None, trajectory=[], on_track=None, **projects,
        )
    result = progress_math.plan_progress(
        row["baseline_year"], row["baseline_emissions_tco2e"], targets_from(row["targets"]), [latest] if latest else []
    )
    next_target = result.next_target
    return Progress(
        baseline_year=row["baseline_year"],
        baseline_emissions_tco2e=row["baseline_emissions_tco2e"],
        latest_year=result.latest[0] if result.latest else None,
        latest_emissions_tco2e=result.latest[1] if result.latest else None,
        reduction_pct_to_date=result.reduction_pct_to_date,
        next_target=Target(year=next_target.year, reduction_pct=next_target.reduction_pct, kind=next_target.kind)
        if next_target else None,
        trajectory=[TrajectoryPoint(year=y, emissions_tco2e=e) for y, e in result.trajectory],
        on_track=result.on_track,
        **projects,
    )


# Co-located companies --------------------------------------------------------------------------

async def colocated_companies(
    session: AsyncSession, *, city_id: uuid.UUID, params: PageParams
) -> tuple[list[ColocatedCompany], str | None]:
    facility_count = (
        select(func.count())
        .where(FacilityCity.city_id == city_id, FacilityCity.company_id == Company.id)
        .scalar_subquery()
    )
    located = select(FacilityCity.company_id).where(FacilityCity.city_id == city_id)
    participating = exists().where(
        Participant.company_id == Company.id, Participant.status == ParticipantStatus.ACCEPTED,
        Project.id == Participant.project_id, Project.city_id == city_id,
    )
    stmt = select(
        Company.id, Company.name, facility_count.label("facility_count"),
        climate_active_clause().label("climate_active"),
        participating.label("participating"),
    ).where(Company.id.in_(located))
    rows, cursor = await paginate(
        session, stmt, params, keys=[Company.name, Company.id], key_of=lambda r: [r[1], r[0]], scalars=False
    )
    items = [
        ColocatedCompany(company_id=r[0], name=r[1], facility_count=r[2], climate_active=bool(r[3]), participating=bool(r[4]))
        for r in rows
    ]
    return items, cursor

