"""Measure the bulk import of 100,000 report rows, and the bare insert ceiling in the same run.

    .venv/bin/python bench/import_reports.py [--rows 100000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder. With a PostgreSQL URL
it creates a fresh database beside the one named and drops it afterwards.
"""

import argparse
import asyncio
import csv
import io
import platform
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import delete, insert, text
from sqlalchemy.engine import make_url

from app.companies.models import Company
from app.config import async_database_url
from app.db import make_engine, make_sessionmaker, new_id, utcnow
from app.identity.models import Organization, OrgKind
from app.migrations import run_on_connection
from app.reports import csv_import
from app.reports.models import EmissionsReport, ReportVersion

YEARS = 100


def make_csv(company_ids: list[uuid.UUID], rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_import.COLUMNS)
    for n in range(rows):
        company, year = company_ids[n // YEARS], 1991 + n % YEARS
        scope3 = [f"{(n % 97) * 1.5:.1f}" if c % 3 == 0 else "" for c in range(1, 16)]
        writer.writerow([company, year, 1000 + n % 500, 400.25, 380, *scope3, "operational_control", "GHG Protocol"])
    return out.getvalue().encode()


async def fresh_url(url: str | None, folder: str) -> tuple[str, str | None]:
    if not url:
        return f"sqlite+aiosqlite:///{folder}/bench.db", None
    admin_url = make_url(async_database_url(url))
    name = f"citypact_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


async def drop(url: str, name: str) -> None:
    admin = make_engine(async_database_url(url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def main(rows: int, database_url: str | None) -> None:
    from alembic import command

    folder = tempfile.mkdtemp(prefix="citypact-bench-")
    url, created = await fresh_url(database_url, folder)
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await run_on_connection(connection, command.upgrade, "head")
            await connection.commit()
        companies = [new_id() for _ in range((rows + YEARS - 1) // YEARS)]
        now = utcnow()
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(insert(Organization), [{"id": c, "kind": OrgKind.COMPANY, "name": f"Co {i}", "created_at": now} for i, c in enumerate(companies)])
            await session.execute(insert(Company), [
                {"id": c, "name": f"Co {i}", "sector": "C", "country_code": "FR", "created_at": now, "updated_at": now, "version": 1}
                for i, c in enumerate(companies)
            ])
        data = make_csv(companies, rows)
        path = Path(folder) / "reports.csv"
        path.write_bytes(data)

        started = time.perf_counter()
        async with make_sessionmaker(engine)() as session, session.begin():
            with path.open("rb") as source:
                imported = await csv_import.import_reports(session, source, user=None)
        import_seconds = time.perf_counter() - started
        assert imported == rows

        # The ceiling: the same rows, already parsed, checked and hashed, inserted with executemany.
        with path.open("rb") as source:
            checked = csv_import.read_rows(source)
        reports, versions = csv_import._records(checked.rows, None)
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(delete(ReportVersion))
            await session.execute(delete(EmissionsReport))
        started = time.perf_counter()
        async with make_sessionmaker(engine)() as session, session.begin():
            for start in range(0, rows, csv_import.CHUNK):
                await session.execute(insert(EmissionsReport.__table__), reports[start : start + csv_import.CHUNK])
                await session.execute(insert(ReportVersion.__table__), versions[start : start + csv_import.CHUNK])
        ceiling_seconds = time.perf_counter() - started

        backend = make_url(url).get_backend_name()
        print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, Python {platform.python_version()}")
        print(f"database: {backend}; file: {rows:,} rows, {len(data) / 1e6:.1f} MB")
        print(f"import (parse, validate, hash, store): {import_seconds:.2f} s = {rows / import_seconds:,.0f} rows/s")
        print(f"ceiling (executemany of the same pre-built rows): {ceiling_seconds:.2f} s = {rows / ceiling_seconds:,.0f} rows/s")
    finally:
        await engine.dispose()
        if created and database_url:
            await drop(database_url, created)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None, help="A PostgreSQL server to measure on (a fresh database is made).")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.database_url))
