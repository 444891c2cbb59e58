"""Bulk import from CSV, all rows or none, streamed: the file is read once and never held whole.

Each row is checked on its own as it is read, then, chunk by chunk, against the database
(companies, rights, reports stored), and stored — with COPY on PostgreSQL, executemany elsewhere —
while the next chunk is being read. The first bad row stops the storing but not the reading, so
that every bad row is reported; raising then rolls back the transaction and with it what was
stored. Memory grows with the companies named, not with the rows (see bench/README.md).
"""

import asyncio
import csv
import hashlib
import io
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import itemgetter
from typing import IO, Any

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges.service import reconcile_companies
from app.companies.models import Company
from app.companies.rollup import refresh_company_rollup
from app.db import new_id, utcnow
from app.errors import Unprocessable
from app.identity import audit
from app.identity.models import Membership, Role, User
from app.reports.content import SCOPE3_CATEGORIES, build_content
from app.reports.models import EmissionsReport, ReportStatus, ReportVersion
from app.reports.schemas import Boundary

REQUIRED = ("company_id", "reporting_year", "scope1_tco2e", "scope2_location_tco2e", "boundary", "methodology")
OPTIONAL = ("scope2_market_tco2e", *(f"scope3_{n}_tco2e" for n in SCOPE3_CATEGORIES))
COLUMNS = REQUIRED[:4] + OPTIONAL + REQUIRED[4:]
# The figures of a row, in COLUMNS order: scope 1, scope 2 location- and market-based, scope 3 by category.
FIGURES = COLUMNS[2:-2]
BOUNDARIES = frozenset(b.value for b in Boundary)
MAX_TONNES = 1e12
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_METHODOLOGY = 2000
# Rows per chunk: checked against the database and stored together, while the next one is read.
CHUNK = 5000
LOOKUP_CHUNK = 1000

REPORT_COLUMNS = ("id", "company_id", "reporting_year", "current_version", "status", "created_at", "updated_at")
VERSION_COLUMNS = ("id", "report_id", "version", "content", "content_hash", "previous_hash", "reason", "submitted_at",
                   "submitted_by", "superseded")

# (phase, done, total): bytes of the file read so far, of all of them.
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class Row:
    """A row that passed its own checks, with its version's canonical content and hash."""

    line: int
    company_id: uuid.UUID
    year: int
    figures: list[float | None]
    boundary: str
    methodology: str
    content: str = ""
    content_hash: str = ""
    # An earlier good row of the file holds the same company and year.
    repeated: bool = False
    # str(company_id), computed once per company.
    company: str = ""


@dataclass
class Errors:
    """Bad rows by line; a repeated row's message waits until the line it repeats is known."""

    reasons: dict[int, list[str]] = field(default_factory=dict)
    repeats: dict[int, tuple[uuid.UUID, int]] = field(default_factory=dict)

    def bad(self, line: int, reasons: Iterable[str]) -> None:
        self.reasons.setdefault(line, []).extend(reasons)

    def __bool__(self) -> bool:
        return bool(self.reasons)

    def listed(self) -> list[dict[str, Any]]:
        return [{"line": line, "loc": ["file", line], "msg": "; ".join(self.reasons[line])} for line in sorted(self.reasons)]


# Checking one row ------------------------------------------------------------------------------

def _tonnes(name: str, raw: str, required: bool, reasons: list[str]) -> float | None:
    raw = raw.strip()
    if not raw:
        if required:
            reasons.append(f"{name} is required")
        return None
    try:
        value = float(raw)
    except ValueError:
        reasons.append(f"{name} {raw!r} is not a number")
        return None
    if not math.isfinite(value) or value < 0 or value > MAX_TONNES:
        reasons.append(f"{name} {raw!r} is not a quantity between 0 and {MAX_TONNES:g}")
        return None
    return value


