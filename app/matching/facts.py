"""Reading the facts the matching score needs: the (city, company) pair rows, which hold each
company's facilities in a city and a copy of its rollup facts (see app/companies/rollup.py).

A city of 5,000 firms asks for its 50 best (firm, action) pairs. The database works out the score
of each firm's best pair, as the scoring does, and hands the firms over best first; the scoring
works out each firm's best pair again as they come (its figures are the ones that count). The
database orders them as the ranking does: by score rounded as ranked, then by name (byte for byte,
as Python compares strings) and id. So the reading stops at the first firm that does not beat the
`wanted` best pairs in hand: neither it nor any firm after it can place.
"""

import heapq
import uuid
from dataclasses import replace
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement, Float, FromClause, Integer, Select, String, Table, and_, bindparam, case, cast, func, select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from app.common import driver
from app.companies.models import CityCompany, SbtiStatus
from app.matching import scoring

PAIRS: Table = CityCompany.__table__  # type: ignore[assignment]
# Firms read per query beyond those wanted; most cities are done after the first.
BATCH = 64

_pair = PAIRS.c
# The columns of `CompanyFacts` from a city's (city, company) pair rows (see app/companies/rollup.py).
FACTS: dict[str, ColumnElement[Any]] = {
    "company_id": _pair.company_id,
    "name": _pair.name,
    # Enums as their stored strings: thousands of rows a request, read once.
    "sector": type_coerce(_pair.sector, String),
    "facility_count": _pair.facilities,
    # Without a per-facility breakdown, a firm's emissions are shared among its facilities.
    "city_emissions_tco2e": _pair.reported_tco2e * _pair.facilities
    / cast(func.coalesce(func.nullif(_pair.facility_count, 0), _pair.facilities), Float),
    "has_target": _pair.has_target,
    "target_year": _pair.target_year,
    "sbti_status": type_coerce(_pair.sbti_status, String),
    "verified_report": _pair.verified_report,
    "climate_active": _pair.climate_active,
}


def best_pair_score(facts: FromClause) -> ColumnElement[float]:
    """The score of each firm's best pair with some actions, in SQL, as `scoring.best_pair_score`
    works it out before rounding; the actions' best fits and the city's target year are parameters
    (see `score_parameters`). tests/matching/test_facts.py holds it to the scoring.
    """
    c = facts.c
    fits = {sector: bindparam(f"fit_{sector}", type_=Float) for sector in scoring.ISIC_SECTIONS}
    fit = case(fits, value=c.sector, else_=0.0)
    reported = case((c.city_emissions_tco2e != 0, scoring.REPORTED_THERE), else_=0.0)
    co_location = _at_most_one(scoring.ONE_FACILITY + scoring.EACH_FURTHER_FACILITY * (c.facility_count - 1) + reported)
    share = c.city_emissions_tco2e / c.total / scoring.MATERIAL_SHARE
    materiality = case((and_(c.city_emissions_tco2e > 0, c.total > 0), _at_most_one(share)), else_=0.0)

    def activity_of_active(target: bool) -> ColumnElement[float]:
        # A firm's value, for each of its facts in turn: a few comparisons a row, not one per combination.
        by_sbti = {
            sbti.value: case((c.verified_report, scoring.climate_activity_value(True, target, sbti.value, True)),
                             else_=scoring.climate_activity_value(True, target, sbti.value, False))
            for sbti in SbtiStatus
        }
        return case(by_sbti, value=c.sbti_status, else_=1.0)

    activity = case(
        (~c.climate_active, scoring.climate_activity_value(False, False, SbtiStatus.NONE.value, False)),
        (c.has_target, activity_of_active(True)),
        else_=activity_of_active(False),
    )
    city_year = bindparam("city_target_year", type_=Integer)
    alignment = case(
        (c.target_year.is_(None), scoring.target_alignment_value(None, 2030)),
        (city_year.is_(None), scoring.target_alignment_value(2030, None)),
        (c.target_year <= city_year, scoring.target_alignment_value(2030, 2030)),
        else_=scoring.target_alignment_value(2031, 2030),
    )
    return (
        fit
        + scoring.WEIGHTS["co_location"] * co_location
        + scoring.WEIGHTS["emissions_materiality"] * materiality
        + scoring.WEIGHTS["climate_activity"] * activity
        + scoring.WEIGHTS["target_alignment"] * alignment
    )


