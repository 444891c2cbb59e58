"""Bulk import from CSV, all rows or none, streamed: the file is read once and never held whole.

Each row is checked on its own as it is read (csv_rows.py), then, chunk by chunk, against the database
(companies, rights, reports stored), and stored — with COPY on PostgreSQL, executemany elsewhere —
while the next chunk is being read. The first bad row stops the storing but not the reading, so
that every bad row is reported; raising then rolls back the transaction and with it what was
stored. Memory grows with the companies named, not with the rows (see bench/README.md).
"""

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges.service import reconcile_companies
from app.common import driver
from app.companies.models import Company
from app.companies.rollup import refresh_company_rollup
from app.db import new_id, utcnow
from app.errors import Unprocessable
from app.identity import audit
from app.identity.models import Membership, Role, User
from app.reports.csv_rows import (
    MAX_YEAR, MIN_YEAR, Errors, Row, content_json, content_of, first_lines, first_version_hash, good_rows,
)
from app.reports.models import EmissionsReport, ReportStatus, ReportVersion

# Rows per chunk: checked against the database and stored together, while the next one is read.
CHUNK = 5000
LOOKUP_CHUNK = 1000

REPORT_COLUMNS = ("id", "company_id", "reporting_year", "current_version", "status", "created_at", "updated_at")
VERSION_COLUMNS = ("id", "report_id", "version", "content", "content_hash", "previous_hash", "reason", "submitted_at",
                   "submitted_by", "superseded")

# (phase, done, total): bytes of the file read so far, of all of them.
Progress = Callable[[str, int, int], None]


# Storing ---------------------------------------------------------------------------------------

@dataclass
class Chunk:
    """Rows to store, as database records."""

    reports: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]


def _ids(count: int) -> Iterator[int]:
    """`count` UUIDv7 integers in creation order: one id from the clock, then the next ones counted
    up from it (random bits below the top one, so that adding never carries into the version)."""
    base = new_id().int & ~(1 << 61)
    return iter(range(base + 1, base + 1 + count))


def records(rows: list[Row], *, actor_id: uuid.UUID | None, postgres: bool) -> Chunk:
    """The rows as records in REPORT_COLUMNS and VERSION_COLUMNS order: ids as hex and the content as
    its canonical JSON for COPY; UUIDs and content dicts for executemany."""
    now, ids = utcnow(), _ids(2 * len(rows))
    status = ReportStatus.SUBMITTED.value
    reports, versions = [], []
    for row in rows:
        report_id, version_id = next(ids), next(ids)
        if postgres:
            report, version, content = f"{report_id:032x}", f"{version_id:032x}", row.content
        else:
            report, version, content = uuid.UUID(int=report_id), uuid.UUID(int=version_id), content_of(row)
        reports.append((report, row.company_id, row.year, 1, status, now, now))
        versions.append((version, report, 1, content, row.content_hash, None, None, now, actor_id, False))
    return Chunk(reports, versions)


async def copy_records(session: AsyncSession, chunk: Chunk) -> None:
    """Store a chunk with COPY, through the driver connection of the session's own transaction.

    The database checks every row as an INSERT would: keys, foreign keys, triggers.
    """
    connection = await driver.driver_connection(session)
    with driver.sqlalchemy_errors("COPY"):
        await connection.copy_records_to_table("emissions_report", records=chunk.reports, columns=REPORT_COLUMNS)
        await connection.copy_records_to_table("report_version", records=chunk.versions, columns=VERSION_COLUMNS)


async def insert_records(session: AsyncSession, chunk: Chunk) -> None:
    """Store a chunk with executemany."""
    for table, columns, rows in (
        (EmissionsReport.__table__, REPORT_COLUMNS, chunk.reports), (ReportVersion.__table__, VERSION_COLUMNS, chunk.versions),
    ):
        await session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


