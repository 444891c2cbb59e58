"""Bulk import from CSV: the whole file is validated first, then stored all at once, or not at all.

Rows are checked with plain code rather than a schema per row, and stored with executemany in
chunks: a 100,000-row file imports in seconds (see bench/README.md).
"""

import csv
import io
import math
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges.service import reconcile_companies
from app.companies.models import Company
from app.companies.rollup import refresh_company_rollup
from app.db import new_id, utcnow
from app.errors import Unprocessable
from app.identity import audit
from app.identity.models import Membership, Role, User
from app.reports.content import SCOPE3_CATEGORIES, build_content
from app.reports.hashing import version_hash
from app.reports.models import EmissionsReport, ReportStatus, ReportVersion
from app.reports.schemas import Boundary

REQUIRED = ("company_id", "reporting_year", "scope1_tco2e", "scope2_location_tco2e", "boundary", "methodology")
OPTIONAL = ("scope2_market_tco2e", *(f"scope3_{n}_tco2e" for n in SCOPE3_CATEGORIES))
COLUMNS = REQUIRED[:4] + OPTIONAL + REQUIRED[4:]
BOUNDARIES = frozenset(b.value for b in Boundary)
MAX_TONNES = 1e12
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_METHODOLOGY = 2000
CHUNK = 5000
LOOKUP_CHUNK = 1000

# (phase, done, total): "validating" counts bytes read, "storing" counts rows stored.
Progress = Callable[[str, int, int], None]


@dataclass
class Row:
    line: int
    company_id: uuid.UUID
    year: int
    figures: dict[str, float | None]
    boundary: str
    methodology: str


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def bad(self, line: int, reasons: Iterable[str]) -> None:
        self.errors.append({"line": line, "loc": ["file", line], "msg": "; ".join(reasons)})


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


def _parse(line: int, record: dict[str, str | None], reasons: list[str]) -> Row | None:
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
    figures = {name: _tonnes(name, cell[name], name in REQUIRED, reasons) for name in COLUMNS[2:-2]}
    boundary = cell["boundary"].strip()
    if boundary not in BOUNDARIES:
        reasons.append(f"boundary {boundary!r} is not one of {', '.join(sorted(BOUNDARIES))}")
    methodology = cell["methodology"].strip()
    if not methodology or len(methodology) > MAX_METHODOLOGY:
        reasons.append(f"methodology is required, at most {MAX_METHODOLOGY} characters")
    if reasons or company_id is None or year is None:
        return None
    return Row(line, company_id, year, figures, boundary, methodology)


def _text(source: IO[bytes]) -> io.TextIOWrapper:
    return io.TextIOWrapper(source, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]


def read_rows(source: IO[bytes], progress: Progress | None = None, total_bytes: int = 0) -> Checked:
    """Parse and check every row on its own (companies and duplicates are checked afterwards)."""
    checked = Checked()
    reader = csv.DictReader(_text(source))
    try:
        header = reader.fieldnames
    except (UnicodeDecodeError, csv.Error) as exc:
        checked.bad(1, [f"the header cannot be read: {exc}"])
        return checked
    if not header:
        checked.bad(1, ["the file is empty; it needs a header row"])
        return checked
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        reasons = [f"missing column(s): {', '.join(missing)}"] if missing else []
        reasons += [f"unknown column(s): {', '.join(unknown)}"] if unknown else []
        reasons += ["a column is named twice"] if len(set(header)) != len(header) else []
        checked.bad(1, reasons)
        return checked
    rows: Iterator[dict[str, str | None]] = iter(reader)
    while True:
        try:
            record = next(rows)
        except StopIteration:
            break
        except (UnicodeDecodeError, csv.Error) as exc:
            checked.bad(reader.line_num + 1, [f"the file cannot be read from here: {exc}"])
            break
        reasons: list[str] = []
        row = _parse(reader.line_num, record, reasons)
        if row is None:
            checked.bad(reader.line_num, reasons)
        else:
            checked.rows.append(row)
        if progress and len(checked.rows) % 2000 == 0:
            progress("validating", source.tell(), total_bytes)
    return checked


async def _chunked_lookup(session: AsyncSession, column: Any, ids: list[uuid.UUID], *where: Any) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        stmt = select(column).where(column.in_(ids[start : start + LOOKUP_CHUNK]), *where)
        found.update((await session.scalars(stmt)).all())
    return found


