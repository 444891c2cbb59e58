"""Verification: requests, the verifier's queue and each rule of an independent decision."""

import uuid

import httpx
import pytest
from sqlalchemy import Uuid, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.companies.models import Company
from app.errors import Conflict
from app.identity.models import AuditEvent, Role
from app.reports import verification
from app.reports.auth import Actor, deciding_verifier
from app.reports.schemas import VerificationCreate
from tests.factories import REPORT, add_member, auth_headers, make_company, make_report, make_user, make_verifier

API = "/api/v1"
DECISION = {"outcome": "verified", "assurance_level": "limited", "standard": "ISO 14064-3", "statement": "Figures agree with the records."}


async def setting(session: AsyncSession, *, accredited: bool = True):  # type: ignore[no-untyped-def]
    company_admin, auditor = await make_user(session), await make_user(session)
    company = await make_company(session, creator=company_admin)
    report = await make_report(session, company, actor=company_admin)
    verifier = await make_verifier(session, creator=auditor, accredited=accredited)
    return report, company_admin, verifier, auditor


async def ask(client: httpx.AsyncClient, session: AsyncSession, report, verifier, user) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post(
        f"{API}/reports/{report.id}/verification-requests", json={"verifier_id": str(verifier.id)},
        headers=await auth_headers(session, user),
    )


async def test_request_queue_and_decision(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    requested = await ask(client, session, report, verifier, company_admin)
    assert requested.status_code == 201 and requested.json()["version"] == 1 and requested.json()["status"] == "open"
    assert (await ask(client, session, report, verifier, company_admin)).status_code == 409
    auditor_headers = await auth_headers(session, auditor)
    queue = (await client.get(f"{API}/verifiers/{verifier.id}/queue", headers=auditor_headers)).json()
    assert [(i["report_id"], i["version"], i["reporting_year"]) for i in queue["items"]] == [(str(report.id), 1, 2023)]
    decided = await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=auditor_headers)
    assert decided.status_code == 201
    assert decided.json()["verifier_id"] == str(verifier.id) and decided.json()["standard"] == "ISO 14064-3"
    body = (await client.get(f"{API}/reports/{report.id}")).json()
    assert body["status"] == "verified" and body["verification"]["assurance_level"] == "limited"
    assert body["flags"] == []
    assert (await client.get(f"{API}/verifiers/{verifier.id}/queue", headers=auditor_headers)).json()["items"] == []
    second = await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION | {"outcome": "rejected"}, headers=auditor_headers)
    assert second.status_code == 409
    assert (await ask(client, session, report, verifier, company_admin)).status_code == 409


async def test_a_rejection_is_shown_and_flagged(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    await ask(client, session, report, verifier, company_admin)
    decision = DECISION | {"outcome": "rejected", "assurance_level": "reasonable"}
    assert (await client.post(f"{API}/reports/{report.id}/verifications", json=decision, headers=await auth_headers(session, auditor))).status_code == 201
    body = (await client.get(f"{API}/reports/{report.id}")).json()
    assert body["status"] == "rejected" and [f["code"] for f in body["flags"]] == ["claims_rejected"]


async def test_a_restatement_starts_verification_over(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    company_headers, auditor_headers = await auth_headers(session, company_admin), await auth_headers(session, auditor)
    await ask(client, session, report, verifier, company_admin)
    await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=auditor_headers)
    restated = await client.post(f"{API}/reports/{report.id}/restatements", json=REPORT | {"reason": "late invoices"}, headers=company_headers)
    assert restated.json()["status"] == "submitted" and restated.json()["verification"] is None
    # The request was for version 1: deciding on version 2 needs a new one.
    assert (await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=auditor_headers)).status_code == 403
    assert (await ask(client, session, report, verifier, company_admin)).json()["version"] == 2
    assert (await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=auditor_headers)).status_code == 201


async def test_a_pending_request_is_dropped_by_a_restatement(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    await ask(client, session, report, verifier, company_admin)
    await client.post(f"{API}/reports/{report.id}/restatements", json=REPORT | {"reason": "late invoices"}, headers=await auth_headers(session, company_admin))
    queue = (await client.get(f"{API}/verifiers/{verifier.id}/queue", headers=await auth_headers(session, auditor))).json()
    assert queue["items"] == []


async def test_only_accredited_verifiers_decide(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session, accredited=False)
    await ask(client, session, report, verifier, company_admin)
    response = await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=await auth_headers(session, auditor))
    assert response.status_code == 403 and "accredited" in response.json()["detail"]


