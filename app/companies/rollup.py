"""Keeping each company's rollup row in step with its name and sector, facilities, reports and commitment.

Each (city, company) pair of the co-location rows has its `city_company` row too: its facilities
there and a copy of the company's rollup facts. `refresh_company_rollup` brings the company's pairs
in step with the row; `refresh_city_pairs` a city's, when its area is drawn again.

Every write that changes one of those facts calls `refresh_company_rollup` in its own transaction,
after the change: registering or changing a company, adding a facility, setting a commitment,
submitting, importing, restating a report and deciding on one. The rows are recomputed from the
source tables, never incremented, so they are right whatever happened before.
"""

import uuid
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement, Executable, Select, Table, bindparam, delete, exists, false, func, insert, literal, or_, select, update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from app.common import driver
from app.companies.models import CityCompany, Commitment, Company, CompanyRollup, Facility, FacilityCity, SbtiStatus
from app.reports.models import EmissionsReport, ReportStatus, ReportVersion

ROLLUP: Table = CompanyRollup.__table__  # type: ignore[assignment]
PAIRS: Table = CityCompany.__table__  # type: ignore[assignment]
FACILITY_CITY: Table = FacilityCity.__table__  # type: ignore[assignment]
# The rollup facts each (city, company) pair copies.
COPIED = [
    "name", "sector", "facility_count", "reported_tco2e", "verified_report", "climate_active", "has_target", "target_year",
    "sbti_status",
]
PAIR_COLUMNS = ["city_id", "company_id", "facilities", *COPIED]
# Ids per statement, well below SQLite's limit on bound parameters.
CHUNK = 1_000


def recomputed(company_id: ColumnElement[uuid.UUID]) -> dict[str, Any]:
    """Each rollup column as a subquery correlated with `company_id`: what it should hold now."""
    company = aliased(Company)
    latest = (
        select(ReportVersion.content["scope1_tco2e"].as_float() + ReportVersion.content["scope2_location_tco2e"].as_float())
        .join(EmissionsReport, (EmissionsReport.id == ReportVersion.report_id)
              & (EmissionsReport.current_version == ReportVersion.version))
        .where(EmissionsReport.company_id == company_id)
        .order_by(EmissionsReport.reporting_year.desc())
        .limit(1)
    )
    commitment = Commitment.company_id == company_id
    has_target = exists().where(commitment, Commitment.has_target)
    reports = exists().where(EmissionsReport.company_id == company_id)
    return {
        "name": select(company.name).where(company.id == company_id).scalar_subquery(),
        "sector": select(company.sector).where(company.id == company_id).scalar_subquery(),
        "facility_count": select(func.count()).where(Facility.company_id == company_id).scalar_subquery(),
        "reported_year": select(func.max(EmissionsReport.reporting_year))
        .where(EmissionsReport.company_id == company_id).scalar_subquery(),
        "reported_tco2e": latest.scalar_subquery(),
        "verified_report": exists().where(
            EmissionsReport.company_id == company_id, EmissionsReport.status == ReportStatus.VERIFIED
        ),
        "climate_active": or_(has_target, reports),
        "has_target": has_target,
        "target_year": select(Commitment.target_year).where(commitment).scalar_subquery(),
        "sbti_status": func.coalesce(select(Commitment.sbti_status).where(commitment).scalar_subquery(), SbtiStatus.NONE.value),
    }


def pairs(*where: ColumnElement[bool]) -> Select[Any]:
    """Each (city, company) pair of the co-location rows that match `where`: its facilities there
    and the company's rollup facts, in the columns of `city_company`."""
    fc = FACILITY_CITY.c
    return (
        select(fc.city_id, fc.company_id, func.count().label("facilities"), *(ROLLUP.c[c] for c in COPIED))
        .join(ROLLUP, ROLLUP.c.company_id == fc.company_id)
        .where(*where)
        # The rollup's key settles its other columns.
        .group_by(fc.city_id, fc.company_id, ROLLUP.c.company_id)
    )


