"""Writing the demo data set: bulk inserts on SQLite, COPY on PostgreSQL, in dependency order."""

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import City
from app.common import driver
from app.companies.rollup import rebuild_company_rollups
from app.models import Base
from app.demo.generate import DEMO_PASSWORD, DemoData
from app.identity.security import hash_password
from app.networks import rollup as network_rollup

# Parents before children.
ORDER = [
    "organization", "app_user", "membership", "city", "city_cell", "city_plan", "plan_action", "city_inventory",
    "city_progress", "company", "company_commitment", "facility", "facility_city", "network", "network_city",
    "verifier", "emissions_report", "report_version", "verification_request", "verification", "project",
    "project_participant", "project_milestone", "project_outcome", "project_outcome_attribution",
    "project_outcome_verification", "project_support", "project_comment",
]
CHUNK = 5_000
# Companies whose badges are settled per round: one query tells which change, then each is awarded.
BADGE_CHUNK = 1_000

Progress = Callable[[str, int], None]


async def has_data(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(City)))


def _complete(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill the columns a row leaves out from their defaults, as an ORM insert would."""
    missing = [c for c in table.columns if c.name not in rows[0]]
    for row in rows:
        for column in missing:
            default = column.default
            if default is None:
                row[column.name] = None
            elif default.is_callable:
                row[column.name] = default.arg(None)  # type: ignore[union-attr]
            else:
                row[column.name] = default.arg  # type: ignore[union-attr]
    return rows


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]], progress: Progress) -> None:
    raw = await driver.driver_connection(session)
    columns = [c.name for c in table.columns]
    # asyncpg takes JSON documents as text.
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        records = [
            tuple(json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c] for c in columns)
            for row in chunk
        ]
        await raw.copy_records_to_table(table.name, records=records, columns=columns)
        progress(table.name, len(chunk))


async def load(session: AsyncSession, data: DemoData, progress: Progress = lambda table, n: None) -> dict[str, int]:
    """Write every table of the data set; returns the row count of each."""
    password_hash = hash_password(DEMO_PASSWORD)
    for user in data.rows["app_user"]:
        user["password_hash"] = password_hash
    postgres = session.bind.dialect.name == "postgresql"  # type: ignore[union-attr]
    counts = {}
    for name in ORDER:
        rows = data.rows.get(name, [])
        counts[name] = len(rows)
        if not rows:
            continue
        table = Base.metadata.tables[name]
        rows = _complete(table, rows)
        if postgres:
            await _copy(session, table, rows, progress)
            continue
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            await session.execute(insert(table), chunk)
            progress(name, len(chunk))
    # Derived from the tables above, a statement each, as the writes of the services would keep them.
    counts["company_rollup"], counts["city_company"] = await rebuild_company_rollups(session)
    # The rows went in without the services, so the network rollups are computed once, set by set.
    await network_rollup.rebuild(session)
    return counts


async def award_badges(session: AsyncSession, progress: Progress = lambda table, n: None) -> int:
    """Award the badges the loaded facts earn, through the same service the events call, a
    thousand companies at a time; returns how many companies were looked at."""
    from app.badges.service import reconcile_companies
    from app.companies.models import Commitment
    from app.projects.models import Participant
    from app.reports.models import EmissionsReport

    # Every badge rests on a report, a commitment or a place in a project: the others earn none.
    candidates = sorted(set((await session.scalars(select(EmissionsReport.company_id).distinct())).all())
                        | set((await session.scalars(select(Commitment.company_id))).all())
                        | set((await session.scalars(select(Participant.company_id).distinct())).all()))
    for start in range(0, len(candidates), BADGE_CHUNK):
        chunk = candidates[start : start + BADGE_CHUNK]
        await reconcile_companies(session, company_ids=chunk, reason="Demo data loaded.")
        progress("badge_assertion", len(chunk))
    return len(candidates)
