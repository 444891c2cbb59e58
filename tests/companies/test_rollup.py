"""Each company's rollup row stays what its facilities, reports and commitment say, after every write."""

import asyncio
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import CityUpdate
from app.common import driver
from app.companies import service as companies
from app.companies.models import CityCompany, Commitment, Company, CompanyRollup, Facility, FacilityCity
from app.companies.rollup import (
    COPIED, PAIR_COLUMNS, _refresh_statements, rebuild_company_rollups, refresh_company_rollup,
)
from app.companies.schemas import CommitmentWrite, CompanyUpdate
from app.db import make_engine, make_sessionmaker
from app.reports import csv_import, verification
from app.reports import service as reports
from app.reports.auth import Actor
from app.reports.models import EmissionsReport, ReportVersion
from app.reports.schemas import RestatementCreate, VerificationCreate
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate
from tests.factories import LYON, REPORT, make_city, make_company, make_facility, make_report, make_user, make_verifier
from tests.reports.test_import import csv_bytes, row

COLUMNS = [c.name for c in CompanyRollup.__table__.columns if c.name != "company_id"]
DECISION = {"assurance_level": "limited", "statement": "Figures agree with the records."}
VERIFIED = VerificationCreate(outcome="verified", **DECISION)


async def stored(session: AsyncSession, company_id: uuid.UUID) -> dict[str, Any] | None:
    """The row as the database holds it (read as columns: no stale object from the session)."""
    found = (await session.execute(
        select(*(CompanyRollup.__table__.c[c] for c in COLUMNS)).where(CompanyRollup.company_id == company_id)
    )).one_or_none()
    return None if found is None else {c: (v.value if hasattr(v, "value") else v) for c, v in zip(COLUMNS, found)}


async def recounted(session: AsyncSession, company_id: uuid.UUID) -> dict[str, Any]:
    """The same facts worked out again in Python, straight from the source rows."""
    name, sector = (await session.execute(select(Company.name, Company.sector).where(Company.id == company_id))).one()
    facilities = await session.scalar(select(func.count()).select_from(Facility).where(Facility.company_id == company_id))
    versions = (await session.execute(
        select(EmissionsReport.reporting_year, EmissionsReport.status, ReportVersion.content)
        .join(ReportVersion, (ReportVersion.report_id == EmissionsReport.id)
              & (ReportVersion.version == EmissionsReport.current_version))
        .where(EmissionsReport.company_id == company_id)
    )).all()
    commitment = (await session.execute(
        select(Commitment.targets, Commitment.net_zero_year, Commitment.has_target, Commitment.sbti_status)
        .where(Commitment.company_id == company_id)
    )).one_or_none()
    latest = max(versions, default=None, key=lambda v: v.reporting_year)
    years = [t["target_year"] for t in commitment.targets] + [commitment.net_zero_year or 0] if commitment else []
    has_target = bool(commitment and commitment.has_target)
    return {
        "name": name,
        "sector": sector.value,
        "facility_count": facilities,
        "reported_year": latest.reporting_year if latest else None,
        "reported_tco2e": latest.content["scope1_tco2e"] + latest.content["scope2_location_tco2e"] if latest else None,
        "verified_report": any(v.status == "verified" for v in versions),
        "climate_active": has_target or bool(versions),
        "has_target": has_target,
        "target_year": (max(years) or None) if years else None,
        "sbti_status": commitment.sbti_status.value if commitment else "none",
    }


async def stored_pairs(session: AsyncSession, company_id: uuid.UUID) -> dict[uuid.UUID, dict[str, Any]]:
    """The company's (city, company) pair rows as the database holds them, by city."""
    columns = PAIR_COLUMNS[2:]
    rows = (await session.execute(
        select(CityCompany.city_id, *(CityCompany.__table__.c[c] for c in columns)).where(CityCompany.company_id == company_id)
    )).all()
    return {row[0]: {c: (v.value if hasattr(v, "value") else v) for c, v in zip(columns, row[1:])} for row in rows}


async def recounted_pairs(session: AsyncSession, company_id: uuid.UUID, facts: dict[str, Any]) -> dict[uuid.UUID, dict[str, Any]]:
    """A pair for each city holding some of its facilities, with how many, and a copy of its facts."""
    cities = await session.scalars(select(FacilityCity.city_id).where(FacilityCity.company_id == company_id))
    counts: dict[uuid.UUID, int] = {}
    for city_id in cities:
        counts[city_id] = counts.get(city_id, 0) + 1
    return {city_id: {"facilities": n} | {c: facts[c] for c in COPIED} for city_id, n in counts.items()}


async def check(session: AsyncSession, company_id: uuid.UUID, **expected: Any) -> dict[str, Any]:
    """The stored row and the company's pairs agree with the source rows, and the row holds the
    values the test names."""
    row_now = await stored(session, company_id)
    assert row_now == await recounted(session, company_id)
    assert await stored_pairs(session, company_id) == await recounted_pairs(session, company_id, row_now)
    assert row_now is not None and {k: row_now[k] for k in expected} == expected
    return row_now


