"""Bulk import: all rows or none, every bad row named by its line, from the API and the command line."""

import asyncio
import csv
import io
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.badges.models import BadgeAssertion
from app.companies.models import Company
from app.db import make_engine, make_sessionmaker, utcnow
from app.identity.models import AuditEvent, Organization, OrgKind, Role
from app.reports import csv_import
from app.reports.csv_rows import BOUNDARIES, COLUMNS, Errors, content_json, content_of, first_version_hash, good_rows
from app.reports.hashing import StoredVersion, canonical_json, check_chain, version_hash
from app.reports.models import EmissionsReport, ReportVersion
from tests.conftest import POSTGRES_URL, DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate
from tests.factories import add_member, auth_headers, make_company, make_report, make_user

API = "/api/v1"


def row(company_id: object, year: int, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {c: "" for c in COLUMNS}
    values |= {"company_id": company_id, "reporting_year": year, "scope1_tco2e": 100, "scope2_location_tco2e": 50,
               "scope3_1_tco2e": 10, "boundary": "operational_control", "methodology": "GHG Protocol"}
    return values | overrides


def csv_bytes(rows: list[dict[str, object]], columns: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def count(session: AsyncSession, company_id: object) -> int:
    stmt = select(func.count()).select_from(EmissionsReport).where(EmissionsReport.company_id == company_id)
    return await session.scalar(stmt) or 0


async def upload(client: httpx.AsyncClient, headers: dict[str, str], data: bytes, **params: str) -> httpx.Response:
    return await client.post(f"{API}/reports/import", params=params, files={"file": ("reports.csv", data, "text/csv")}, headers=headers)


async def test_a_valid_file_imports_every_row(client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await make_user(session)
    first, second = await make_company(session, creator=editor), await make_company(session, creator=editor, name="B")
    rows = [row(first.id, 2021), row(first.id, 2022, scope2_market_tco2e=40), row(second.id, 2022, scope3_15_tco2e="2.5")]
    headers = await auth_headers(session, editor)
    dry = await upload(client, headers, csv_bytes(rows), dry_run="true")
    assert dry.status_code == 200 and dry.json() == {"valid": 3}
    assert await count(session, first.id) == 0
    response = await upload(client, headers, csv_bytes(rows))
    assert response.status_code == 201 and response.json() == {"imported": 3}
    assert await count(session, first.id) == 2 and await count(session, second.id) == 1
    listed = (await client.get(f"{API}/companies/{second.id}/reports")).json()["items"]
    assert listed[0]["scope3"] == {"1": 10.0, "15": 2.5} and listed[0]["total_tco2e"] == 162.5
    assert (await client.get(f"{API}/reports/{listed[0]['id']}/integrity")).json()["valid"] is True


@pytest.mark.parametrize("chunk", [csv_import.CHUNK, 1])
async def test_any_bad_row_stops_the_whole_import_and_every_bad_row_is_named(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, chunk: int,
) -> None:
    monkeypatch.setattr(csv_import, "CHUNK", chunk)  # with 1, line 2 is stored before the bad rows are met
    editor = await make_user(session)
    company = await make_company(session, creator=editor)
    stranger_company = await make_company(session, name="Not mine")
    await make_report(session, company, actor=editor, reporting_year=2019)
    rows = [
        row(company.id, 2020),                                   # line 2: good
        row(company.id, 2021, scope1_tco2e=-3),                  # line 3
        row("not-an-id", 2021),                                  # line 4
        row(company.id, 2022, boundary="control", methodology=""),  # line 5: two reasons
        row(stranger_company.id, 2022),                          # line 6: not an editor
        row(uuid.uuid4(), 2022),                                 # line 7: no such company
        row(company.id, 2020),                                   # line 8: same as line 2
        row(company.id, 2019),                                   # line 9: stored already
        row(company.id, 1800, scope2_location_tco2e=""),         # line 10
        row(company.id, 2023, scope3_4_tco2e="nan"),             # line 11
        row(company.id, 2024),                                   # line 12: good
        row(company.id, 2025, methodology="GHG\x00Protocol"),     # line 13
    ]
    response = await upload(client, await auth_headers(session, editor), csv_bytes(rows))
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    by_line = {e["line"]: e["msg"] for e in errors}
    assert "scope1_tco2e" in by_line[3] and "company_id" in by_line[4]
    assert "boundary" in by_line[5] and "methodology" in by_line[5]
    assert "not an editor" in by_line[6] and "no company" in by_line[7] and "line 2" in by_line[8]
    assert "restate" in by_line[9] and "reporting_year" in by_line[10] and "scope2_location_tco2e" in by_line[10]
    assert "scope3_4_tco2e" in by_line[11] and "NUL" in by_line[13]
    assert await count(session, company.id) == 1
    dry = await upload(client, await auth_headers(session, editor), csv_bytes(rows), dry_run="true")
    assert dry.status_code == 422 and len(dry.json()["errors"]) == 10


async def test_platform_admins_import_for_any_company(client: httpx.AsyncClient, session: AsyncSession) -> None:
    operator = await make_user(session, is_platform_admin=True)
    company = await make_company(session)
    response = await upload(client, await auth_headers(session, operator), csv_bytes([row(company.id, 2021)]))
    assert response.status_code == 201 and await count(session, company.id) == 1


async def test_bad_files(client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await make_user(session)
    company = await make_company(session, creator=editor)
    headers = await auth_headers(session, editor)
    missing = await upload(client, headers, csv_bytes([row(company.id, 2021)], columns=COLUMNS[:-1]))
    assert missing.status_code == 422 and missing.json()["errors"][0]["line"] == 1
    assert "methodology" in missing.json()["errors"][0]["msg"]
    assert (await upload(client, headers, b"")).status_code == 422
    assert (await upload(client, headers, b"\xff\xfe\x00garbage")).status_code == 422
    binary_row = csv_bytes([row(company.id, 2021)]) + b"\xff\xff,1\n"
    assert (await upload(client, headers, binary_row)).status_code == 422
    extra = csv_bytes([row(company.id, 2021)]).replace(b"GHG Protocol", b"GHG Protocol,surplus")
    assert (await upload(client, headers, extra)).json()["errors"][0]["line"] == 2
    assert (await client.post(f"{API}/reports/import", headers=headers)).status_code == 422
    assert (await client.post(f"{API}/reports/import", data={"file": "not a file"}, headers=headers)).status_code == 422
    assert (await client.post(f"{API}/reports/import", content=b"a,b", headers=headers | {"content-type": "text/csv"})).status_code == 422
    assert (await upload(client, headers, csv_bytes([row(company.id, 2021)]), dry_run="maybe")).status_code == 422
    assert (await upload(client, headers, csv_bytes([]))).json() == {"imported": 0}
    assert await count(session, company.id) == 0


async def test_who_may_import(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company = await make_company(session)
    viewer = await make_user(session)
    await add_member(session, company, viewer, Role.VIEWER)
    data = csv_bytes([row(company.id, 2021)])
    assert (await upload(client, {}, data)).status_code == 401
    refused = await upload(client, await auth_headers(session, viewer), data)
    assert refused.status_code == 422 and "not an editor" in refused.json()["errors"][0]["msg"]


async def test_the_command_line_imports_with_platform_rights(database: DatabaseUnderTest, tmp_path: Path) -> None:
    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with make_sessionmaker(engine)() as session:
            company = await make_company(session)
            await session.commit()
        path = tmp_path / "reports.csv"
        path.write_bytes(csv_bytes([row(company.id, 2021), row(company.id, 2022)]))
        env = os.environ | {"CITYPACT_DATABASE_URL": url, "CITYPACT_LOG_LEVEL": "WARNING"}

        def citypact(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True, text=True, timeout=120)

        dry = await asyncio.to_thread(citypact, "import-reports", str(path), "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert "2 rows are valid" in dry.stdout
        done = await asyncio.to_thread(citypact, "import-reports", str(path))
        assert done.returncode == 0 and "Imported 2 reports" in done.stdout, done.stderr
        again = await asyncio.to_thread(citypact, "import-reports", str(path))
        assert again.returncode == 1 and "line 2" in again.stdout and "restate" in again.stdout
        async with make_sessionmaker(engine)() as session:
            assert await count(session, company.id) == 2
    finally:
        await engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)


# Figures as people write them: what a float prints, fixed decimals, integers, decimals of any length,
# and the odd forms float() accepts too.
figure = st.one_of(
    st.floats(min_value=0, max_value=1e12).map(repr),
    st.tuples(st.floats(min_value=0, max_value=1e12), st.integers(0, 9)).map(lambda f: f"{f[0]:.{f[1]}f}"),
    st.integers(0, 10**12).map(str),
    st.integers(0, 8).flatmap(lambda places: st.decimals(0, 10**12, places=places)).map(str),
    st.sampled_from(["0", "-0", "007", "1.500", "0.0001", "0.00001", "123456789.123456", "999999999999.123456",
                     "1e3", " 7 ", "1_000", "\u0661\u0662", "+5", "5.", ".5", "0.1234567", "2.0000005"]),
)


@given(
    company_id=st.uuids(), year=st.integers(1990, 2100), boundary=st.sampled_from(sorted(BOUNDARIES)),
    methodology=st.text(min_size=1, max_size=40).filter(lambda m: m.strip() and "\x00" not in m),
    required=st.tuples(figure, figure), optional=st.tuples(*[st.one_of(st.just(""), figure)] * 16),
)
@example(company_id=uuid.UUID(int=0), year=2021, boundary="equity_share", methodology='"\\\n\té€😀',
         required=("0.0", "-0"), optional=("",) * 16)
def test_the_content_written_out_is_the_canonical_json_of_the_content(
    company_id: uuid.UUID, year: int, boundary: str, methodology: str, required: tuple[str, ...],
    optional: tuple[str, ...],
) -> None:
    cells = dict(zip(COLUMNS, (str(company_id), str(year), *required, *optional, boundary, methodology), strict=True))
    [read] = list(good_rows(io.BytesIO(csv_bytes([cells])), Errors()))
    content = content_of(read)
    assert content_json(read).encode() == canonical_json(content)
    assert first_version_hash(content_json(read)) == version_hash(content, None)


async def _import_into(backend: str, folder: str, companies: list[uuid.UUID], data: bytes) -> dict[str, object]:
    """Import the file into a fresh database of the backend; what it stored, without the generated ids."""
    url = await fresh_database_url(backend, folder)
    engine = make_engine(url)
    try:
        await migrate(engine)
        async with make_sessionmaker(engine)() as session, session.begin():
            now = utcnow()
            await session.execute(insert(Organization), [
                {"id": c, "kind": OrgKind.COMPANY, "name": f"Firm {n}", "created_at": now} for n, c in enumerate(companies)
            ])
            await session.execute(insert(Company), [
                {"id": c, "name": f"Firm {n}", "sector": "C", "country_code": "FR", "created_at": now, "updated_at": now,
                 "version": 1} for n, c in enumerate(companies)
            ])
        async with make_sessionmaker(engine)() as session, session.begin():
            imported = await csv_import.import_reports(session, io.BytesIO(data), user=None)
        async with make_sessionmaker(engine)() as session:
            versions = (await session.execute(
                select(EmissionsReport.company_id, EmissionsReport.reporting_year, EmissionsReport.current_version,
                       EmissionsReport.status, ReportVersion.version, ReportVersion.content, ReportVersion.content_hash,
                       ReportVersion.previous_hash, ReportVersion.reason, ReportVersion.submitted_by,
                       ReportVersion.superseded)
                .join(ReportVersion, ReportVersion.report_id == EmissionsReport.id)
                .order_by(EmissionsReport.company_id, EmissionsReport.reporting_year)
            )).all()
            chains = [
                check_chain(StoredVersion(*row) for row in (await session.execute(
                    select(ReportVersion.version, ReportVersion.content, ReportVersion.content_hash,
                           ReportVersion.previous_hash).where(ReportVersion.report_id == report_id)
                )).all()).valid
                for report_id in (await session.scalars(select(EmissionsReport.id))).all()
            ]
            audits = (await session.execute(
                select(AuditEvent.action, AuditEvent.organization_id, AuditEvent.object_type, AuditEvent.object_id,
                       AuditEvent.summary).where(AuditEvent.action.in_(["report.import", "badge.award"]))
                .order_by(AuditEvent.organization_id, AuditEvent.action)
            )).all()
            badges = (await session.execute(
                select(BadgeAssertion.company_id, BadgeAssertion.badge_class, BadgeAssertion.revoked_at)
                .order_by(BadgeAssertion.company_id)
            )).all()
        # A badge award's object is the new assertion, whose id is generated.
        audits = [tuple(a)[:3] + (a.object_id if a.action == "report.import" else "", a.summary) for a in audits]
        return {"imported": imported, "versions": [tuple(v) for v in versions], "chains": chains, "audits": audits,
                "badges": [tuple(b) for b in badges]}
    finally:
        await engine.dispose()
        if backend == "postgres":
            await drop_postgres_database(url)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs CITYPACT_TEST_POSTGRES_URL")
async def test_copy_on_postgresql_stores_what_executemany_stores_on_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "CHUNK", 7)  # several chunks, stored while the next ones are read
    companies = [uuid.uuid4() for _ in range(3)]
    rows = [
        row(company_id, year, scope2_market_tco2e=f"{year / 7:.3f}" if year % 2 else "", scope3_10_tco2e=year % 5,
            scope3_2_tco2e="0.0000004", methodology=f"GHG Protocol, “méthode” {n}\\\"")
        for n, company_id in enumerate(companies) for year in range(2000, 2011)
    ]
    data = csv_bytes(rows)
    on_sqlite = await _import_into("sqlite", str(tmp_path), companies, data)
    on_postgres = await _import_into("postgres", str(tmp_path), companies, data)
    assert on_sqlite["imported"] == len(rows) and all(on_sqlite["chains"])  # type: ignore[arg-type]
    assert len(on_sqlite["versions"]) == len(rows)  # type: ignore[arg-type]
    assert on_postgres == on_sqlite