def _parse(line: int, record: dict[str | None, Any], reasons: list[str]) -> Row | None:
    """Every check of a row, each failure with its reason."""
    cell = {k: (v or "") for k, v in record.items() if k is not None}
    if None in record:
        reasons.append("the row has more cells than the header")
    company_id: uuid.UUID | None = None
    try:
        company_id = uuid.UUID(cell["company_id"].strip())
    except ValueError:
        reasons.append(f"company_id {cell['company_id']!r} is not an id")
    year: int | None = None
    raw_year = cell["reporting_year"].strip()
    if raw_year.isdigit() and MIN_YEAR <= int(raw_year) <= MAX_YEAR:
        year = int(raw_year)
    else:
        reasons.append(f"reporting_year {raw_year!r} is not a year between {MIN_YEAR} and {MAX_YEAR}")
    figures = [_tonnes(name, cell[name], name in REQUIRED, reasons) for name in FIGURES]
    boundary = cell["boundary"].strip()
    if boundary not in BOUNDARIES:
        reasons.append(f"boundary {boundary!r} is not one of {', '.join(sorted(BOUNDARIES))}")
    methodology = cell["methodology"].strip()
    if not methodology or len(methodology) > MAX_METHODOLOGY:
        reasons.append(f"methodology is required, at most {MAX_METHODOLOGY} characters")
    if reasons or company_id is None or year is None:
        return None
    return Row(line, company_id, year, figures, boundary, methodology)


class _Checker:
    """Checks rows on their own, the common case first: a good row takes a few conversions; anything
    unusual goes through `_parse`, which accepts exactly the same rows and names every fault."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.pick = itemgetter(*(header.index(name) for name in COLUMNS))
        self.companies: dict[str, tuple[uuid.UUID, str]] = {}

    def check(self, line: int, record: list[str], reasons: list[str]) -> Row | None:
        if len(record) == len(self.header):
            row = self._quick(line, self.pick(record))
            if row is not None:
                return row
        # The row as csv.DictReader gives it: missing cells None, surplus ones under None.
        cells: dict[str | None, Any] = dict.fromkeys(self.header)
        cells.update(zip(self.header, record, strict=False))
        if len(record) > len(self.header):
            cells[None] = record[len(self.header):]
        return _parse(line, cells, reasons)

    def _quick(self, line: int, cells: tuple[str, ...]) -> Row | None:
        raw_company, raw_year, boundary, methodology = cells[0], cells[1].strip(), cells[-2].strip(), cells[-1].strip()
        company = self.companies.get(raw_company)
        if company is None:
            try:
                company_id = uuid.UUID(raw_company.strip())
            except ValueError:
                return None
            company = self.companies[raw_company] = (company_id, str(company_id))
        if not (raw_year.isdigit() and MIN_YEAR <= int(raw_year) <= MAX_YEAR):
            return None
        if boundary not in BOUNDARIES or not methodology or len(methodology) > MAX_METHODOLOGY:
            return None
        try:
            figures = [float(raw) if raw else None for raw in cells[2:-2]]
        except ValueError:
            return None
        for value in figures:
            # NaN fails every comparison, infinity the second.
            if value is not None and not 0.0 <= value <= MAX_TONNES:
                return None
        if figures[0] is None or figures[1] is None:
            return None
        return Row(line, company[0], int(raw_year), figures, boundary, methodology, company=company[1])


# The canonical content of a first version -------------------------------------------------------

# Canonical JSON sorts keys as strings: scope 3 category "10" comes before "2".
_SCOPE3_KEYS = [f'"{n}":' for n in sorted(SCOPE3_CATEGORIES)]
_SCOPE3_PICK = itemgetter(*(2 + int(n) for n in sorted(SCOPE3_CATEGORIES)))
_BOUNDARY_JSON = {b: encode_basestring(b) for b in BOUNDARIES}


def content_json(row: Row) -> str:
    """canonical_json(build_content(…)) of the row's first version, as text: the same bytes, written
    out directly because the import does it for every row (the tests hold the two to agree)."""
    f = row.figures
    scope3 = ",".join([key + repr(round(v, 6)) for key, v in zip(_SCOPE3_KEYS, _SCOPE3_PICK(f)) if v is not None])
    market = "null" if f[2] is None else repr(round(f[2], 6))
    return (
        f'{{"boundary":{_BOUNDARY_JSON[row.boundary]},"company_id":"{row.company or row.company_id}","facilities":[],'
        f'"methodology":{encode_basestring(row.methodology)},"reason":null,"reporting_year":{row.year},'
        f'"scope1_tco2e":{round(f[0] or 0.0, 6)!r},"scope2_location_tco2e":{round(f[1] or 0.0, 6)!r},'
        f'"scope2_market_tco2e":{market},"scope3":{{{scope3}}},"version":1}}'
    )


def first_version_hash(content: str) -> str:
    """version_hash(content, None), from the content's canonical JSON."""
    return hashlib.sha256(f'{{"content":{content},"previous_hash":null}}'.encode()).hexdigest()