@cache
def _pair_statements(dialect_name: str, key: str) -> tuple[Executable, Executable]:
    """The statements that bring in step the pairs whose `key` ("company_id" or "city_id") is one
    of those bound to `ids`: drop those without a facility there any more, then write the others
    afresh."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    ids = bindparam("ids", expanding=True)
    still_there = exists().where(FACILITY_CITY.c.city_id == PAIRS.c.city_id, FACILITY_CITY.c.company_id == PAIRS.c.company_id)
    prune = delete(PAIRS).where(PAIRS.c[key].in_(ids), ~still_there)
    write = dialect.insert(PAIRS).from_select(PAIR_COLUMNS, pairs(FACILITY_CITY.c[key].in_(ids)))
    write = write.on_conflict_do_update(
        index_elements=PAIR_COLUMNS[:2], set_={c: write.excluded[c] for c in PAIR_COLUMNS[2:]}
    )
    return prune, write


async def refresh_city_pairs(session: AsyncSession, city_id: uuid.UUID) -> None:
    """Bring a city's pairs in step with its co-location rows, as after its area was drawn again."""
    for stmt in _pair_statements(session.get_bind().dialect.name, "city_id"):
        await session.execute(stmt, {"ids": [city_id]})


@cache
def _refresh_statements(dialect_name: str) -> tuple[Executable, Executable]:
    """The statements of a refresh, for the companies bound to `ids`: built once, they are the
    same every time, and a report write should not pay for building them."""
    ids = bindparam("ids", expanding=True)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # A row for each company that has none yet; the rows that exist, or that another transaction has
    # just inserted, are waited for and locked instead, in order, and left as they are (an ON CONFLICT
    # update locks every row it meets, and its WHERE false writes none of them).
    # The columns' defaults are written into the statement: it runs on the driver (app/common/driver.py).
    defaults = {c.key: literal(c.default.arg, c.type) for c in ROLLUP.c if isinstance(c.default, ScalarElementColumnDefault)}
    claim = dialect.insert(ROLLUP).from_select(
        ["company_id", "name", "sector", *defaults],
        select(Company.id, Company.name, Company.sector, *defaults.values()).where(Company.id.in_(ids)).order_by(Company.id),
    )
    claim = claim.on_conflict_do_update(index_elements=["company_id"], set_={"company_id": claim.excluded.company_id},
                                        where=false())
    recompute = update(ROLLUP).where(ROLLUP.c.company_id.in_(ids)).values(**recomputed(ROLLUP.c.company_id))
    return claim, recompute


async def refresh_company_rollup(session: AsyncSession, company_ids: Iterable[uuid.UUID]) -> None:
    """Recompute the companies' rollup rows; call it in the transaction that changed their facts, after the change."""
    ids = sorted(set(company_ids))
    dialect_name = session.get_bind().dialect.name
    claim, recompute = _refresh_statements(dialect_name)
    await session.flush()
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        # The rows are locked first, in a statement of their own. The recomputation then starts
        # after any other writer of these companies has committed, and under READ COMMITTED its
        # fresh snapshot sees what they wrote: the last writer's recomputation counts everything.
        await driver.rows(session, claim, chunk)
        await driver.rows(session, recompute, chunk)
        for stmt in _pair_statements(dialect_name, "company_id"):
            await driver.rows(session, stmt, chunk)


async def rebuild_company_rollups(session: AsyncSession) -> tuple[int, int]:
    """Recompute every company's row, then every (city, company) pair, a statement each, as after
    a bulk load; returns how many of each."""
    await session.execute(delete(PAIRS))
    await session.execute(delete(ROLLUP))
    columns = recomputed(Company.id)
    stmt = insert(ROLLUP).from_select(["company_id", *columns], select(Company.id, *columns.values()))
    companies = (await session.execute(stmt)).rowcount  # type: ignore[attr-defined]
    # A city's pairs stored side by side: its candidates are read together.
    every_pair = pairs().order_by(FACILITY_CITY.c.city_id, FACILITY_CITY.c.company_id)
    stmt = insert(PAIRS).from_select(PAIR_COLUMNS, every_pair)
    return companies, (await session.execute(stmt)).rowcount  # type: ignore[attr-defined]