class _Import:
    """The file's state between chunks: what is known of each company named so far."""

    def __init__(self, session: AsyncSession, user: User | None, store: bool) -> None:
        self.session, self.user = session, user
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.store = store
        self.errors = Errors()
        # Per company: the years of good rows in the file, and of reports stored, as bits from MIN_YEAR.
        self.in_file: dict[uuid.UUID, int] = {}
        self.stored: dict[uuid.UUID, int] = {}
        self.known: set[uuid.UUID] = set()
        self.allowed: set[uuid.UUID] = set()
        self.imported = 0

    def add(self, row: Row) -> None:
        """Note the row's company and year; finish its content unless nothing will be stored anyway."""
        bit = 1 << (row.year - MIN_YEAR)
        seen = self.in_file.get(row.company_id, 0)
        row.repeated = bool(seen & bit)
        self.in_file[row.company_id] = seen | bit
        if self.store and not self.errors:
            row.content = content_json(row)
            row.content_hash = first_version_hash(row.content)

    async def take(self, rows: list[Row]) -> None:
        """Check a chunk's rows against the database; store them while the file is good so far."""
        await self._look_up({row.company_id for row in rows} - self.stored.keys())
        good = []
        for row in rows:
            reasons = []
            if row.company_id not in self.known:
                reasons.append(f"no company has the id {row.company_id}")
            elif row.company_id not in self.allowed:
                reasons.append(f"you are not an editor of company {row.company_id}")
            if self.stored[row.company_id] & 1 << (row.year - MIN_YEAR):
                reasons.append(f"the company has a {row.year} report already; restate it instead")
            elif row.repeated:
                self.errors.repeats[row.line] = (row.company_id, row.year)
                reasons.append("")  # the line it repeats is filled in at the end
            if reasons:
                self.errors.bad(row.line, reasons)
            else:
                good.append(row)
        self.imported += len(good)
        if self.store and not self.errors and good:
            chunk = records(good, actor_id=self.user.id if self.user else None, postgres=self.postgres)
            await (copy_records if self.postgres else insert_records)(self.session, chunk)

    async def _look_up(self, company_ids: set[uuid.UUID]) -> None:
        """Whether each new company exists and the caller edits it, and the years it has reports for."""
        ids = sorted(company_ids)
        for start in range(0, len(ids), LOOKUP_CHUNK):
            part = ids[start : start + LOOKUP_CHUNK]
            known = set((await self.session.scalars(select(Company.id).where(Company.id.in_(part)))).all())
            self.known |= known
            if self.user is None or self.user.is_platform_admin:
                self.allowed |= known
            else:
                self.allowed.update((await self.session.scalars(select(Membership.organization_id).where(
                    Membership.organization_id.in_(part), Membership.user_id == self.user.id,
                    Membership.role.in_([Role.ADMIN, Role.EDITOR]),
                ))).all())
            self.stored.update(dict.fromkeys(part, 0))
            for company_id, year in await self.session.execute(
                select(EmissionsReport.company_id, EmissionsReport.reporting_year)
                .where(EmissionsReport.company_id.in_(part))
            ):
                if MIN_YEAR <= year <= MAX_YEAR:
                    self.stored[company_id] |= 1 << (year - MIN_YEAR)


def _years(bits: int) -> list[int]:
    return [MIN_YEAR + n for n in range(bits.bit_length()) if bits >> n & 1]


async def import_reports(
    session: AsyncSession, source: IO[bytes], *, user: User | None, dry_run: bool = False,
    progress: Progress | None = None, total_bytes: int = 0,
) -> int:
    """Validate the whole file and store every row, or none; `user` None acts as a platform admin."""
    state = _Import(session, user, store=not dry_run)
    phase = "validating" if dry_run else "importing"
    pending: asyncio.Task[None] | None = None
    rows: list[Row] = []
    try:
        for row in good_rows(source, state.errors):
            state.add(row)
            rows.append(row)
            if len(rows) % 100 == 0:
                await asyncio.sleep(0)  # let the chunk before this one go on in the database meanwhile
            if len(rows) == CHUNK:
                if pending is not None:
                    await pending
                pending, rows = asyncio.ensure_future(state.take(rows)), []
                if progress:
                    progress(phase, source.tell(), total_bytes)
        if pending is not None:
            await pending
            pending = None
        await state.take(rows)
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    if state.errors:
        if state.errors.repeats:
            first = first_lines(source, set(state.errors.repeats.values()))
            for line, pair in state.errors.repeats.items():
                reasons = state.errors.reasons[line]
                reasons[reasons.index("")] = f"line {first[pair]} holds the same company and year"
        errors = state.errors.listed()
        raise Unprocessable(f"{len(errors)} row(s) of the file are invalid; nothing was imported.", errors=errors)
    if not dry_run and state.imported:
        await _record(session, state, user)
    return state.imported


async def _record(session: AsyncSession, state: _Import, user: User | None) -> None:
    """One audit entry per company, then one badge reconciliation over all of them."""
    who = user.email if user else "the command line"
    entries = []
    for company_id, bits in state.in_file.items():
        years = _years(bits)
        entries.append(audit.entry(
            actor_id=user.id if user else None, organization_id=company_id, action="report.import",
            object_type="company", object_id=company_id,
            summary=f"{len(years)} report(s) imported by {who}: {', '.join(map(str, years[:20]))}",
        ))
    await audit.record_all(session, entries)
    await refresh_company_rollup(session, state.in_file)
    await reconcile_companies(session, company_ids=state.in_file, reason="Reports imported.")