class Bytewise(ColumnElement[str]):
    """A text column compared byte for byte (code point by code point), as Python compares strings:
    PostgreSQL's "C" collation; SQLite compares so already."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type


@compiles(Bytewise)
def _bytewise(element: Bytewise, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(Bytewise, "postgresql")
def _bytewise_postgresql(element: Bytewise, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


def _at_most_one(value: ColumnElement[float]) -> ColumnElement[float]:
    return case((value < 1, value), else_=1.0)


def score_parameters(actions: list[scoring.ActionFacts], city: scoring.CityFacts) -> dict[str, Any]:
    """The values of `best_pair_score`'s parameters: the best fit of each sector, the city's target year."""
    return {f"fit_{sector}": fit for sector, fit in scoring.best_fits(actions).items()} | {
        "city_target_year": city.target_year
    }


@cache
def _ranked() -> Select[Any]:
    """The firms of the city bound to `city_id`, in the ranking's order, `start` and `batch` at a
    time: the city's corporate total, then `CompanyFacts`. Built once: a request should not pay for
    building it."""
    facts = (
        select(*(FACTS[name].label(name) for name in scoring.CompanyFacts._fields),
               func.sum(FACTS["city_emissions_tco2e"]).over().label("total"))
        .where(_pair.city_id == bindparam("city_id"))
        .subquery()
    )
    # Rounded to 4 places as ranked, in floating point: as Python rounds, short of a score lying
    # within float error of a rounding boundary.
    score = func.round(best_pair_score(facts) * 10_000)
    fields = [facts.c[name] for name in scoring.CompanyFacts._fields]
    # The id settles ties of names, so that the batches of one reading neither skip nor repeat a firm.
    return (
        select(facts.c.total, *fields).order_by(score.desc(), Bytewise(facts.c.name), facts.c.company_id)
        .offset(bindparam("start", type_=Integer)).limit(bindparam("batch", type_=Integer))
    )


async def company_in_cities(session: AsyncSession, company_id: uuid.UUID) -> dict[uuid.UUID, scoring.CompanyFacts]:
    """The company as seen from each city it stands in: one query."""
    stmt = select(_pair.city_id, *(FACTS[name] for name in scoring.CompanyFacts._fields)).where(_pair.company_id == company_id)
    rows = (await (await session.connection()).execute(stmt)).all()
    return {row[0]: scoring.CompanyFacts._make(row[1:]) for row in rows}


async def city_candidates(
    session: AsyncSession, city: scoring.CityFacts, actions: list[scoring.ActionFacts], wanted: int,
) -> tuple[scoring.CityFacts, list[scoring.CompanyFacts]]:
    """The city with the corporate emissions reported there, and the firms that can have a pair
    among the `wanted` best with the actions: the ranking needs no other."""
    fits = scoring.best_fits(actions)
    batch = wanted + BATCH
    parameters = {"city_id": city.city_id, "batch": batch} | score_parameters(actions, city)
    companies: list[scoring.CompanyFacts] = []
    best: list[float] = []  # a min-heap of the scores of the `wanted` best pairs so far
    start = 0
    while True:
        rows = await driver.rows(session, _ranked(), parameters | {"start": start})
        if start == 0 and rows:
            city = replace(city, corporate_emissions_tco2e=rows[0][0] or 0.0)
        for row in rows:
            company = scoring.CompanyFacts._make(row[1:])
            score = scoring.best_pair_score(company, city, fits)
            if len(best) == wanted and score <= best[0]:
                # Every pair in hand is better, or as good and ahead by name and id.
                return city, companies
            if len(best) < wanted:
                heapq.heappush(best, score)
            elif score > best[0]:
                heapq.heapreplace(best, score)
            companies.append(company)
        if len(rows) < batch:
            return city, companies
        start += batch