async def test_only_a_verifier_that_was_asked_decides(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, _, verifier, auditor = await setting(session)
    response = await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=await auth_headers(session, auditor))
    assert response.status_code == 403
    named = await client.post(
        f"{API}/reports/{report.id}/verifications", json=DECISION | {"verifier_id": str(verifier.id)},
        headers=await auth_headers(session, auditor),
    )
    assert named.status_code == 403 and "not asked" in named.json()["detail"]


async def test_a_shared_member_is_a_conflict_of_interest(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    await ask(client, session, report, verifier, company_admin)
    company = await session.get(Company, report.company_id)
    await add_member(session, company, auditor, Role.VIEWER)
    response = await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=await auth_headers(session, auditor))
    assert response.status_code == 403 and "conflict of interest" in response.json()["detail"]


async def test_only_the_verifiers_editors_decide(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, _ = await setting(session)
    await ask(client, session, report, verifier, company_admin)
    url = f"{API}/reports/{report.id}/verifications"
    assert (await client.post(url, json=DECISION)).status_code == 401
    viewer = await make_user(session)
    await add_member(session, verifier, viewer, Role.VIEWER)
    assert (await client.post(url, json=DECISION, headers=await auth_headers(session, viewer))).status_code == 403
    named = await client.post(url, json=DECISION | {"verifier_id": str(verifier.id)}, headers=await auth_headers(session, viewer))
    assert named.status_code == 403
    # The company cannot verify itself either.
    assert (await client.post(url, json=DECISION, headers=await auth_headers(session, company_admin))).status_code == 403
    assert (await client.post(url, json=DECISION | {"assurance_level": "high"}, headers=await auth_headers(session, viewer))).status_code == 422
    assert (await client.post(f"{API}/reports/{uuid.uuid4()}/verifications", json=DECISION, headers=await auth_headers(session, viewer))).status_code == 404


async def test_requests_need_a_company_editor_and_a_known_verifier(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, _, verifier, auditor = await setting(session)
    url = f"{API}/reports/{report.id}/verification-requests"
    assert (await client.post(url, json={"verifier_id": str(verifier.id)})).status_code == 401
    assert (await ask(client, session, report, verifier, auditor)).status_code == 403
    company_admin = await make_user(session)
    company = await make_company(session, creator=company_admin, name="Other")
    own = await make_report(session, company, actor=company_admin)
    unknown = await client.post(f"{API}/reports/{own.id}/verification-requests", json={"verifier_id": str(uuid.uuid4())}, headers=await auth_headers(session, company_admin))
    assert unknown.status_code == 422


async def test_the_queue_is_for_the_verifiers_members(client: httpx.AsyncClient, session: AsyncSession) -> None:
    _, company_admin, verifier, _ = await setting(session)
    url = f"{API}/verifiers/{verifier.id}/queue"
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=await auth_headers(session, company_admin))).status_code == 403
    viewer = await make_user(session)
    await add_member(session, verifier, viewer, Role.VIEWER)
    assert (await client.get(url, headers=await auth_headers(session, viewer))).status_code == 200
    assert (await client.get(f"{API}/verifiers/{uuid.uuid4()}/queue", headers=await auth_headers(session, viewer))).status_code == 404


async def test_a_decision_loses_to_a_restatement_committed_meanwhile(session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    await verification.request_verification(session, report=report, verifier_id=verifier.id, actor=Actor(user=company_admin))
    decider = await deciding_verifier(session, auditor, report, None)
    # Another request restates the report between this one's checks and its write.
    await session.execute(text("UPDATE emissions_report SET current_version = 2 WHERE id = :id").bindparams(
        bindparam("id", report.id, type_=Uuid())
    ))
    with pytest.raises(Conflict):
        await verification.decide(session, report=report, verifier=decider, data=VerificationCreate(**DECISION), user=auditor)


async def test_every_write_is_in_the_companys_audit_log(client: httpx.AsyncClient, session: AsyncSession) -> None:
    report, company_admin, verifier, auditor = await setting(session)
    company_headers = await auth_headers(session, company_admin)
    await client.post(f"{API}/reports/{report.id}/restatements", json=REPORT | {"reason": "late invoices"}, headers=company_headers)
    await ask(client, session, report, verifier, company_admin)
    await client.post(f"{API}/reports/{report.id}/verifications", json=DECISION, headers=await auth_headers(session, auditor))
    created = await client.post(f"{API}/companies/{report.company_id}/api-clients", json={"name": "ERP"}, headers=company_headers)
    await client.delete(f"{API}/companies/{report.company_id}/api-clients/{created.json()['id']}", headers=company_headers)
    actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == report.company_id))).all()
    assert {"report.submit", "report.restate", "verification.request", "verification.decide",
            "api_client.create", "api_client.delete"} <= set(actions)
