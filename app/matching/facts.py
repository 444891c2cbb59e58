"""Reading the facts the matching score needs: the co-location index joined to the companies' rollup rows.

A city of 5,000 firms asks for its 50 best (firm, action) pairs. The database works out an upper
bound of each firm's best pair and hands the firms over best bound first; the scoring works out
each firm's exact best pair as they come, and the reading stops at the first firm whose bound falls
below the pairs already in hand: neither it nor any firm after it can place.
"""

import heapq
import uuid
from dataclasses import replace
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement, Float, FromClause, Integer, Select, String, Table, and_, bindparam, case, cast, func, select, type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.companies.models import CompanyRollup, FacilityCity, SbtiStatus
from app.matching import scoring

FACILITY_CITY: Table = FacilityCity.__table__  # type: ignore[assignment]
ROLLUP: Table = CompanyRollup.__table__  # type: ignore[assignment]
# Firms read per query; most cities are done after the first.
BATCH = 512
# Scores are ranked rounded to 4 places; the bound is compared with room for that and for float error.
MARGIN = 2e-4


def facts_columns(here: FromClause) -> dict[str, ColumnElement[Any]]:
    """The columns of `CompanyFacts` for the (city, company, facilities) rows of `here`, joined to
    the companies' rollup rows (see app/companies/rollup.py)."""
    return {
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


def located(**where: Any) -> FromClause:
    """Each (city, company) pair of the co-location index that matches `where`, with its facility count."""
    stmt = select(FACILITY_CITY.c.city_id, FACILITY_CITY.c.company_id, func.count().label("facilities"))
    stmt = stmt.where(*(FACILITY_CITY.c[column] == value for column, value in where.items()))
    return stmt.group_by(FACILITY_CITY.c.city_id, FACILITY_CITY.c.company_id).subquery()


def fit_parameters(actions: list[scoring.ActionFacts]) -> dict[str, float]:
    """The values of `upper_bound`'s parameters for the actions: the best fit of each sector."""
    return {f"fit_{sector}": fit for sector, fit in scoring.best_fits(actions).items()}


def upper_bound(facts: FromClause) -> ColumnElement[float]:
    """No less than the score of each firm's best pair with some actions, in SQL; the actions' best
    fits are parameters (see `fit_parameters`).

    Sector fit and climate activity take the values the scoring gives for each sector and each set
    of facts; materiality is worked out as the scoring works it out; co-location and target
    alignment count at their most, 1. tests/matching/test_facts.py holds it to the scoring.
    """
    c = facts.c
    fits = {sector: bindparam(f"fit_{sector}", type_=Float) for sector in scoring.ISIC_SECTIONS}
    fit = case(fits, value=c.sector, else_=scoring.WEIGHTS["sector_fit"])
    activity = [
        (and_(c.climate_active, c.has_target == target, c.sbti_status == sbti.value, c.verified_report == verified),
         scoring.climate_activity_value(True, target, sbti.value, verified))
        for target in (False, True) for sbti in SbtiStatus for verified in (False, True)
    ]
    inactive = scoring.climate_activity_value(False, False, SbtiStatus.NONE.value, False)
    share = c.city_emissions_tco2e / c.total / scoring.MATERIAL_SHARE
    materiality = case((and_(c.city_emissions_tco2e > 0, c.total > 0), case((share < 1, share), else_=1.0)), else_=0.0)
    return (
        fit
        + scoring.WEIGHTS["co_location"]
        + scoring.WEIGHTS["emissions_materiality"] * materiality
        + scoring.WEIGHTS["climate_activity"] * case((~c.climate_active, inactive), *activity, else_=1.0)
        + scoring.WEIGHTS["target_alignment"]
    )


@cache
def _by_bound() -> Select[Any]:
    """The firms of the city bound to `city_id`, best bound first, `start` and `batch` at a time: the
    city's corporate total, the bound, then `CompanyFacts`. Built once: a request should not pay
    for building it."""
    here = located(city_id=bindparam("city_id"))
    columns = facts_columns(here)
    facts = (
        select(*(columns[name].label(name) for name in scoring.CompanyFacts._fields),
               func.sum(columns["city_emissions_tco2e"]).over().label("total"))
        # Every company has its row from its registration on.
        .join(ROLLUP, ROLLUP.c.company_id == here.c.company_id)
        .subquery()
    )
    bound = upper_bound(facts)
    fields = [facts.c[name] for name in scoring.CompanyFacts._fields]
    # The id settles ties, so that the batches of one reading neither skip nor repeat a firm.
    return (
        select(facts.c.total, bound.label("bound"), *fields).order_by(bound.desc(), facts.c.company_id)
        .offset(bindparam("start", type_=Integer)).limit(bindparam("batch", type_=Integer))
    )


async def company_in_cities(session: AsyncSession, company_id: uuid.UUID) -> dict[uuid.UUID, scoring.CompanyFacts]:
    """The company as seen from each city it stands in: one query."""
    here = located(company_id=company_id)
    columns = facts_columns(here)
    stmt = (
        select(here.c.city_id, *(columns[name].label(name) for name in scoring.CompanyFacts._fields))
        .join(ROLLUP, ROLLUP.c.company_id == here.c.company_id)
    )
    rows = (await (await session.connection()).execute(stmt)).all()
    return {row[0]: scoring.CompanyFacts._make(row[1:]) for row in rows}


async def city_candidates(
    session: AsyncSession, city: scoring.CityFacts, actions: list[scoring.ActionFacts], wanted: int,
) -> tuple[scoring.CityFacts, list[scoring.CompanyFacts]]:
    """The city with the corporate emissions reported there, and the firms that can have a pair
    among the `wanted` best with the actions: the ranking needs no other."""
    connection = await session.connection()
    fits = scoring.best_fits(actions)
    parameters = {"city_id": city.city_id, "batch": BATCH} | fit_parameters(actions)
    companies: list[scoring.CompanyFacts] = []
    best: list[float] = []  # a min-heap of the scores of the `wanted` best pairs so far
    start = 0
    while True:
        rows = (await connection.execute(_by_bound(), parameters | {"start": start})).all()
        if start == 0 and rows:
            city = replace(city, corporate_emissions_tco2e=rows[0].total or 0.0)
        for row in rows:
            if len(best) == wanted and row.bound < best[0] - MARGIN:
                return city, companies
            company = scoring.CompanyFacts._make(row[2:])
            score = scoring.best_pair_score(company, city, fits)
            if len(best) < wanted:
                heapq.heappush(best, score)
            elif score > best[0]:
                heapq.heapreplace(best, score)
            companies.append(company)
        if len(rows) < BATCH:
            return city, companies
        start += BATCH
