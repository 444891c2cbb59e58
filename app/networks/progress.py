"""Aggregate progress of a network's member cities.

Definitions (also on the dashboard page and in the API description):
- Only member cities count. A city's "latest" inventory is its most recent year's current
  (not superseded) inventory; with `year`, it is that year's inventory, and cities without one
  count as having no inventory.
- `total_baseline_emissions_tco2e` sums the baselines of published plans;
  `total_latest_emissions_tco2e` sums the latest inventories;
  `aggregate_reduction_pct` compares the two over the cities that have both.
- A city is on track when its latest inventory is at or below its target path for that year.
- `timeseries` sums, for each year, the inventories the member cities reported for it.

The figures come from the network rollups (app/networks/rollup.py), one row per member country
and one per member country and year, kept in step by every write that changes them.
"""

import uuid
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from app.cities import progress as progress_math
from app.common.reads import Reader
from app.common.standards import GpcSector
from app.networks.models import Network, NetworkCountryRollup, NetworkRollup, NetworkYearRollup
from app.networks.schemas import NetworkProgress

SECTORS = [sector.value for sector in GpcSector]
# The columns of a country row, in the order the queries below select them.
COLUMNS = [
    "country_code", "member_cities", "cities_with_plans", "baseline_tco2e", "projects_proposed", "projects_active",
    "projects_completed", "participating_companies", "verified_reductions_tco2e",
    # With `year`, these come from the year's row instead of the country's latest figures.
    "cities_with_inventories", "cities_on_track", "latest_tco2e", "both_baseline_tco2e", "both_latest_tco2e", *SECTORS,
    "network_participating",
]


def _countries_query(*, by_year: bool, one_country: bool) -> Select[Any]:
    """One row a member country; built once, the network (and year, country) bound on each call."""
    c, y = NetworkCountryRollup, NetworkYearRollup
    network = bindparam("network_id", type_=c.network_id.type)
    latest: list[Any] = [c.cities_with_inventories, c.cities_on_track, c.latest_tco2e, c.both_baseline_tco2e,
                         c.both_latest_tco2e, *(getattr(c, s) for s in SECTORS)]
    if by_year:
        zero = func.coalesce
        latest = [zero(y.cities_reporting, 0), zero(y.cities_on_track, 0), zero(y.emissions_tco2e, 0.0),
                  zero(y.both_baseline_tco2e, 0.0), zero(y.both_latest_tco2e, 0.0),
                  *(zero(getattr(y, s), 0.0) for s in SECTORS)]
    network_wide = select(NetworkRollup.participating_companies).where(NetworkRollup.network_id == network)
    columns = [
        c.country_code, c.member_cities, c.cities_with_plans, c.baseline_tco2e, c.projects_proposed,
        c.projects_active, c.projects_completed, c.participating_companies, c.verified_reductions_tco2e,
        *latest, func.coalesce(network_wide.scalar_subquery(), 0),
    ]
    stmt = (
        select(*(column.label(name) for column, name in zip(columns, COLUMNS, strict=True)))
        .where(c.network_id == network, c.member_cities > 0)
        .order_by(c.country_code)
    )
    if by_year:
        stmt = stmt.outerjoin(
            y, (y.network_id == c.network_id) & (y.country_code == c.country_code) & (y.year == bindparam("year"))
        )
    if one_country:
        stmt = stmt.where(c.country_code == bindparam("country_code"))
    return stmt


def _timeseries_query(*, up_to_year: bool, one_country: bool) -> Select[Any]:
    y = NetworkYearRollup
    stmt = (
        select(y.year, func.sum(y.emissions_tco2e).label("emissions_tco2e"),
               func.sum(y.cities_reporting).label("cities_reporting"))
        .where(y.network_id == bindparam("network_id", type_=y.network_id.type))
        .group_by(y.year)
        .order_by(y.year)
    )
    if up_to_year:
        stmt = stmt.where(y.year <= bindparam("year"))
    if one_country:
        stmt = stmt.where(y.country_code == bindparam("country_code"))
    return stmt


FLAGS = [(a, b) for a in (False, True) for b in (False, True)]
COUNTRIES = {flags: _countries_query(by_year=flags[0], one_country=flags[1]) for flags in FLAGS}
TIMESERIES = {flags: _timeseries_query(up_to_year=flags[0], one_country=flags[1]) for flags in FLAGS}


async def network_progress(
    reader: Reader, *, network_id: uuid.UUID, year: int | None = None, country_code: str | None = None
) -> NetworkProgress:
    flags = (year is not None, country_code is not None)
    params: dict[str, Any] = {"network_id": network_id, "year": year, "country_code": country_code}
    params = {k: v for k, v in params.items() if v is not None}
    # Plain rows: a few hundred, summed column by column.
    rows = await reader.all(COUNTRIES[flags], **params)
    years = await reader.all(TIMESERIES[flags], **params)
    # Column by column (the rows hold them in the order of COLUMNS), the first being the country.
    columns = list(zip(*(row.values() for row in rows), strict=True))[1:] if rows else [()] * (len(COLUMNS) - 1)
    sums = dict(zip(COLUMNS[1:], map(sum, columns), strict=True))

    # Distinct companies do not add up over countries: the network-wide row counts each once.
    participating = sums["participating_companies"] if country_code or not rows else rows[0]["network_participating"]
    both_baseline = sums["both_baseline_tco2e"]
    # One validation of plain values, not a model built per country: a few hundred of them per answer.
    return NetworkProgress.model_validate({
        "network_id": network_id, "year": year, "country_code": country_code,
        "member_cities": sums["member_cities"],
        "cities_with_plans": sums["cities_with_plans"],
        "cities_with_inventories": sums["cities_with_inventories"],
        "total_baseline_emissions_tco2e": round(sums["baseline_tco2e"], 3),
        "total_latest_emissions_tco2e": round(sums["latest_tco2e"], 3),
        "aggregate_reduction_pct": (
            progress_math.reduction_pct(both_baseline, sums["both_latest_tco2e"]) if both_baseline else None
        ),
        "cities_on_track": sums["cities_on_track"],
        "projects": {
            "proposed": sums["projects_proposed"], "active": sums["projects_active"],
            "completed": sums["projects_completed"],
        },
        "participating_companies": participating,
        "verified_corporate_reductions_tco2e": float(sums["verified_reductions_tco2e"]),
        "by_country": [
            {
                "country_code": row["country_code"], "member_cities": row["member_cities"],
                "cities_with_plans": row["cities_with_plans"], "cities_on_track": row["cities_on_track"],
                "total_baseline_emissions_tco2e": row["baseline_tco2e"],
                "total_latest_emissions_tco2e": row["latest_tco2e"],
            }
            for row in rows
        ],
        "by_sector": [{"sector": s, "emissions_tco2e": round(sums[s], 3)} for s in SECTORS],
        "timeseries": [
            {"year": y["year"], "emissions_tco2e": float(y["emissions_tco2e"]), "cities_reporting": int(y["cities_reporting"])}
            for y in years
        ],
    })


_NETWORK_EXISTS = select(Network.id).where(Network.id == bindparam("network_id", type_=Network.id.type))


async def network_exists(reader: Reader, network_id: uuid.UUID) -> bool:
    return await reader.first(_NETWORK_EXISTS, network_id=network_id) is not None
