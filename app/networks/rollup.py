"""Keeping the network rollups in step with the writes that change a network's figures.

Every write that changes what a member city contributes calls one function here, in its own
transaction: the city rollup after a plan or inventory write (`city_changed`), the project
services after a status move, an accepted place or a verified outcome (`projects_changed`), and
joining or leaving (`membership_changed`).

Each recomputes, never increments, the rows of the city's country in each of its networks:

1. lock the city's row, so that two writes about one city (an inventory and a join, say) take
   turns, and the list of its networks read next is the committed one;
2. create the rollup rows if missing, then lock them, in (network, country) order, so that
   concurrent writers of one network and country take turns without deadlocking;
3. recompute the rows from the source tables in the statements that follow. Under READ
   COMMITTED each statement reads what was committed when it began, so a writer that waited for
   a lock sees the work of the writer it waited for.

A network's member cities in one country share a row: their writes queue on it for the rest of
their transaction (measured in bench/README.md, "Network progress"). SQLite has one writer at
a time and ignores the locks.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, distinct, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import progress as progress_math
from app.cities import rollup as city_rollup
from app.cities.models import City, CityInventory, CityPlan, CityProgress, PlanStatus
from app.common.answers import Kept
from app.common.standards import GpcSector
from app.networks.models import (
    CityYearRollup,
    NetworkCity,
    NetworkCountryRollup,
    NetworkRollup,
    NetworkYearRollup,
)
from app.projects import figures
from app.projects.models import (
    Outcome,
    Participant,
    ParticipantStatus,
    Project,
    ProjectStatus,
)

SECTORS = [sector.value for sector in GpcSector]
CHUNK = 5_000
# The whole answers of `GET /networks/{id}/progress` each worker keeps (app/common/answers.py): a
# network's (32 kB for 10,000 cities in 181 countries), and its answers for a year or a country.
FIGURES = Kept("citypact_network_figures", size=256)


def city_year_rows(
    city_id: uuid.UUID, country_code: str, plan: CityPlan | None, inventories: Sequence[Any]
) -> list[dict[str, Any]]:
    """A city's rows of city_year_rollup: its current inventories (rows or objects with the inventory's
    columns), and its published plan's standing each year."""
    published = plan is not None and plan.status == PlanStatus.PUBLISHED
    # An attribute read at call time: app.cities.rollup imports this module in turn.
    targets = city_rollup.targets_of(plan) if plan is not None and published else []
    rows = []
    for inventory in inventories:
        on_track = None
        if plan is not None and published:
            on_track = progress_math.plan_progress(
                plan.baseline_year, plan.baseline_emissions_tco2e, targets, [(inventory.year, inventory.total_tco2e)]
            ).on_track
        rows.append({
            "city_id": city_id, "year": inventory.year, "country_code": country_code,
            "total_tco2e": inventory.total_tco2e, **{s: getattr(inventory, s) for s in SECTORS},
            "baseline_tco2e": plan.baseline_emissions_tco2e if plan is not None and published else None,
            "on_track": on_track,
        })
    return rows


# The writes' entry points ------------------------------------------------------------------------

async def city_changed(session: AsyncSession, city: City) -> None:
    """After a plan or inventory write: the city's yearly rows, then its country's rows in each of its networks."""
    _, networks = await _lock_city(session, city.id)
    plan = await session.get(CityPlan, city.id)
    inventories = await session.scalars(
        select(CityInventory).where(CityInventory.city_id == city.id, CityInventory.superseded_at.is_(None))
    )
    rows = city_year_rows(city.id, city.country_code, plan, inventories.all())
    await session.execute(delete(CityYearRollup).where(CityYearRollup.city_id == city.id))
    if rows:
        await session.execute(insert(CityYearRollup), rows)
    if networks:
        await _lock_rows(session, networks, city.country_code, network_wide=False)
        # Inventories are superseded, never removed: the years the city reports are all it can have changed.
        await _refresh_cities(session, networks, city.country_code, [row["year"] for row in rows])


async def projects_changed(session: AsyncSession, city_id: uuid.UUID) -> None:
    """After a project write that changes the figures: a status move, an accepted place, a verified outcome."""
    country, networks = await _lock_city(session, city_id)
    if networks and country is not None:
        await _lock_rows(session, networks, country, network_wide=True)
        await _refresh_projects(session, networks, country)


