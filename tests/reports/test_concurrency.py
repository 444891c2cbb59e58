"""Submissions at the same time, each with its own connection and transaction, as in production."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.badges.models import BadgeAssertion
from app.db import make_sessionmaker
from app.identity.models import AuditEvent
from app.main import create_app
from app.reports.models import EmissionsReport, IdempotencyKey, ReportVersion
from tests.conftest import DatabaseUnderTest, drop_postgres_database, fresh_database_url, migrate, settings_for
from tests.factories import REPORT, auth_headers, make_company, make_user

API = "/api/v1"


@pytest.fixture
async def live(database: DatabaseUnderTest, tmp_path) -> AsyncIterator[tuple[FastAPI, str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """An app on its own database, a company without reports, and the headers of its editor."""
    url = await fresh_database_url(database.backend, str(tmp_path))
    app = create_app(settings_for(url))
    try:
        await migrate(app.state.engine)
        async with make_sessionmaker(app.state.engine)() as session:
            editor = await make_user(session)
            company = await make_company(session, creator=editor)
            headers = await auth_headers(session, editor)
            await session.commit()
        yield app, f"{API}/companies/{company.id}/reports", headers
    finally:
        await app.state.engine.dispose()
        if database.backend == "postgres":
            await drop_postgres_database(url)


async def count(app: FastAPI, model: type, *where: object) -> int:
    async with make_sessionmaker(app.state.engine)() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


async def test_a_burst_of_retries_with_one_key_stores_one_report(live) -> None:  # type: ignore[no-untyped-def]
    app, url, headers = live
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        responses = await asyncio.gather(*(
            client.post(url, json=REPORT, headers=headers | {"Idempotency-Key": "burst"}) for _ in range(8)
        ))
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.json()["content_hash"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
    assert await count(app, EmissionsReport) == await count(app, ReportVersion) == await count(app, IdempotencyKey) == 1
    assert await count(app, AuditEvent, AuditEvent.action == "report.submit") == 1


async def test_first_reports_for_several_years_at_once_award_one_badge(live) -> None:  # type: ignore[no-untyped-def]
    """Each submission finds the company without a badge; only one may award it, none may fail."""
    app, url, headers = live
    years = range(2010, 2018)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        responses = await asyncio.gather(*(
            client.post(url, json=REPORT | {"reporting_year": year}, headers=headers | {"Idempotency-Key": f"y{year}"})
            for year in years
        ))
    assert [r.status_code for r in responses] == [201] * len(years), [r.text for r in responses]
    assert await count(app, EmissionsReport) == len(years)
    assert await count(app, BadgeAssertion) == 1
    assert await count(app, BadgeAssertion, BadgeAssertion.revoked_at.is_(None)) == 1


async def test_one_year_submitted_at_once_under_several_keys_is_stored_once(live) -> None:  # type: ignore[no-untyped-def]
    app, url, headers = live
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        responses = await asyncio.gather(*(
            client.post(url, json=REPORT, headers=headers | {"Idempotency-Key": f"k{n}"}) for n in range(6)
        ))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 5, [r.text for r in responses]
    stored = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert all(r.json()["report_id"] == stored for r in responses if r.status_code == 409)
    assert await count(app, EmissionsReport) == await count(app, IdempotencyKey) == 1
