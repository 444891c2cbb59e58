"""Companies, facilities and commitments."""

import uuid
from collections import defaultdict

from sqlalchemy import ColumnElement, bindparam, exists, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.badges.service import reconcile_badges
from app.cities.geometry import cell_of
from app.common.pagination import PageParams, paginate
from app.common.reads import Reader
from app.companies import colocation
from app.companies.models import Commitment, Company, Facility, FacilityCity, latest_target_year
from app.companies.rollup import refresh_company_rollup
from app.companies.schemas import (
    CommitmentRead, CommitmentWrite, CompanyCreate, CompanyRead, CompanyUpdate, FacilityCreate, FacilityRead,
)
from app.errors import Conflict, NotFound, Unprocessable
from app.identity import audit
from app.identity.models import Organization, OrgKind, User
from app.identity.service import create_organization
from app.reports.models import EmissionsReport


def climate_active_clause() -> ColumnElement[bool]:
    """True for a company with a target (or a net-zero year) or a submitted report."""
    # Aliased, so that it correlates with the company only, also in queries that join commitments.
    commitment = aliased(Commitment)
    reasons = union_all(
        select(commitment.company_id).where(commitment.company_id == Company.id, commitment.has_target),
        # Every stored report is a submitted one: reports have no drafts.
        select(EmissionsReport.company_id).where(EmissionsReport.company_id == Company.id),
    )
    return exists(reasons)


async def get_company(session: AsyncSession, company_id: uuid.UUID) -> Company:
    company = await session.get(Company, company_id)
    if company is None:
        raise NotFound(f"No company has the id {company_id}.")
    return company


async def company_read(session: AsyncSession, company: Company) -> CompanyRead:
    active = await session.scalar(select(climate_active_clause()).where(Company.id == company.id))
    return CompanyRead(**_company_fields(company), climate_active=bool(active))


_COMPANY_BY_ID = select(
    Company.id, Company.name, Company.lei, Company.sector, Company.country_code, Company.created_at,
    Company.updated_at, Company.version, climate_active_clause().label("climate_active"),
).where(Company.id == bindparam("company_id"))


async def read_company(reader: Reader, company_id: uuid.UUID) -> tuple[CompanyRead, int]:
    """The company as the API shows it, and its version, in one query."""
    row = await reader.first(_COMPANY_BY_ID, company_id=company_id)
    if row is None:
        raise NotFound(f"No company has the id {company_id}.")
    return CompanyRead.model_validate(row), row["version"]


def _company_fields(company: Company) -> dict[str, object]:
    return {
        "id": company.id, "name": company.name, "lei": company.lei, "sector": company.sector,
        "country_code": company.country_code, "created_at": company.created_at, "updated_at": company.updated_at,
    }


async def _lei_taken(session: AsyncSession, lei: str, company_id: uuid.UUID | None = None) -> bool:
    stmt = select(Company.id).where(Company.lei == lei)
    if company_id is not None:
        stmt = stmt.where(Company.id != company_id)
    return await session.scalar(stmt) is not None


async def create_company(session: AsyncSession, *, data: CompanyCreate, actor: User) -> Company:
    if data.lei and await _lei_taken(session, data.lei):
        raise Conflict(f"A company with the LEI {data.lei} is registered already.")
    organization = await create_organization(session, kind=OrgKind.COMPANY, name=data.name, creator=actor)
    company = Company(id=organization.id, **data.model_dump(mode="json"))
    session.add(company)
    await session.flush()
    await refresh_company_rollup(session, [company.id])
    return company


async def update_company(session: AsyncSession, *, company: Company, data: CompanyUpdate, actor: User) -> Company:
    changes = data.model_dump(mode="json", exclude_unset=True)
    for name in ("name", "sector", "country_code"):
        if name in changes and changes[name] is None:
            raise Unprocessable(f"{name} cannot be removed.", loc=["body", name])
    if changes.get("lei") and await _lei_taken(session, changes["lei"], company.id):
        raise Conflict(f"A company with the LEI {changes['lei']} is registered already.")
    before = {name: getattr(company, name) for name in changes}
    for name, value in changes.items():
        setattr(company, name, value)
    if "name" in changes:
        await session.execute(update(Organization).where(Organization.id == company.id).values(name=company.name))
    await session.flush()
    if {"name", "sector"} & changes.keys():
        await refresh_company_rollup(session, [company.id])
    audit.record(
        session, actor_id=actor.id, organization_id=company.id, action="company.update", object_type="company",
        object_id=company.id, summary=f"company updated: {', '.join(sorted(changes)) or 'nothing'}",
        changes={k: [str(before[k]) if before[k] is not None else None, v] for k, v in changes.items()},
    )
    return company


