"""Measure the bulk import of 100,000 report rows, and the bare insert ceiling in the same run.

    .venv/bin/python bench/import_reports.py [--rows 100000] [--years 100] [--database-url URL] [--no-ceiling]

Without --database-url it uses fresh SQLite files in a temporary folder. With a PostgreSQL URL it
creates fresh databases beside the one named and drops them afterwards. The ceiling inserts the
same rows, already parsed, checked, hashed and turned into records, with the same COPY (PostgreSQL)
or executemany (SQLite) in the same chunks, into a second fresh database: report versions cannot
be deleted, so the first one cannot be emptied for it.
"""

import argparse
import asyncio
import csv
import platform
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from app.companies.models import Company
from app.config import async_database_url
from app.db import make_engine, make_sessionmaker, new_id, utcnow
from app.identity.models import Organization, OrgKind
from app.migrations import run_on_connection
from app.reports import csv_import, csv_rows

def write_csv(path: Path, company_ids: list[uuid.UUID], rows: int, years: int) -> None:
    """`years` years per company, scope 2 market-based and five scope 3 categories filled; written as it goes."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(csv_rows.COLUMNS)
        for n in range(rows):
            company, year = company_ids[n // years], 1991 + n % years
            scope3 = [f"{(n % 97) * 1.5:.1f}" if c % 3 == 0 else "" for c in range(1, 16)]
            writer.writerow([company, year, 1000 + n % 500, 400.25, 380, *scope3, "operational_control", "GHG Protocol"])


async def fresh_url(url: str | None, folder: str, label: str) -> tuple[str, str | None]:
    if not url:
        return f"sqlite+aiosqlite:///{folder}/{label}.db", None
    admin_url = make_url(async_database_url(url))
    name = f"citypact_bench_{label}_{uuid.uuid4().hex[:8]}"
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


async def prepare(url: str, companies: list[uuid.UUID]) -> None:
    """The schema and the companies the file names."""
    from alembic import command

    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            await run_on_connection(connection, command.upgrade, "head")
            await connection.commit()
        now = utcnow()
        async with make_sessionmaker(engine)() as session, session.begin():
            for start in range(0, len(companies), 5000):
                part = list(enumerate(companies))[start : start + 5000]
                await session.execute(insert(Organization), [
                    {"id": c, "kind": OrgKind.COMPANY, "name": f"Co {i}", "created_at": now} for i, c in part
                ])
                await session.execute(insert(Company), [
                    {"id": c, "name": f"Co {i}", "sector": "C", "country_code": "FR", "created_at": now,
                     "updated_at": now, "version": 1} for i, c in part
                ])
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                await connection.execute(text("ANALYZE"))
                await connection.commit()
    finally:
        await engine.dispose()


async def measure_import(url: str, path: Path) -> tuple[int, float]:
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        async with make_sessionmaker(engine)() as session, session.begin():
            with path.open("rb") as source:
                imported = await csv_import.import_reports(session, source, user=None)
        return imported, time.perf_counter() - started
    finally:
        await engine.dispose()


async def measure_ceiling(url: str, path: Path) -> float:
    """The same rows, turned into records beforehand, stored in the same chunks, in one transaction."""
    postgres = make_url(url).get_backend_name() == "postgresql"
    chunks, rows = [], []
    with path.open("rb") as source:
        for row in csv_rows.good_rows(source, csv_rows.Errors()):
            row.content = csv_rows.content_json(row)
            row.content_hash = csv_rows.first_version_hash(row.content)
            rows.append(row)
            if len(rows) == csv_import.CHUNK:
                chunks.append(csv_import.records(rows, actor_id=None, postgres=postgres))
                rows = []
    if rows:
        chunks.append(csv_import.records(rows, actor_id=None, postgres=postgres))
    store = csv_import.copy_records if postgres else csv_import.insert_records
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(text("SELECT 1"))  # the transaction begins with a statement
            for chunk in chunks:
                await store(session, chunk)
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def main(rows: int, years: int, database_url: str | None, ceiling: bool) -> None:
    folder = tempfile.mkdtemp(prefix="citypact-bench-")
    companies = [new_id() for _ in range((rows + years - 1) // years)]
    path = Path(folder) / "reports.csv"
    write_csv(path, companies, rows, years)
    made: list[tuple[str, str | None]] = []
    try:
        url, name = await fresh_url(database_url, folder, "import")
        made.append((url, name))
        await prepare(url, companies)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        imported, import_seconds = await measure_import(url, path)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        assert imported == rows
        ceiling_seconds = None
        if ceiling:
            url, name = await fresh_url(database_url, folder, "ceiling")
            made.append((url, name))
            await prepare(url, companies)
            ceiling_seconds = await measure_ceiling(url, path)
        backend = make_url(url).get_backend_name()
        print(f"machine: {platform.machine()}, {platform.processor() or platform.system()}, Python {platform.python_version()}")
        print(f"database: {backend}; file: {rows:,} rows of {len(companies):,} companies, {path.stat().st_size / 1e6:.1f} MB")
        print(f"import (parse, validate, hash, store): {import_seconds:.2f} s = {rows / import_seconds:,.0f} rows/s; "
              f"peak memory of the process {rss_after:.0f} MB ({rss_before:.0f} MB before the import)")
        if ceiling_seconds is not None:
            how = "COPY" if backend == "postgresql" else "executemany"
            print(f"ceiling ({how} of the same pre-built records): {ceiling_seconds:.2f} s = {rows / ceiling_seconds:,.0f} rows/s")
    finally:
        for url, name in made:
            if name and database_url:
                await drop(database_url, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=100, help="Years a company reports in the file (at most 100).")
    parser.add_argument("--database-url", default=None, help="A PostgreSQL server to measure on (fresh databases are made).")
    parser.add_argument("--no-ceiling", action="store_true", help="Measure the import only (the ceiling holds every record in memory).")
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.years, args.database_url, not args.no_ceiling))