async def membership_changed(session: AsyncSession, network_id: uuid.UUID, city_id: uuid.UUID) -> None:
    """After a city joined or left the network (the membership written, not necessarily flushed)."""
    country, _ = await _lock_city(session, city_id)
    if country is None:
        return
    await _lock_rows(session, [network_id], country, network_wide=True)
    years = list(await session.scalars(select(CityYearRollup.year).where(CityYearRollup.city_id == city_id)))
    await _refresh_cities(session, [network_id], country, years)
    await _refresh_projects(session, [network_id], country)


# Locking -----------------------------------------------------------------------------------------

async def _lock_city(session: AsyncSession, city_id: uuid.UUID) -> tuple[str | None, list[uuid.UUID]]:
    """Lock the city's row, then read its country and its networks, in key order.

    FOR NO KEY UPDATE: inserts of rows that reference the city (inventories, projects) do not wait.
    The networks are read by a second statement: one that waited for the lock reads them as they were
    when it began, without a membership committed meanwhile.
    """
    country = await session.scalar(select(City.country_code).where(City.id == city_id).with_for_update(key_share=True))
    if country is None:
        return None, []
    stmt = select(NetworkCity.network_id).where(NetworkCity.city_id == city_id).order_by(NetworkCity.network_id)
    return country, list(await session.scalars(stmt))