async def check_against_database(session: AsyncSession, checked: Checked, *, user: User | None) -> None:
    """Companies exist and the caller edits them; one report per company and year, in the file and stored."""
    company_ids = sorted({row.company_id for row in checked.rows})
    known = await _chunked_lookup(session, Company.id, company_ids)
    if user is None or user.is_platform_admin:
        allowed = known
    else:
        allowed = await _chunked_lookup(
            session, Membership.organization_id, company_ids,
            Membership.user_id == user.id, Membership.role.in_([Role.ADMIN, Role.EDITOR]),
        )
    stored: set[tuple[uuid.UUID, int]] = set()
    for start in range(0, len(company_ids), LOOKUP_CHUNK):
        stmt = select(EmissionsReport.company_id, EmissionsReport.reporting_year).where(
            EmissionsReport.company_id.in_(company_ids[start : start + LOOKUP_CHUNK])
        )
        stored.update((c, y) for c, y in await session.execute(stmt))
    first_line: dict[tuple[uuid.UUID, int], int] = {}
    good: list[Row] = []
    for row in checked.rows:
        reasons = []
        if row.company_id not in known:
            reasons.append(f"no company has the id {row.company_id}")
        elif row.company_id not in allowed:
            reasons.append(f"you are not an editor of company {row.company_id}")
        pair = (row.company_id, row.year)
        if pair in stored:
            reasons.append(f"the company has a {row.year} report already; restate it instead")
        elif pair in first_line:
            reasons.append(f"line {first_line[pair]} holds the same company and year")
        first_line.setdefault(pair, row.line)
        if reasons:
            checked.bad(row.line, reasons)
        else:
            good.append(row)
    checked.rows = good
    checked.errors.sort(key=lambda error: error["line"])


def _records(rows: list[Row], actor_id: uuid.UUID | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    now = utcnow()
    reports, versions = [], []
    for row in rows:
        report_id = new_id()
        f = row.figures
        content = build_content(
            company_id=row.company_id, reporting_year=row.year, version=1, reason=None,
            scope1=f["scope1_tco2e"] or 0.0, scope2_location=f["scope2_location_tco2e"] or 0.0,
            scope2_market=f["scope2_market_tco2e"],
            scope3={n: v for n in SCOPE3_CATEGORIES if (v := f[f"scope3_{n}_tco2e"]) is not None},
            boundary=row.boundary, methodology=row.methodology,
        )
        reports.append({
            "id": report_id, "company_id": row.company_id, "reporting_year": row.year, "current_version": 1,
            "status": ReportStatus.SUBMITTED, "created_at": now, "updated_at": now,
        })
        versions.append({
            "id": new_id(), "report_id": report_id, "version": 1, "content": content,
            "content_hash": version_hash(content, None), "previous_hash": None, "reason": None,
            "submitted_at": now, "submitted_by": actor_id, "superseded": False,
        })
    return reports, versions


async def store(session: AsyncSession, rows: list[Row], *, user: User | None, progress: Progress | None = None) -> None:
    """Insert the checked rows with executemany, in chunks, and one audit entry per company."""
    actor_id = user.id if user else None
    for start in range(0, len(rows), CHUNK):
        reports, versions = _records(rows[start : start + CHUNK], actor_id)
        await session.execute(insert(EmissionsReport.__table__), reports)
        await session.execute(insert(ReportVersion.__table__), versions)
        if progress:
            progress("storing", start + len(reports), len(rows))
    years: dict[uuid.UUID, list[int]] = defaultdict(list)
    for row in rows:
        years[row.company_id].append(row.year)
    who = user.email if user else "the command line"
    for company_id, company_years in years.items():
        audit.record(
            session, actor_id=actor_id, organization_id=company_id, action="report.import", object_type="company",
            object_id=company_id,
            summary=f"{len(company_years)} report(s) imported by {who}: {', '.join(map(str, sorted(company_years)[:20]))}",
        )
    await session.flush()
    await refresh_company_rollup(session, years)
    await reconcile_companies(session, company_ids=years, reason="Reports imported.")


async def import_reports(
    session: AsyncSession, source: IO[bytes], *, user: User | None, dry_run: bool = False,
    progress: Progress | None = None, total_bytes: int = 0,
) -> int:
    """Validate the whole file, then store every row or none; `user` None acts as a platform admin."""
    checked = read_rows(source, progress, total_bytes)
    if checked.rows:
        await check_against_database(session, checked, user=user)
    if checked.errors:
        count = len(checked.errors)
        raise Unprocessable(
            f"{count} row(s) of the file are invalid; nothing was imported.", errors=checked.errors,
        )
    if not dry_run:
        await store(session, checked.rows, user=user, progress=progress)
    return len(checked.rows)
