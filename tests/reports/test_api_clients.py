"""API client keys: shown once, stored hashed, good for the company's report calls and nothing else."""

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Role
from app.identity.security import token_digest
from app.reports.models import ApiClient
from tests.factories import REPORT, add_member, auth_headers, make_company, make_report, make_user, make_verifier

API = "/api/v1"


async def test_a_key_submits_restates_and_requests_for_its_company_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    other = await make_company(session, creator=admin, name="Other Co")
    created = await client.post(f"{API}/companies/{company.id}/api-clients", json={"name": "ERP export"}, headers=await auth_headers(session, admin))
    assert created.status_code == 201
    body = created.json()
    key = body["key"]
    assert key.startswith("cpk_") and body["name"] == "ERP export"
    stored = await session.scalar(select(ApiClient).where(ApiClient.id == uuid.UUID(body["id"])))
    assert stored is not None and stored.key_hash == token_digest(key) and key not in stored.key_hash
    machine = {"Authorization": f"Bearer {key}"}

    submitted = await client.post(f"{API}/companies/{company.id}/reports", json=REPORT, headers=machine)
    assert submitted.status_code == 201
    report_id = submitted.json()["id"]
    restated = await client.post(f"{API}/reports/{report_id}/restatements", json=REPORT | {"reason": "ERP correction"}, headers=machine)
    assert restated.status_code == 201 and restated.json()["version"] == 2
    verifier = await make_verifier(session)
    requested = await client.post(f"{API}/reports/{report_id}/verification-requests", json={"verifier_id": str(verifier.id)}, headers=machine)
    assert requested.status_code == 201

    # Another company's reports: forbidden; anything else on the platform: the key is no token there.
    assert (await client.post(f"{API}/companies/{other.id}/reports", json=REPORT, headers=machine)).status_code == 403
    other_report = await make_report(session, other, actor=admin)
    assert (await client.post(f"{API}/reports/{other_report.id}/restatements", json=REPORT | {"reason": "hijack"}, headers=machine)).status_code == 403
    assert (await client.get(f"{API}/users/me", headers=machine)).status_code == 401
    assert (await client.patch(f"{API}/companies/{company.id}", json={"name": "Renamed"}, headers=machine)).status_code == 401
    assert (await client.post(f"{API}/reports/{report_id}/verifications", json={"outcome": "verified", "assurance_level": "limited", "statement": "x"}, headers=machine)).status_code == 401
    assert (await client.post(f"{API}/companies/{company.id}/api-clients", json={"name": "more"}, headers=machine)).status_code == 401

    deleted = await client.delete(f"{API}/companies/{company.id}/api-clients/{body['id']}", headers=await auth_headers(session, admin))
    assert deleted.status_code == 204
    stopped = await client.post(f"{API}/companies/{company.id}/reports", json=REPORT | {"reporting_year": 2024}, headers=machine)
    assert stopped.status_code == 401
    again = await client.delete(f"{API}/companies/{company.id}/api-clients/{body['id']}", headers=await auth_headers(session, admin))
    assert again.status_code == 404


async def test_only_company_admins_manage_keys(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin, editor = await make_user(session), await make_user(session)
    company = await make_company(session, creator=admin)
    await add_member(session, company, editor, Role.EDITOR)
    url = f"{API}/companies/{company.id}/api-clients"
    assert (await client.post(url, json={"name": "x"})).status_code == 401
    assert (await client.post(url, json={"name": "x"}, headers=await auth_headers(session, editor))).status_code == 403
    assert (await client.post(url, json={"name": ""}, headers=await auth_headers(session, admin))).status_code == 422
    assert (await client.post(f"{API}/companies/{uuid.uuid4()}/api-clients", json={"name": "x"}, headers=await auth_headers(session, admin))).status_code == 404
    created = (await client.post(url, json={"name": "x"}, headers=await auth_headers(session, admin))).json()
    assert (await client.delete(f"{url}/{created['id']}", headers=await auth_headers(session, editor))).status_code == 403
    assert (await client.delete(f"{url}/{uuid.uuid4()}", headers=await auth_headers(session, admin))).status_code == 404