def _insert_missing(session: AsyncSession, model: type[Any]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()


async def _lock_rows(session: AsyncSession, networks: list[uuid.UUID], country: str, *, network_wide: bool) -> None:
    """Lock the networks' rows for the country in key order, creating the missing ones first.

    The network-wide rows, taken only by project and membership writes, come before every country row:
    all writers lock in one order, so none waits for another in a cycle. The workers that keep the
    networks' answers are told to forget them once the transaction commits.
    """
    await FIGURES.changed(session, networks)
    if network_wide:
        await _lock_or_create(session, NetworkRollup, [{"network_id": n} for n in networks])
    await _lock_or_create(session, NetworkCountryRollup, [{"network_id": n, "country_code": country} for n in networks])


async def _lock_or_create(session: AsyncSession, model: type[Any], keys: list[dict[str, Any]]) -> None:
    columns = [getattr(model, name) for name in keys[0]]
    stmt = (
        select(*columns)
        .where(tuple_(*columns).in_([tuple(key.values()) for key in keys]))
        .order_by(*columns)
        .with_for_update()
    )
    if len((await session.execute(stmt)).all()) < len(keys):
        # A first member city in the country (or a first project write): the row is made here, or by a
        # concurrent writer whose insert this one waits for; either way the lock below finds it.
        await session.execute(_insert_missing(session, model), keys)
        await session.execute(stmt)


# Recomputing -------------------------------------------------------------------------------------

def city_figures(networks: list[uuid.UUID] | None = None, country: str | None = None) -> Select[Any]:
    """Per network and country: the member cities' latest figures, from their progress rows."""
    p = CityProgress
    has_both = p.has_published_plan & p.latest_tco2e.is_not(None)
    stmt = (
        select(
            NetworkCity.network_id.label("network_id"),
            City.country_code.label("country_code"),
            func.count().label("member_cities"),
            func.count().filter(p.has_published_plan).label("cities_with_plans"),
            func.count().filter(p.latest_year.is_not(None)).label("cities_with_inventories"),
            func.count().filter(p.on_track.is_(True)).label("cities_on_track"),
            func.coalesce(func.sum(p.baseline_tco2e), 0.0).label("baseline_tco2e"),
            func.coalesce(func.sum(p.latest_tco2e), 0.0).label("latest_tco2e"),
            func.coalesce(func.sum(p.baseline_tco2e).filter(has_both), 0.0).label("both_baseline_tco2e"),
            func.coalesce(func.sum(p.latest_tco2e).filter(has_both), 0.0).label("both_latest_tco2e"),
            *(func.coalesce(func.sum(getattr(p, f"latest_{s}")), 0.0).label(s) for s in SECTORS),
        )
        .join(City, City.id == NetworkCity.city_id)
        .outerjoin(p, p.city_id == City.id)
        .group_by(NetworkCity.network_id, City.country_code)
    )
    if networks is not None:
        stmt = stmt.where(NetworkCity.network_id.in_(networks), City.country_code == country)
    return stmt


def year_figures(
    networks: list[uuid.UUID] | None = None, country: str | None = None, years: list[int] | None = None
) -> Select[Any]:
    """Per network, country and year: the member cities' inventories of the year, and their plans' standing."""
    y = CityYearRollup
    has_plan = y.baseline_tco2e.is_not(None)
    stmt = (
        select(
            NetworkCity.network_id.label("network_id"),
            y.country_code.label("country_code"),
            y.year.label("year"),
            func.count().label("cities_reporting"),
            func.sum(y.total_tco2e).label("emissions_tco2e"),
            *(func.sum(getattr(y, s)).label(s) for s in SECTORS),
            func.coalesce(func.sum(y.baseline_tco2e), 0.0).label("both_baseline_tco2e"),
            func.coalesce(func.sum(y.total_tco2e).filter(has_plan), 0.0).label("both_latest_tco2e"),
            func.count().filter(y.on_track.is_(True)).label("cities_on_track"),
        )
        .join(NetworkCity, NetworkCity.city_id == y.city_id)
        .group_by(NetworkCity.network_id, y.country_code, y.year)
    )
    if networks is not None:
        stmt = stmt.where(NetworkCity.network_id.in_(networks), y.country_code == country, y.year.in_(years or []))
    return stmt


COUNTRY_CITY_COLUMNS = [
    "member_cities", "cities_with_plans", "cities_with_inventories", "cities_on_track", "baseline_tco2e",
    "latest_tco2e", "both_baseline_tco2e", "both_latest_tco2e", *SECTORS,
]


async def _refresh_cities(session: AsyncSession, networks: list[uuid.UUID], country: str, years: list[int]) -> None:
    """The country rows' city figures, and the country's rows of the given years, in each network."""
    found = {
        row.network_id: {name: row._mapping[name] for name in COUNTRY_CITY_COLUMNS}
        for row in await session.execute(city_figures(networks, country))
    }
    zero = dict.fromkeys(COUNTRY_CITY_COLUMNS, 0)
    values = [{"network_id": n, **found.get(n, zero)} for n in networks]
    await _update_country_rows(session, country, values)
    if not years:
        return
    await session.execute(
        delete(NetworkYearRollup).where(
            NetworkYearRollup.network_id.in_(networks), NetworkYearRollup.country_code == country,
            NetworkYearRollup.year.in_(years),
        )
    )
    await session.execute(insert(NetworkYearRollup).from_select(_year_columns(), year_figures(networks, country, years)))


def _year_columns() -> list[str]:
    return [c.name for c in year_figures().selected_columns]


def _in_scope(stmt: Select[Any], networks: list[uuid.UUID] | None, country: str | None) -> Select[Any]:
    """Project figures of the member cities, per network and country (or of the given ones)."""
    stmt = stmt.join(NetworkCity, NetworkCity.city_id == Project.city_id).join(City, City.id == Project.city_id)
    if networks is not None:
        stmt = stmt.where(NetworkCity.network_id.in_(networks), City.country_code == country)
    return stmt.group_by(NetworkCity.network_id, City.country_code)


def project_figures(networks: list[uuid.UUID] | None = None, country: str | None = None) -> list[Select[Any]]:
    """Per network and country: projects by status, distinct participating companies, verified reductions.

    The same criteria as app/projects/figures.py, which answers them for a city and for the export.
    """
    keys = (NetworkCity.network_id.label("network_id"), City.country_code.label("country_code"))
    statuses = [ProjectStatus.PROPOSED, ProjectStatus.ACTIVE, ProjectStatus.COMPLETED]
    by_status = select(*keys, *(func.count().filter(Project.status == s).label(f"projects_{s.value}") for s in statuses))
    participating = (
        select(*keys, func.count(distinct(Participant.company_id)).label("participating_companies"))
        .select_from(Participant).join(Project, Project.id == Participant.project_id)
        .where(Participant.status == ParticipantStatus.ACCEPTED)
    )
    verified = (
        select(*keys, func.coalesce(func.sum(Outcome.reduction_tco2e), 0.0).label("verified_reductions_tco2e"))
        .select_from(Outcome).join(Project, Project.id == Outcome.project_id)
        .where(figures.verified_outcome())
    )
    return [_in_scope(by_status.select_from(Project), networks, country), _in_scope(participating, networks, country),
            _in_scope(verified, networks, country)]


def participating_in_network(networks: list[uuid.UUID] | None = None) -> Select[Any]:
    """Per network: the distinct companies with an accepted place in a project of a member city."""
    stmt = (
        select(NetworkCity.network_id, func.count(distinct(Participant.company_id)))
        .select_from(Participant)
        .join(Project, Project.id == Participant.project_id)
        .join(NetworkCity, NetworkCity.city_id == Project.city_id)
        .where(Participant.status == ParticipantStatus.ACCEPTED)
        .group_by(NetworkCity.network_id)
    )
    return stmt if networks is None else stmt.where(NetworkCity.network_id.in_(networks))


PROJECT_COLUMNS = [
    "projects_proposed", "projects_active", "projects_completed", "participating_companies", "verified_reductions_tco2e",
]


async def _project_rows(
    session: AsyncSession, networks: list[uuid.UUID] | None = None, country: str | None = None
) -> dict[tuple[uuid.UUID, str], dict[str, Any]]:
    """The project columns of the country rows, keyed by (network, country); absent ones are zeroes."""
    rows: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
    for stmt in project_figures(networks, country):
        for row in await session.execute(stmt):
            values = dict(row._mapping)
            key = (values.pop("network_id"), values.pop("country_code"))
            rows.setdefault(key, {}).update(values)
    return rows


async def _refresh_projects(session: AsyncSession, networks: list[uuid.UUID], country: str) -> None:
    """The country rows' project figures, and each network's count of distinct companies."""
    found = await _project_rows(session, networks, country)
    zero = dict.fromkeys(PROJECT_COLUMNS, 0)
    await _update_country_rows(
        session, country, [{"network_id": n, **zero, **found.get((n, country), {})} for n in networks]
    )
    counts = dict((await session.execute(participating_in_network(networks))).all())
    for network_id in networks:
        await session.execute(
            update(NetworkRollup).where(NetworkRollup.network_id == network_id)
            .values(participating_companies=counts.get(network_id, 0))
        )


async def _update_country_rows(session: AsyncSession, country: str, values: list[dict[str, Any]]) -> None:
    table = NetworkCountryRollup.__table__
    for row in values:
        await session.execute(
            update(table).where(table.c.network_id == row["network_id"], table.c.country_code == country)
            .values({k: v for k, v in row.items() if k != "network_id"})
        )


# Everything at once --------------------------------------------------------------------------------

async def rebuild(session: AsyncSession) -> None:
    """Recompute every rollup from the source tables, set by set: after a bulk load, and in tests."""
    await FIGURES.changed(session, None)
    await session.execute(delete(CityYearRollup))
    plans = {plan.city_id: plan for plan in await session.scalars(select(CityPlan))}
    inventories = await session.execute(
        select(City.country_code, CityInventory.city_id, CityInventory.year, CityInventory.total_tco2e,
               *(getattr(CityInventory, s) for s in SECTORS))
        .join(City, City.id == CityInventory.city_id)
        .where(CityInventory.superseded_at.is_(None))
    )
    rows = [
        row for inventory in inventories
        for row in city_year_rows(inventory.city_id, inventory.country_code, plans.get(inventory.city_id), [inventory])
    ]
    for start in range(0, len(rows), CHUNK):
        await session.execute(insert(CityYearRollup), rows[start : start + CHUNK])

    for model in (NetworkYearRollup, NetworkCountryRollup, NetworkRollup):
        await session.execute(delete(model))
    await session.execute(insert(NetworkYearRollup).from_select(_year_columns(), year_figures()))
    projects = await _project_rows(session)
    zero = dict.fromkeys(PROJECT_COLUMNS, 0)
    countries = [
        {**row._mapping, **zero, **projects.get((row.network_id, row.country_code), {})}
        for row in await session.execute(city_figures())
    ]
    for start in range(0, len(countries), CHUNK):
        await session.execute(insert(NetworkCountryRollup), countries[start : start + CHUNK])
    counts = dict((await session.execute(participating_in_network())).all())
    networks = sorted({row["network_id"] for row in countries})
    if networks:
        await session.execute(
            insert(NetworkRollup), [{"network_id": n, "participating_companies": counts.get(n, 0)} for n in networks]
        )