def content_of(row: Row) -> dict[str, Any]:
    f = row.figures
    return build_content(
        company_id=row.company_id, reporting_year=row.year, version=1, reason=None, scope1=f[0] or 0.0,
        scope2_location=f[1] or 0.0, scope2_market=f[2],
        scope3={n: v for n, v in zip(SCOPE3_CATEGORIES, f[3:], strict=True) if v is not None},
        boundary=row.boundary, methodology=row.methodology,
    )


# Reading the file ------------------------------------------------------------------------------

def _text(source: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]


def _header(reader: Any, errors: Errors) -> list[str] | None:
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        errors.bad(1, [f"the header cannot be read: {exc}"])
        return None
    if not header:
        errors.bad(1, ["the file is empty; it needs a header row"])
        return None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        reasons = [f"missing column(s): {', '.join(missing)}"] if missing else []
        reasons += [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        reasons += ["a column is named twice"] if len(set(header)) != len(header) else []
        errors.bad(1, reasons)
        return None
    return header


def _good_rows(source: IO[bytes], errors: Errors | None) -> Iterator[Row]:
    """The rows that pass their own checks; the others go to `errors` (when given) with their reasons."""
    text = _text(source)
    try:
        reader = csv.reader(text)
        header = _header(reader, errors if errors is not None else Errors())
        if header is None:
            return
        checker = _Checker(header)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except (UnicodeDecodeError, csv.Error) as exc:
                if errors is not None:
                    errors.bad(reader.line_num + 1, [f"the file cannot be read from here: {exc}"])
                return
            if not record:  # a blank line is no row, as csv.DictReader sees it
                continue
            reasons: list[str] = []
            row = checker.check(reader.line_num, record, reasons)
            if row is not None:
                yield row
            elif errors is not None:
                errors.bad(reader.line_num, reasons)
    finally:
        text.detach()  # leave the source open: a repeated row needs a second look


def _first_lines(source: IO[bytes], repeated: set[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int], int]:
    """The line of the first good row of each repeated (company, year): a second pass, for bad files only."""
    source.seek(0)
    first: dict[tuple[uuid.UUID, int], int] = {}
    for row in _good_rows(source, None):
        pair = (row.company_id, row.year)
        if pair in repeated:
            first.setdefault(pair, row.line)
    return first


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
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None or not driver.is_in_transaction():
        raise RuntimeError("COPY needs the session's transaction to have begun")
    try:
        await driver.copy_records_to_table("emissions_report", records=chunk.reports, columns=REPORT_COLUMNS)
        await driver.copy_records_to_table("report_version", records=chunk.versions, columns=VERSION_COLUMNS)
    # What the session's own statements would raise, for the same handlers: a report stored meanwhile
    # (409), a lost connection (503).
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError("COPY", None, exc) from exc
    except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
        raise OperationalError("COPY", None, exc) from exc


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
        for row in _good_rows(source, state.errors):
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
            first = _first_lines(source, set(state.errors.repeats.values()))
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
    for company_id, bits in state.in_file.items():
        years = _years(bits)
        audit.record(
            session, actor_id=user.id if user else None, organization_id=company_id, action="report.import",
            object_type="company", object_id=company_id,
            summary=f"{len(years)} report(s) imported by {who}: {', '.join(map(str, years[:20]))}",
        )
    await session.flush()
    await refresh_company_rollup(session, state.in_file)
    await reconcile_companies(session, company_ids=state.in_file, reason="Reports imported.")