async def test_a_new_company_has_its_row_and_a_renamed_one_keeps_it_in_step(session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner, name="Rhône Steel", sector="C")
    await check(session, company.id, name="Rhône Steel", sector="C", facility_count=0, climate_active=False,
                reported_tco2e=None, sbti_status="none")
    await companies.update_company(session, company=company, data=CompanyUpdate(name="Rhône Green Steel", sector="D"), actor=owner)
    await check(session, company.id, name="Rhône Green Steel", sector="D")
    await companies.update_company(session, company=company, data=CompanyUpdate(country_code="BE"), actor=owner)
    await check(session, company.id, name="Rhône Green Steel")


async def test_facilities_count_as_they_are_added(session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    await make_facility(session, company, actor=owner)
    await check(session, company.id, facility_count=1, climate_active=False, reported_tco2e=None, sbti_status="none")
    await make_facility(session, company, actor=owner, latitude=48.85, longitude=2.35)
    await check(session, company.id, facility_count=2)


async def test_co_location_changes_leave_the_count_and_a_removed_facility_is_recounted(session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    company = await make_company(session, creator=officer)
    facility = await make_facility(session, company, actor=officer)
    assert await session.scalar(select(func.count()).select_from(FacilityCity).where(FacilityCity.city_id == city.id)) == 1
    # The city is re-drawn away from the facility: co-location changes, the company's own facts do not.
    far = {"latitude": LYON["latitude"] + 1, "longitude": LYON["longitude"] + 1}
    await cities.update_city(session, city=city, data=CityUpdate(**far, radius_km=5), actor=officer)
    assert await session.scalar(select(func.count()).select_from(FacilityCity).where(FacilityCity.city_id == city.id)) == 0
    await check(session, company.id, facility_count=1)
    assert await stored_pairs(session, company.id) == {}
    # Drawn back over it, the city holds the company again.
    await cities.update_city(session, city=city, data=CityUpdate(**{k: LYON[k] for k in far}, radius_km=15), actor=officer)
    await check(session, company.id, facility_count=1)
    assert (await stored_pairs(session, company.id))[city.id]["facilities"] == 1
    # Nothing removes a facility yet; whatever does is followed by a refresh, which recounts.
    await session.execute(delete(Facility).where(Facility.id == facility.id))
    await refresh_company_rollup(session, [company.id])
    await check(session, company.id, facility_count=0)


async def test_reports_submitted_restated_and_verified(session: AsyncSession) -> None:
    owner, auditor = await make_user(session), await make_user(session)
    company = await make_company(session, creator=owner)
    first = await make_report(session, company, actor=owner, reporting_year=2022, scope1_tco2e=100.0, scope2_location_tco2e=20.0)
    await check(session, company.id, reported_year=2022, reported_tco2e=120.0, climate_active=True, verified_report=False)
    latest = await make_report(session, company, actor=owner, reporting_year=2024, scope1_tco2e=300.0, scope2_location_tco2e=40.0)
    await check(session, company.id, reported_year=2024, reported_tco2e=340.0)
    # An earlier year submitted later does not displace the latest one.
    await make_report(session, company, actor=owner, reporting_year=2023, scope1_tco2e=1.0, scope2_location_tco2e=1.0)
    await check(session, company.id, reported_year=2024, reported_tco2e=340.0)

    restated = RestatementCreate(**REPORT | {"reporting_year": 2024, "scope1_tco2e": 250.0, "scope2_location_tco2e": 50.0,
                                            "reason": "meter readings corrected"})
    await reports.restate_report(session, report=latest, data=restated, actor=Actor(user=owner))
    await check(session, company.id, reported_tco2e=300.0)

    verifier = await make_verifier(session, creator=auditor)
    await verification.decide(session, report=first, verifier=verifier, data=VERIFIED, user=auditor)
    await check(session, company.id, verified_report=True, reported_tco2e=300.0)
    # Restating the verified report starts its verification over: no verified report is left.
    again = RestatementCreate(**REPORT | {"reporting_year": 2022, "reason": "scope 2 factors updated"})
    await reports.restate_report(session, report=first, data=again, actor=Actor(user=owner))
    await check(session, company.id, verified_report=False)


async def test_a_rejection_is_not_a_verified_report(session: AsyncSession) -> None:
    owner, auditor = await make_user(session), await make_user(session)
    company = await make_company(session, creator=owner)
    report = await make_report(session, company, actor=owner)
    verifier = await make_verifier(session, creator=auditor)
    rejected = VerificationCreate(outcome="rejected", **DECISION)
    await verification.decide(session, report=report, verifier=verifier, data=rejected, user=auditor)
    await check(session, company.id, verified_report=False, climate_active=True)


async def test_commitments_set_and_cleared(session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    targets = [{"base_year": 2019, "target_year": 2030, "reduction_pct": 40, "scopes": [1, 2]},
               {"base_year": 2019, "target_year": 2035, "reduction_pct": 60, "scopes": [1, 2]}]
    await companies.put_commitment(session, company=company, actor=owner, data=CommitmentWrite(
        targets=targets, net_zero_year=2050, sbti_status="validated"))
    await check(session, company.id, has_target=True, target_year=2050, sbti_status="validated", climate_active=True)
    await companies.put_commitment(session, company=company, actor=owner, data=CommitmentWrite(
        targets=targets, sbti_status="committed"))
    await check(session, company.id, has_target=True, target_year=2035, sbti_status="committed")
    await companies.put_commitment(session, company=company, actor=owner, data=CommitmentWrite())
    await check(session, company.id, has_target=False, target_year=None, sbti_status="none", climate_active=False)
    await make_report(session, company, actor=owner)
    await check(session, company.id, has_target=False, climate_active=True)


async def test_an_import_refreshes_every_company_in_the_file(session: AsyncSession) -> None:
    firms = [await make_company(session, name=f"Firm {n}") for n in range(3)]
    rows = [row(firm.id, year, scope1_tco2e=10 * n + year - 2020) for n, firm in enumerate(firms) for year in (2021, 2022)]
    await csv_import.import_reports(session, io.BytesIO(csv_bytes(rows)), user=None)
    for n, firm in enumerate(firms):
        await check(session, firm.id, reported_year=2022, reported_tco2e=10 * n + 2 + 50.0, climate_active=True)


async def test_a_rebuild_recomputes_every_row(session: AsyncSession) -> None:
    owner = await make_user(session)
    await make_city(session, creator=owner)
    company = await make_company(session, creator=owner)
    await make_facility(session, company, actor=owner)
    await make_report(session, company, actor=owner)
    before, pairs_before = await stored(session, company.id), await stored_pairs(session, company.id)
    assert pairs_before
    await session.execute(CompanyRollup.__table__.update().values(facility_count=99, climate_active=False))
    await session.execute(CityCompany.__table__.update().values(facilities=7, name="Stale"))
    companies, pairs = await rebuild_company_rollups(session)
    assert companies >= 1 and pairs >= len(pairs_before)
    assert await stored(session, company.id) == before
    assert await stored_pairs(session, company.id) == pairs_before
    await check(session, company.id)


async def test_a_claimed_row_makes_the_next_writer_wait(
    database: DatabaseUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reports for one company in two transactions at once. The first writer is held just after
    its refresh claimed the rollup row, before it recomputes it: the second writer must wait for its
    commit, and the row it leaves counts both reports, which neither writer saw when it began."""
    if database.backend != "postgres":
        pytest.skip("SQLite runs one writer at a time")
    url = await fresh_database_url(database.backend, str(tmp_path))
    engine = make_engine(url)
    try:
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            owner = await make_user(session)
            company = await make_company(session, creator=owner)
            await make_facility(session, company, actor=owner)
            await session.commit()
        claim, _ = _refresh_statements("postgresql")
        claimed, go = asyncio.Event(), asyncio.Event()
        held: list[AsyncSession] = []
        unheld_rows = driver.rows

        async def rows(session: AsyncSession, stmt: Any, params: Any = None) -> Any:
            found = await unheld_rows(session, stmt, params)
            if stmt is claim and session in held:
                claimed.set()
                await go.wait()
            return found

        monkeypatch.setattr(driver, "rows", rows)
        done: list[str] = []

        async def first() -> None:
            async with sessions() as session:
                held.append(session)
                await make_report(session, company, actor=owner, reporting_year=2024, scope1_tco2e=2024.0,
                                  scope2_location_tco2e=0.0)
                await session.commit()
                done.append("first committed")

        async def second() -> None:
            await claimed.wait()
            async with sessions() as session:
                await make_report(session, company, actor=owner, reporting_year=2023, scope1_tco2e=2023.0,
                                  scope2_location_tco2e=0.0)
                done.append("second written")
                await session.commit()

        async def waiting_on_a_lock() -> bool:
            async with engine.connect() as connection:
                return bool(await connection.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )))

        writers = [asyncio.create_task(first()), asyncio.create_task(second())]
        await claimed.wait()
        for _ in range(100):  # until the second writer waits for a lock, or has got through without one
            if done or await waiting_on_a_lock():
                break
            await asyncio.sleep(0.05)
        go.set()
        await asyncio.gather(*writers)
        assert done == ["first committed", "second written"]
        async with sessions() as session:
            await check(session, company.id, reported_year=2024, reported_tco2e=2024.0, facility_count=1)
    finally:
        await engine.dispose()
        await drop_postgres_database(url)
