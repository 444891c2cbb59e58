"""Reading a file of reports to import: its header, each row checked on its own (every fault named
with its line), and each row's first version written out as canonical JSON and hashed.

What the rows must then be checked for against the database, and how they are stored, is in
csv_import.py.
"""

import csv
import hashlib
import io
import math
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from operator import itemgetter
from typing import IO, Any

from app.reports.content import SCOPE3_CATEGORIES, build_content
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


@dataclass(slots=True)
class Row:
    """A row that passed its own checks, with its version's canonical content and hash."""

    line: int
    company_id: uuid.UUID
    year: int
    figures: list[float | None]
    # The figures' cells as written.
    cells: tuple[str, ...]
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
    cells = tuple(cell[name] for name in FIGURES)
    figures = [_tonnes(name, raw, name in REQUIRED, reasons) for name, raw in zip(FIGURES, cells, strict=True)]
    boundary = cell["boundary"].strip()
    if boundary not in BOUNDARIES:
        reasons.append(f"boundary {boundary!r} is not one of {', '.join(sorted(BOUNDARIES))}")
    methodology = cell["methodology"].strip()
    if not methodology or len(methodology) > MAX_METHODOLOGY:
        reasons.append(f"methodology is required, at most {MAX_METHODOLOGY} characters")
    if "\x00" in methodology:
        reasons.append("methodology may not contain NUL characters")  # PostgreSQL cannot store them
    if reasons or company_id is None or year is None:
        return None
    return Row(line, company_id, year, figures, cells, boundary, methodology)


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
        if boundary not in BOUNDARIES or not methodology or len(methodology) > MAX_METHODOLOGY or "\x00" in methodology:
            return None
        written = cells[2:-2]
        try:
            figures = [float(raw) if raw else None for raw in written]
        except ValueError:
            return None
        for value in figures:
            # NaN fails every comparison, infinity the second.
            if value is not None and not 0.0 <= value <= MAX_TONNES:
                return None
        if figures[0] is None or figures[1] is None:
            return None
        return Row(line, company[0], int(raw_year), figures, written, boundary, methodology, company=company[1])


# The canonical content of a first version -------------------------------------------------------

# Canonical JSON sorts keys as strings: scope 3 category "10" comes before "2".
_SCOPE3_KEYS = [f'"{n}":' for n in sorted(SCOPE3_CATEGORIES)]
_SCOPE3_PICK = itemgetter(*(2 + int(n) for n in sorted(SCOPE3_CATEGORIES)))
_BOUNDARY_JSON = {b: encode_basestring(b) for b in BOUNDARIES}


def _number(cell: str, value: float) -> str:
    """The JSON of a figure, repr(round(value, 6)), read off its cell when the cell already is that
    text: 1 or more in ASCII digits, at most 15 of them and 6 decimals, no zero leading or trailing.
    A float holds such a number exactly enough to print it back as written, and rounding to 6
    decimals leaves it be. Half the cost of a row's content is in rounding and printing otherwise."""
    whole, point, decimals = cell.partition(".")
    if cell.isascii() and whole.isdigit() and whole[0] != "0":
        if not point:
            if len(whole) <= 15:
                return cell + ".0"
        elif decimals.isdigit() and len(decimals) <= 6 and decimals[-1] != "0" and len(whole) + len(decimals) <= 15:
            return cell
    return repr(round(value, 6))


def content_json(row: Row) -> str:
    """canonical_json(build_content(…)) of the row's first version, as text: the same bytes, written
    out directly because the import does it for every row (the tests hold the two to agree)."""
    f, c = row.figures, row.cells
    scope3 = ",".join([
        key + _number(cell, v) for key, v, cell in zip(_SCOPE3_KEYS, _SCOPE3_PICK(f), _SCOPE3_PICK(c)) if v is not None
    ])
    market = "null" if f[2] is None else _number(c[2], f[2])
    return (
        f'{{"boundary":{_BOUNDARY_JSON[row.boundary]},"company_id":"{row.company or row.company_id}","facilities":[],'
        f'"methodology":{encode_basestring(row.methodology)},"reason":null,"reporting_year":{row.year},'
        f'"scope1_tco2e":{_number(c[0], f[0] or 0.0)},"scope2_location_tco2e":{_number(c[1], f[1] or 0.0)},'
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


def good_rows(source: IO[bytes], errors: Errors | None) -> Iterator[Row]:
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


def first_lines(source: IO[bytes], repeated: set[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int], int]:
    """The line of the first good row of each repeated (company, year): a second pass, for bad files only."""
    source.seek(0)
    first: dict[tuple[uuid.UUID, int], int] = {}
    for row in good_rows(source, None):
        pair = (row.company_id, row.year)
        if pair in repeated:
            first.setdefault(pair, row.line)
    return first