async def list_companies(
    session: AsyncSession, *, params: PageParams, sector: str | None = None, country_code: str | None = None,
    city_id: uuid.UUID | None = None, q: str | None = None,
) -> tuple[list[CompanyRead], str | None]:
    stmt = select(Company, climate_active_clause().label("climate_active"))
    if sector:
        stmt = stmt.where(Company.sector == sector)
    if country_code:
        stmt = stmt.where(Company.country_code == country_code.upper())
    if city_id:
        stmt = stmt.where(Company.id.in_(select(FacilityCity.company_id).where(FacilityCity.city_id == city_id)))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Company.name.ilike(f"%{escaped}%", escape="\\"))
    rows, cursor = await paginate(
        session, stmt, params, keys=[Company.name, Company.id], key_of=lambda r: [r[0].name, r[0].id], scalars=False
    )
    return [CompanyRead(**_company_fields(c), climate_active=bool(active)) for c, active in rows], cursor


# Facilities ------------------------------------------------------------------------------------

async def create_facility(session: AsyncSession, *, company: Company, data: FacilityCreate, actor: User) -> FacilityRead:
    facility = Facility(company_id=company.id, cell=cell_of(data.latitude, data.longitude), **data.model_dump())
    session.add(facility)
    await session.flush()
    city_ids = await colocation.resolve_facility(session, facility)
    await refresh_company_rollup(session, [company.id])
    audit.record(
        session, actor_id=actor.id, organization_id=company.id, action="facility.create", object_type="facility",
        object_id=facility.id, summary=f"facility {data.name!r} added, inside {len(city_ids)} city area(s)",
    )
    return facility_read(facility, city_ids)


def facility_read(facility: Facility, city_ids: list[uuid.UUID]) -> FacilityRead:
    return FacilityRead(
        id=facility.id, company_id=facility.company_id, name=facility.name, latitude=facility.latitude,
        longitude=facility.longitude, address=facility.address, city_ids=sorted(city_ids), created_at=facility.created_at,
    )


async def list_facilities(
    session: AsyncSession, *, company_id: uuid.UUID, params: PageParams
) -> tuple[list[FacilityRead], str | None]:
    stmt = select(Facility).where(Facility.company_id == company_id)
    facilities, cursor = await paginate(session, stmt, params, keys=[Facility.id], key_of=lambda f: [f.id])
    cities: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if facilities:
        links = await session.execute(
            select(FacilityCity.facility_id, FacilityCity.city_id).where(
                FacilityCity.facility_id.in_([f.id for f in facilities])
            )
        )
        for facility_id, city_id in links:
            cities[facility_id].append(city_id)
    return [facility_read(f, cities[f.id]) for f in facilities], cursor


# Commitments -----------------------------------------------------------------------------------

async def get_commitment(session: AsyncSession, company_id: uuid.UUID) -> CommitmentRead:
    commitment = await session.get(Commitment, company_id)
    if commitment is None:
        return CommitmentRead(company_id=company_id, targets=[], net_zero_year=None, sbti_status="none")
    return CommitmentRead.model_validate(commitment)


async def put_commitment(session: AsyncSession, *, company: Company, data: CommitmentWrite, actor: User) -> CommitmentRead:
    values = data.model_dump(mode="json")
    values["has_target"] = bool(data.targets) or data.net_zero_year is not None
    values["target_year"] = latest_target_year(values["targets"], data.net_zero_year)
    commitment = await session.get(Commitment, company.id)
    if commitment is None:
        commitment = Commitment(company_id=company.id, **values)
        session.add(commitment)
    else:
        for name, value in values.items():
            setattr(commitment, name, value)
    await session.flush()
    audit.record(
        session, actor_id=actor.id, organization_id=company.id, action="commitment.update", object_type="commitment",
        object_id=company.id,
        summary=f"{len(data.targets)} target(s), net zero {data.net_zero_year or 'not set'}, SBTi {data.sbti_status.value}",
    )
    await refresh_company_rollup(session, [company.id])
    await reconcile_badges(session, company_id=company.id, reason="The company changed its commitments.")
    return CommitmentRead.model_validate(commitment)
