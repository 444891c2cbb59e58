"""Idempotency-Key: one record per key, the first answer replayed, also when two requests race."""

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import make_sessionmaker
from app.main import create_app
from app.reports.models import EmissionsReport, ReportVersion
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate, settings_for
from tests.factories import REPORT, auth_headers, make_company, make_user

API = "/api/v1"


async def count_reports(session: AsyncSession, company_id: object) -> int:
    stmt = select(func.count()).select_from(EmissionsReport).where(EmissionsReport.company_id == company_id)
    return await session.scalar(stmt) or 0


async def test_a_retry_gets_the_first_answer(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    url, headers = f"{API}/companies/{company.id}/reports", await auth_headers(session, admin) | {"Idempotency-Key": "erp-2023-1"}
    first = await client.post(url, json=REPORT, headers=headers)
    retry = await client.post(url, json=REPORT, headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert await count_reports(session, company.id) == 1
    other_body = await client.post(url, json=REPORT | {"scope1_tco2e": 1}, headers=headers)
    assert other_body.status_code == 409 and "different request" in other_body.json()["detail"]
    # Without a key, a second submission for the year is the usual conflict.
    assert (await client.post(url, json=REPORT, headers=await auth_headers(session, admin))).status_code == 409


async def test_a_failed_first_request_does_not_burn_the_key(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    url, headers = f"{API}/companies/{company.id}/reports", await auth_headers(session, admin) | {"Idempotency-Key": "k"}
    await client.post(url, json=REPORT | {"reporting_year": 2020}, headers=await auth_headers(session, admin))
    clash = REPORT | {"reporting_year": 2020}
    assert (await client.post(url, json=clash, headers=headers)).status_code == 409
    assert (await client.post(url, json=REPORT, headers=headers)).status_code == 201


@pytest.mark.parametrize("key", ["", " ", "x" * 201])
async def test_bad_keys_are_422(client: httpx.AsyncClient, session: AsyncSession, key: str) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    headers = await auth_headers(session, admin) | {"Idempotency-Key": key}
    assert (await client.post(f"{API}/companies/{company.id}/reports", json=REPORT, headers=headers)).status_code == 422


async def test_two_identical_requests_racing_store_one_report(database: DatabaseUnderTest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two requests on the real engine, each with its own connection and transaction, at the same time."""
    url = await fresh_database_url(database.backend, str(tmp_path))
    app = create_app(settings_for(url))
    try:
        await migrate(app.state.engine)
        async with make_sessionmaker(app.state.engine)() as session:
            admin = await make_user(session)
            company = await make_company(session, creator=admin)
            headers = await auth_headers(session, admin) | {"Idempotency-Key": "race-1"}
            await session.commit()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            post = lambda: client.post(f"{API}/companies/{company.id}/reports", json=REPORT, headers=headers)  # noqa: E731
            for _ in range(3):
                responses = await asyncio.gather(post(), post(), post())
                assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
                assert len({r.json()["id"] for r in responses}) == 1
        async with make_sessionmaker(app.state.engine)() as session:
            assert await count_reports(session, company.id) == 1
            assert await session.scalar(select(func.count()).select_from(ReportVersion)) == 1
    finally:
        await app.state.engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)
