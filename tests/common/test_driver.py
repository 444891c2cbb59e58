"""Core statements run on the driver inside a session's transaction answer and store what the
session would, on every database."""

import uuid

import pytest
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.common import driver
from app.db import make_sessionmaker, new_id, utcnow
from app.identity import audit
from app.identity.models import AuditEvent
from app.reports.models import IdempotencyKey
from tests.conftest import DatabaseUnderTest
from tests.factories import make_company

KEYS = IdempotencyKey.__table__
CLAIM = insert(KEYS).values({name: bindparam(name) for name in ("id", "company_id", "key", "request_hash", "created_at")})
ANSWER = update(KEYS).where(KEYS.c.id == bindparam("claimed")).values(
    status_code=bindparam("status_code"), response=bindparam("response")
).returning(KEYS.c.response, KEYS.c.status_code)
OF_COMPANIES = select(KEYS.c.key).where(KEYS.c.company_id.in_(bindparam("ids", expanding=True))).order_by(KEYS.c.key)


def claim(company_id: uuid.UUID, key: str) -> dict[str, object]:
    return {"id": new_id(), "company_id": company_id, "key": key, "request_hash": "0" * 64, "created_at": utcnow()}


async def test_rows_come_back_by_position_with_json_as_documents(session: AsyncSession) -> None:
    company = await make_company(session)
    params = claim(company.id, "k")
    assert await driver.rows(session, CLAIM, params) == []
    answer = {"id": "x", "figures": [1.5, None], "nested": {"ok": True}}
    [row] = await driver.rows(session, ANSWER, {"claimed": params["id"], "status_code": 201, "response": answer})
    assert (row[0], row[1]) == (answer, 201)
    # What the driver wrote, the session reads back alike.
    stored = await session.get(IdempotencyKey, params["id"])
    assert stored is not None and stored.response == answer and stored.status_code == 201


async def test_a_list_parameter_expands_to_as_many_values_as_it_holds(session: AsyncSession) -> None:
    first, second = await make_company(session), await make_company(session, name="Other firm")
    for company_id, key in ((first.id, "a"), (first.id, "b"), (second.id, "c")):
        await driver.rows(session, CLAIM, claim(company_id, key))
    assert [row[0] for row in await driver.rows(session, OF_COMPANIES, {"ids": [first.id]})] == ["a", "b"]
    assert [row[0] for row in await driver.rows(session, OF_COMPANIES, {"ids": [first.id, second.id]})] == ["a", "b", "c"]
    assert await driver.first(session, OF_COMPANIES, {"ids": [new_id()]}) is None


async def test_pending_orm_changes_are_flushed_first(session: AsyncSession) -> None:
    company = await make_company(session)
    session.add(IdempotencyKey(company_id=company.id, key="pending", request_hash="0" * 64))
    assert [row[0] for row in await driver.rows(session, OF_COMPANIES, {"ids": [company.id]})] == ["pending"]


async def test_a_duplicate_is_an_integrity_error_as_through_the_session(session: AsyncSession) -> None:
    company = await make_company(session)
    await driver.rows(session, CLAIM, claim(company.id, "once"))
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await driver.rows(session, CLAIM, claim(company.id, "once"))
    assert [row[0] for row in await driver.rows(session, OF_COMPANIES, {"ids": [company.id]})] == ["once"]


async def test_a_statement_that_leaves_defaults_to_sqlalchemy_is_refused_everywhere(session: AsyncSession) -> None:
    company = await make_company(session)
    without_id = insert(KEYS).values(company_id=bindparam("company_id"), key="k", request_hash="0" * 64)
    with pytest.raises(ValueError, match="defaults"):
        await driver.rows(session, without_id, {"company_id": company.id})


async def test_the_first_statement_of_a_session_runs_in_its_transaction(database: DatabaseUnderTest) -> None:
    sessions = make_sessionmaker(database.engine)
    event = audit.entry(actor_id=None, action="test.driver", object_type="test", object_id=new_id(), summary="kept?")
    recorded = select(func.count()).select_from(AuditEvent).where(AuditEvent.id == event["id"])
    async with sessions() as session:
        await driver.rows(session, audit.INSERT, event)
        assert await session.scalar(recorded) == 1
        await session.rollback()
    async with sessions() as session:
        assert await session.scalar(recorded) == 0


async def test_a_session_in_autocommit_mode_runs_each_statement_on_its_own(database: DatabaseUnderTest) -> None:
    # As the pages' reading sessions do: no transaction is begun for them.
    sessions = make_sessionmaker(database.engine.execution_options(isolation_level="AUTOCOMMIT"))
    async with sessions() as session:
        assert await driver.rows(session, OF_COMPANIES, {"ids": [new_id()]}) == []
