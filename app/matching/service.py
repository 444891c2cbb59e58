"""Matches for a city or a company: the actions and cities, the firms read by facts.py, ranked and paged."""

import json
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, Select, String, Text, bindparam, cast, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City, CityPlan, PlanAction, PlanStatus
from app.common import driver
from app.common.answers import Kept
from app.common.pagination import PageParams, decode_offset, encode_offset
from app.companies.models import CityCompany
from app.errors import NotFound
from app.matching import facts, scoring
from app.matching.schemas import MatchRead


# The whole answers of `GET /cities/{id}/matches` each worker keeps (app/common/answers.py): a page of
# 50 is about 60 kB. The database says which cities' answers changed (alembic revision 0014): every
# statement that writes a city, its plan, its actions or its (city, company) pair rows.
MATCHES = Kept("citypact_city_matches", size=256)


async def _rows(session: AsyncSession, stmt: Select[Any]) -> Sequence[Row[Any]]:
    """Plain Core rows, without the ORM's loading: thousands a request, read once."""
    return (await (await session.connection()).execute(stmt)).all()


def _published_actions(*where: Any) -> Select[Any]:
    """The actions of published plans only: drafts are not shown to firms."""
    return (
        select(PlanAction.id, PlanAction.city_id, PlanAction.title, type_coerce(PlanAction.sector, String),
               cast(PlanAction.partner_sectors, Text))
        .join(CityPlan, CityPlan.city_id == PlanAction.city_id)
        .where(CityPlan.status == PlanStatus.PUBLISHED, *where)
    )


def _action_facts(rows: Sequence[Sequence[Any]]) -> list[scoring.ActionFacts]:
    return [
        scoring.ActionFacts(action, city_id, title, sector, _sectors(partners))
        for action, city_id, title, sector, partners in rows
    ]


@lru_cache(maxsize=4096)
def _sectors(listed: str) -> frozenset[str]:
    """A JSON list of sectors, read once per spelling: the same few lists recur over thousands of actions."""
    return frozenset(json.loads(listed))


def _cities_facts(*where: Any) -> Select[Any]:
    """Each city's id, name and plan targets (as JSON text)."""
    return select(City.id, City.name, cast(CityPlan.targets, Text)).outerjoin(CityPlan, CityPlan.city_id == City.id).where(*where)


def _city_facts(city_id: uuid.UUID, name: str, targets: str | None, corporate: float) -> scoring.CityFacts:
    years = [target["year"] for target in json.loads(targets)] if targets else []
    return scoring.CityFacts(city_id, name, max(years, default=None), corporate)


async def _cities(session: AsyncSession, cities: Any, corporate: dict[uuid.UUID, float]) -> dict[uuid.UUID, scoring.CityFacts]:
    """The cities' facts, given the emissions the firms matched there report in each."""
    rows = await _rows(session, _cities_facts(City.id.in_(cities)))
    return {city_id: _city_facts(city_id, name, targets, corporate.get(city_id, 0.0)) for city_id, name, targets in rows}


# Validated in one call, from plain values: far cheaper than building the models one by one.
_MATCHES = TypeAdapter(list[MatchRead])


def _read(match: scoring.Match, cities: dict[uuid.UUID, scoring.CityFacts]) -> dict[str, Any]:
    return {
        "company_id": match.company.company_id, "company_name": match.company.name, "city_id": match.action.city_id,
        "city_name": cities[match.action.city_id].name, "action_id": match.action.action_id,
        "action_title": match.action.title, "score": match.score, "climate_active": match.company.climate_active,
        "reasons": [{"factor": r.factor, "detail": r.detail, "weight": r.weight, "value": r.value} for r in match.reasons],
    }


def _page(ranked: list[scoring.Match], cities: dict[uuid.UUID, scoring.CityFacts], offset: int, limit: int) -> tuple[list[MatchRead], str | None]:
    """A page from the `limit` + 1 best pairs after `offset`: the one more says whether a next page exists."""
    items = _MATCHES.validate_python([_read(m, cities) for m in ranked[:limit]])
    return items, encode_offset(offset + limit) if len(ranked) > limit else None


# A city's facts and its published actions, for its matches: built once, run on the driver.
_CITY = _cities_facts(City.id == bindparam("city_id", type_=City.id.type))
_CITY_ACTIONS = _published_actions(PlanAction.city_id == bindparam("city_id", type_=PlanAction.city_id.type))
_CITY_ACTION = _CITY_ACTIONS.where(PlanAction.id == bindparam("action_id", type_=PlanAction.id.type))


async def city_facts(session: AsyncSession, city_id: uuid.UUID) -> scoring.CityFacts:
    """The city as its matches see it: its name and its plan's last target year."""
    found = await driver.first(session, _CITY, {"city_id": city_id})
    if found is None:
        raise NotFound(f"No city has the id {city_id}.")
    return _city_facts(city_id, found[1], found[2], 0.0)


async def city_actions(session: AsyncSession, city_id: uuid.UUID, action_id: uuid.UUID | None = None) -> list[scoring.ActionFacts]:
    """The city's published actions, or the one of them asked for."""
    if action_id is None:
        return _action_facts(await driver.rows(session, _CITY_ACTIONS, {"city_id": city_id}))
    return _action_facts(await driver.rows(session, _CITY_ACTION, {"city_id": city_id, "action_id": action_id}))


async def city_matches(
    session: AsyncSession, *, city: scoring.CityFacts, params: PageParams, action_id: uuid.UUID | None = None,
) -> tuple[list[MatchRead], str | None]:
    actions = await city_actions(session, city.city_id, action_id)
    if action_id is not None and not actions:
        raise NotFound(f"City {city.city_id} has no published action {action_id}.")
    offset = decode_offset(params.cursor)
    if not actions:
        return [], None
    # Only the firms that can have a pair on this page or before it are read.
    city, companies = await facts.city_candidates(session, city, actions, offset + params.limit + 1)
    cities = {city.city_id: city}
    ranked = scoring.rank(companies, actions, cities, params.limit + 1, offset)
    return _page(ranked, cities, offset, params.limit)


async def company_matches(session: AsyncSession, *, company_id: uuid.UUID, params: PageParams) -> tuple[list[MatchRead], str | None]:
    offset = decode_offset(params.cursor)
    seen_from = await facts.company_in_cities(session, company_id)
    if not seen_from:
        return [], None
    # The cities it stands in, as a subquery: one plan, however many they are.
    located = select(CityCompany.city_id).where(CityCompany.company_id == company_id)
    actions = _action_facts(await _rows(session, _published_actions(PlanAction.city_id.in_(located))))
    # Each city's total counts this company's emissions only, as it always has on this side: the
    # other firms' are not read, and materiality reads as the company's share of itself.
    corporate = {city_id: company.city_emissions_tco2e or 0.0 for city_id, company in seen_from.items()}
    # Only the cities with a published plan have actions to pair with.
    published = select(CityPlan.city_id).where(CityPlan.city_id.in_(located), CityPlan.status == PlanStatus.PUBLISHED)
    cities = await _cities(session, published, corporate)
    ranked = scoring.rank_actions(seen_from, actions, cities, params.limit + 1, offset)
    return _page(ranked, cities, offset, params.limit)
