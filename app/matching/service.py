"""Gathering the facts the matching score needs, from indexes, and ranking the pairs."""

import json
import math
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, Row, Select, String, Table, Text, cast, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City, CityPlan, PlanAction, PlanStatus
from app.common.pagination import PageParams, decode_offset, encode_offset
from app.companies.models import CompanyRollup, FacilityCity
from app.errors import NotFound
from app.matching import scoring
from app.matching.schemas import MatchRead, ReasonRead

FACILITY_CITY: Table = FacilityCity.__table__  # type: ignore[assignment]
ROLLUP: Table = CompanyRollup.__table__  # type: ignore[assignment]


def _facts_of(located: Select[Any]) -> Select[Any]:
    """The facts of each (city, company) pair of `located`, as seen from that city: the city, then
    the columns of `CompanyFacts` in order. The pairs' facility counts come from the co-location
    index, the rest from the companies' rollup rows (see app/companies/rollup.py): one join."""
    here = located.group_by(FACILITY_CITY.c.city_id, FACILITY_CITY.c.company_id).subquery()
    columns = {
        "company_id": here.c.company_id,
        "name": ROLLUP.c.name,
        # Enums as their stored strings: thousands of rows a request, read once.
        "sector": type_coerce(ROLLUP.c.sector, String),
        "facility_count": here.c.facilities,
        # Without a per-facility breakdown, a firm's emissions are shared among its facilities.
        "city_emissions_tco2e": ROLLUP.c.reported_tco2e * here.c.facilities
        / cast(func.coalesce(func.nullif(ROLLUP.c.facility_count, 0), here.c.facilities), Float),
        "has_target": ROLLUP.c.has_target,
        "target_year": ROLLUP.c.target_year,
        "sbti_status": type_coerce(ROLLUP.c.sbti_status, String),
        "verified_report": ROLLUP.c.verified_report,
        "climate_active": ROLLUP.c.climate_active,
    }
    # Every company has its row from its registration on.
    return select(here.c.city_id, *(columns[name].label(name) for name in scoring.CompanyFacts._fields)).join(
        ROLLUP, ROLLUP.c.company_id == here.c.company_id
    )


def _located(**where: uuid.UUID) -> Select[Any]:
    stmt = select(FACILITY_CITY.c.city_id, FACILITY_CITY.c.company_id, func.count().label("facilities"))
    return stmt.where(*(FACILITY_CITY.c[column] == value for column, value in where.items()))


async def _rows(session: AsyncSession, stmt: Select[Any]) -> Sequence[Row[Any]]:
    """Plain Core rows, without the ORM's loading: thousands a request, read once."""
    return (await (await session.connection()).execute(stmt)).all()


async def _companies_in(session: AsyncSession, city_id: uuid.UUID) -> list[scoring.CompanyFacts]:
    """The companies co-located with the city, as seen from it: one query."""
    return [scoring.CompanyFacts._make(row[1:]) for row in await _rows(session, _facts_of(_located(city_id=city_id)))]


async def _cities_of(session: AsyncSession, company_id: uuid.UUID) -> dict[uuid.UUID, scoring.CompanyFacts]:
    """The company as seen from each city it stands in: one query."""
    return {row[0]: scoring.CompanyFacts._make(row[1:]) for row in await _rows(session, _facts_of(_located(company_id=company_id)))}


async def _actions(session: AsyncSession, cities: Any, action_id: uuid.UUID | None = None) -> list[scoring.ActionFacts]:
    """The actions of published plans only: drafts are not shown to firms."""
    stmt = (
        select(PlanAction.id, PlanAction.city_id, PlanAction.title, type_coerce(PlanAction.sector, String),
               cast(PlanAction.partner_sectors, Text))
        .join(CityPlan, CityPlan.city_id == PlanAction.city_id)
        .where(PlanAction.city_id.in_(cities), CityPlan.status == PlanStatus.PUBLISHED)
    )
    if action_id is not None:
        stmt = stmt.where(PlanAction.id == action_id)
    return [
        scoring.ActionFacts(action, city_id, title, sector, _sectors(partners))
        for action, city_id, title, sector, partners in await _rows(session, stmt)
    ]


@lru_cache(maxsize=4096)
def _sectors(listed: str) -> frozenset[str]:
    """A JSON list of sectors, read once per spelling: the same few lists recur over thousands of actions."""
    return frozenset(json.loads(listed))


async def _cities(session: AsyncSession, cities: Any, corporate: dict[uuid.UUID, float]) -> dict[uuid.UUID, scoring.CityFacts]:
    """The cities' facts, given the emissions the firms matched there report in each."""
    rows = await _rows(
        session, select(City.id, City.name, CityPlan.targets).outerjoin(CityPlan, CityPlan.city_id == City.id).where(City.id.in_(cities))
    )
    return {
        city_id: scoring.CityFacts(city_id, name, max((t["year"] for t in targets or []), default=None), corporate.get(city_id, 0.0))
        for city_id, name, targets in rows
    }


def _read(match: scoring.Match, cities: dict[uuid.UUID, scoring.CityFacts]) -> MatchRead:
    # Built from values this module computed: no validation needed.
    return MatchRead.model_construct(
        company_id=match.company.company_id, company_name=match.company.name, city_id=match.action.city_id,
        city_name=cities[match.action.city_id].name, action_id=match.action.action_id, action_title=match.action.title,
        score=match.score, climate_active=match.company.climate_active,
        reasons=[ReasonRead.model_construct(factor=r.factor, detail=r.detail, weight=r.weight, value=r.value)
                 for r in match.reasons],
    )


def _page(ranked: list[scoring.Match], cities: dict[uuid.UUID, scoring.CityFacts], offset: int, limit: int) -> tuple[list[MatchRead], str | None]:
    """A page from the `limit` + 1 best pairs after `offset`: the one more says whether a next page exists."""
    return [_read(m, cities) for m in ranked[:limit]], encode_offset(offset + limit) if len(ranked) > limit else None


async def city_matches(session: AsyncSession, *, city_id: uuid.UUID, params: PageParams, action_id: uuid.UUID | None = None) -> tuple[list[MatchRead], str | None]:
    actions = await _actions(session, [city_id], action_id)
    if action_id is not None and not actions:
        raise NotFound(f"City {city_id} has no published action {action_id}.")
    companies = await _companies_in(session, city_id)
    # fsum: the same total whatever order the rows come in.
    corporate = math.fsum(company.city_emissions_tco2e or 0.0 for company in companies)
    cities = await _cities(session, [city_id], {city_id: corporate})
    offset = decode_offset(params.cursor)
    ranked = scoring.rank(companies, actions, cities, params.limit + 1, offset)
    return _page(ranked, cities, offset, params.limit)


async def company_matches(session: AsyncSession, *, company_id: uuid.UUID, params: PageParams) -> tuple[list[MatchRead], str | None]:
    offset = decode_offset(params.cursor)
    seen_from = await _cities_of(session, company_id)
    if not seen_from:
        return [], None
    # The cities it stands in, as a subquery: one plan, however many they are.
    located = select(FACILITY_CITY.c.city_id).where(FACILITY_CITY.c.company_id == company_id)
    actions = await _actions(session, located)
    # Each city's total counts this company's emissions only, as it always has on this side: the
    # other firms' are not read, and materiality reads as the company's share of itself.
    corporate = {city_id: company.city_emissions_tco2e or 0.0 for city_id, company in seen_from.items()}
    cities = await _cities(session, located, corporate)
    ranked = scoring.rank_actions(seen_from, actions, cities, params.limit + 1, offset)
    return _page(ranked, cities, offset, params.limit)
