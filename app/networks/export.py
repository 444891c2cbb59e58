"""Streaming exports of a network's member cities, one row a city (CSV or JSON).

The columns follow what GCoM and CDP analysts work with; see EXPORT_COLUMNS.
"""

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City, CityProgress
from app.common.standards import country_name
from app.networks.models import NetworkCity
from app.projects import figures

EXPORT_COLUMNS = [
    "country_code", "country", "city_id", "city", "population", "baseline_year", "baseline_emissions_tco2e",
    "latest_year", "latest_emissions_tco2e", "target_year", "target_reduction_pct", "reduction_pct_to_date",
    "on_track", "projects", "participating_companies", "verified_corporate_reductions_tco2e",
]
CHUNK = 500
# Spreadsheet programs run cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would evaluate as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


async def export_rows(session: AsyncSession, network_id: uuid.UUID) -> AsyncIterator[dict[str, Any]]:
    stmt = (
        select(City.id, City.name, City.country_code, City.population, CityProgress)
        .join(NetworkCity, NetworkCity.city_id == City.id)
        .outerjoin(CityProgress, CityProgress.city_id == City.id)
        .where(NetworkCity.network_id == network_id)
        .order_by(City.country_code, City.name, City.id)
        .execution_options(yield_per=CHUNK)
    )
    result = await session.stream(stmt)
    async for partition in result.partitions(CHUNK):
        per_city = await figures.per_city(session, [row[0] for row in partition])
        for city_id, name, country, population, progress in partition:
            projects, participating, verified = per_city[city_id]
            yield {
                "country_code": country, "country": country_name(country), "city_id": str(city_id), "city": name,
                "population": population,
                "baseline_year": progress.baseline_year if progress else None,
                "baseline_emissions_tco2e": progress.baseline_tco2e if progress else None,
                "latest_year": progress.latest_year if progress else None,
                "latest_emissions_tco2e": progress.latest_tco2e if progress else None,
                "target_year": progress.target_year if progress else None,
                "target_reduction_pct": progress.target_reduction_pct if progress else None,
                "reduction_pct_to_date": progress.reduction_pct if progress else None,
                "on_track": progress.on_track if progress else None,
                "projects": projects, "participating_companies": participating,
                "verified_corporate_reductions_tco2e": verified,
            }


async def csv_stream(session: AsyncSession, network_id: uuid.UUID) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    async for row in export_rows(session, network_id):
        writer.writerow({key: _csv_value(value) for key, value in row.items()})
        count += 1
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return safe_cell(value)


async def json_stream(session: AsyncSession, network_id: uuid.UUID) -> AsyncIterator[str]:
    yield '{"items": ['
    first = True
    async for row in export_rows(session, network_id):
        yield ("" if first else ",") + json.dumps(row)
        first = False
    yield '], "next_cursor": null}'
