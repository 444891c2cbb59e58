"""Submitting, restating and reading reports through the API: every rule of the contract."""

import uuid

import httpx
import pytest
from sqlalchemy import Uuid, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import AuditEvent, Role
from app.reports.models import EmissionsReport, ReportVersion
from tests.factories import (
    REPORT, add_member, auth_headers, lift_append_only_guard, make_company, make_facility, make_report, make_user,
)

API = "/api/v1"
PROBLEM = "application/problem+json"


async def company_with_editor(session: AsyncSession):  # type: ignore[no-untyped-def]
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    editor = await make_user(session)
    await add_member(session, company, editor, Role.EDITOR)
    return company, admin, editor


async def test_an_editor_submits_a_report(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, _, editor = await company_with_editor(session)
    assert (await client.get(f"{API}/companies/{company.id}")).json()["climate_active"] is False
    response = await client.post(f"{API}/companies/{company.id}/reports", json=REPORT, headers=await auth_headers(session, editor))
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1 and body["status"] == "submitted" and len(body["content_hash"]) == 64
    assert body["previous_hash"] is None and body["verification"] is None
    assert body["total_tco2e"] == 1200 + 800 + 3000 + 120.5 and body["scope3"] == {"1": 3000.0, "6": 120.5}
    assert [f["code"] for f in body["flags"]] == ["claims_not_verified"]
    assert (await client.get(f"{API}/reports/{body['id']}")).json() == body
    listed = (await client.get(f"{API}/companies/{company.id}/reports")).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["next_cursor"] is None
    assert (await client.get(f"{API}/companies/{company.id}")).json()["climate_active"] is True
    events = (await session.scalars(select(AuditEvent.action).where(AuditEvent.organization_id == company.id))).all()
    assert "report.submit" in events


async def test_figures_in_kilograms_are_stored_in_tonnes(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    body = REPORT | {"unit": "kgco2e", "scope1_tco2e": 2500, "scope2_location_tco2e": 500, "scope3": {"15": 1}}
    created = (await client.post(f"{API}/companies/{company.id}/reports", json=body, headers=await auth_headers(session, admin))).json()
    assert (created["scope1_tco2e"], created["scope2_location_tco2e"], created["scope3"]) == (2.5, 0.5, {"15": 0.001})


async def test_who_may_submit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, _, _ = await company_with_editor(session)
    viewer, outsider = await make_user(session), await make_user(session)
    await add_member(session, company, viewer, Role.VIEWER)
    url = f"{API}/companies/{company.id}/reports"
    assert (await client.post(url, json=REPORT)).status_code == 401
    assert (await client.post(url, json=REPORT, headers={"Authorization": "Bearer nonsense"})).status_code == 401
    assert (await client.post(url, json=REPORT, headers=await auth_headers(session, viewer))).status_code == 403
    assert (await client.post(url, json=REPORT, headers=await auth_headers(session, outsider))).status_code == 403
    unknown = await client.post(f"{API}/companies/{uuid.uuid4()}/reports", json=REPORT, headers=await auth_headers(session, outsider))
    assert unknown.status_code == 404
    assert (await client.get(f"{API}/reports/{uuid.uuid4()}")).status_code == 404
    assert await session.scalar(select(func.count()).select_from(EmissionsReport).where(EmissionsReport.company_id == company.id)) == 0


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"scope1_tco2e": -1}, "scope1_tco2e"),
        ({"scope1_tco2e": "lots"}, "scope1_tco2e"),
        ({"scope2_location_tco2e": None}, "scope2_location_tco2e"),
        ({"scope3": {"16": 1}}, "scope3"),
        ({"scope3": {"3": -2}}, "scope3"),
        ({"boundary": "control"}, "boundary"),
        ({"methodology": ""}, "methodology"),
        ({"reporting_year": 1800}, "reporting_year"),
        ({"unit": "lbco2e"}, "unit"),
        ({"status": "verified"}, "status"),
        ({"facilities": [{"facility_id": "x", "scope1_tco2e": 1, "scope2_location_tco2e": 1}]}, "facilities"),
    ],
)
async def test_bad_reports_are_422(client: httpx.AsyncClient, session: AsyncSession, change: dict, where: str) -> None:  # type: ignore[type-arg]
    company, admin, _ = await company_with_editor(session)
    response = await client.post(f"{API}/companies/{company.id}/reports", json=REPORT | change, headers=await auth_headers(session, admin))
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert any(where in error["loc"] for error in response.json()["errors"])


async def test_malformed_json_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    headers = await auth_headers(session, admin) | {"content-type": "application/json"}
    response = await client.post(f"{API}/companies/{company.id}/reports", content=b'{"scope1', headers=headers)
    assert response.status_code == 422


async def test_facility_breakdown_must_name_the_companys_facilities(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    other = await make_company(session, creator=admin, name="Other")
    mine = await make_facility(session, company, actor=admin)
    theirs = await make_facility(session, other, actor=admin)
    url, headers = f"{API}/companies/{company.id}/reports", await auth_headers(session, admin)
    rows = [{"facility_id": str(theirs.id), "scope1_tco2e": 1, "scope2_location_tco2e": 1}]
    refused = await client.post(url, json=REPORT | {"facilities": rows}, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "facilities", 0, "facility_id"]
    twice = [{"facility_id": str(mine.id), "scope1_tco2e": 1, "scope2_location_tco2e": 1}] * 2
    assert (await client.post(url, json=REPORT | {"facilities": twice}, headers=headers)).status_code == 422
    over = [{"facility_id": str(mine.id), "scope1_tco2e": 5000, "scope2_location_tco2e": 1}]
    created = await client.post(url, json=REPORT | {"facilities": over}, headers=headers)
    assert created.status_code == 201
    assert "facilities_exceed_total" in [f["code"] for f in created.json()["flags"]]


async def test_a_second_report_for_the_year_is_409(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    url, headers = f"{API}/companies/{company.id}/reports", await auth_headers(session, admin)
    first = await client.post(url, json=REPORT, headers=headers)
    second = await client.post(url, json=REPORT | {"scope1_tco2e": 1}, headers=headers)
    assert second.status_code == 409 and "restate" in second.json()["detail"]
    assert second.json()["report_id"] == first.json()["id"]


async def test_a_submitted_report_never_changes(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    headers = await auth_headers(session, admin)
    for method in ("PATCH", "PUT"):
        response = await client.request(method, f"{API}/reports/{report.id}", json={"scope1_tco2e": 1}, headers=headers)
        assert response.status_code == 405 and response.headers["content-type"] == PROBLEM
        assert "GET" in response.headers["allow"]


async def test_restatement_chains_a_new_version(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, editor = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    url = f"{API}/reports/{report.id}"
    original = (await client.get(url)).json()
    headers = await auth_headers(session, editor)
    restated = await client.post(f"{url}/restatements", json=REPORT | {"scope1_tco2e": 1000, "reason": "meter error fixed"}, headers=headers)
    assert restated.status_code == 201
    body = restated.json()
    assert body["id"] == original["id"] and body["version"] == 2 and body["reason"] == "meter error fixed"
    assert body["previous_hash"] == original["content_hash"] and body["scope1_tco2e"] == 1000
    again = await client.post(f"{url}/restatements", json={k: v for k, v in REPORT.items() if k != "reporting_year"} | {"reason": "scope 3 added"}, headers=headers)
    assert again.status_code == 201 and again.json()["version"] == 3
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [(h["version"], h["superseded"], h["reason"]) for h in history] == [
        (1, True, None), (2, True, "meter error fixed"), (3, False, "scope 3 added"),
    ]
    assert history[1]["previous_hash"] == history[0]["content_hash"] and history[2]["previous_hash"] == history[1]["content_hash"]
    assert set(history[0]) == {"version", "content_hash", "previous_hash", "submitted_at", "reason", "superseded"}
    page = (await client.get(f"{url}/history", params={"limit": 2})).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (await client.get(f"{url}/history", params={"limit": 2, "cursor": page["next_cursor"]})).json()
    assert [h["version"] for h in rest["items"]] == [3]
    assert (await client.get(f"{url}/integrity")).json()["valid"] is True


@pytest.mark.parametrize(
    ("change", "status"),
    [({"reason": ""}, 422), ({}, 422), ({"reason": "fix", "reporting_year": 2020}, 422), ({"reason": "fix", "scope1_tco2e": -5}, 422)],
)
async def test_bad_restatements(client: httpx.AsyncClient, session: AsyncSession, change: dict, status: int) -> None:  # type: ignore[type-arg]
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    body = {k: v for k, v in REPORT.items()} | change
    response = await client.post(f"{API}/reports/{report.id}/restatements", json=body, headers=await auth_headers(session, admin))
    assert response.status_code == status


async def test_who_may_restate(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    url, body = f"{API}/reports/{report.id}/restatements", REPORT | {"reason": "a correction"}
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.post(url, json=body, headers=await auth_headers(session, await make_user(session)))).status_code == 403
    assert (await client.post(f"{API}/reports/{uuid.uuid4()}/restatements", json=body, headers=await auth_headers(session, admin))).status_code == 404


async def test_an_unexplained_drop_is_flagged_until_a_restatement_explains_it(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    await make_report(session, company, actor=admin, reporting_year=2022)
    report = await make_report(session, company, actor=admin, reporting_year=2023, scope1_tco2e=10, scope2_location_tco2e=10, scope3={})
    flags = (await client.get(f"{API}/reports/{report.id}/flags")).json()
    assert {"items", "next_cursor"} == set(flags)
    assert [f["code"] for f in flags["items"]] == ["yoy_drop_unexplained", "claims_not_verified"]
    assert {"code", "severity", "detail"} == set(flags["items"][0])
    first = (await client.get(f"{API}/reports/{report.id}/flags", params={"limit": 1})).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    assert (await client.get(f"{API}/reports/{report.id}/flags", params={"limit": 0})).status_code == 422
    body = REPORT | {"scope1_tco2e": 10, "scope2_location_tco2e": 10, "scope3": {}, "reason": "sold the steel plant in 2023"}
    await client.post(f"{API}/reports/{report.id}/restatements", json=body, headers=await auth_headers(session, admin))
    codes = [f["code"] for f in (await client.get(f"{API}/reports/{report.id}")).json()["flags"]]
    assert codes == ["claims_not_verified"]


async def test_editing_a_stored_version_shows_in_the_integrity_check(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    await client.post(f"{API}/reports/{report.id}/restatements", json=REPORT | {"reason": "a correction"}, headers=await auth_headers(session, admin))
    url = f"{API}/reports/{report.id}/integrity"
    assert (await client.get(url)).json() == {"valid": True, "versions": 2, "problems": []}
    # What an attacker with the database owner's rights would do: lift the append-only guard,
    # then lower scope 1 of the first version in place.
    await lift_append_only_guard(session, "report_version")
    edit = {
        "sqlite": "UPDATE report_version SET content = json_set(content, '$.scope1_tco2e', 1.0) WHERE id = :id",
        "postgresql": "UPDATE report_version SET content = jsonb_set(content, '{scope1_tco2e}', '1.0') WHERE id = :id",
    }[session.get_bind().dialect.name]
    first = await session.scalar(select(ReportVersion.id).where(ReportVersion.report_id == report.id, ReportVersion.version == 1))
    changed = await session.execute(text(edit).bindparams(bindparam("id", first, type_=Uuid())))
    assert changed.rowcount == 1  # type: ignore[attr-defined]
    checked = (await client.get(url)).json()
    assert checked["valid"] is False and "version 1 does not match its hash" in checked["problems"]


@pytest.mark.parametrize(
    "raw",
    [b"[]", b"null", b'"report"', b'{"scope3": []}', b'{"scope1_tco2e": 1e400}', b'{"scope1_tco2e": NaN}',
     b'{"facilities": null, "unit": null}', b'{"scope3": {"1": {"1": 2}}}', b"[" * 5000 + b"]" * 5000, b"\xff\xfe"],
)
async def test_no_malformed_body_gets_a_5xx(client: httpx.AsyncClient, session: AsyncSession, raw: bytes) -> None:
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    headers = await auth_headers(session, admin) | {"content-type": "application/json"}
    for url in (f"{API}/companies/{company.id}/reports", f"{API}/reports/{report.id}/restatements",
                f"{API}/reports/{report.id}/verifications", f"{API}/reports/{report.id}/verification-requests"):
        response = await client.post(url, content=raw, headers=headers)
        # JSON nested too deeply for the parser is refused by FastAPI itself, as a 400.
        assert response.status_code == (400 if raw.startswith(b"[[") else 422), (url, response.text)


@pytest.mark.parametrize("authorization", ["Bearer cpk_unknown", "Basic abc", "Bearer", "Bearer cpt_unknown"])
async def test_bad_credentials_are_401(client: httpx.AsyncClient, session: AsyncSession, authorization: str) -> None:
    company, _, _ = await company_with_editor(session)
    response = await client.post(f"{API}/companies/{company.id}/reports", json=REPORT, headers={"Authorization": authorization})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


async def test_restatements_honour_idempotency_keys(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company, admin, _ = await company_with_editor(session)
    report = await make_report(session, company, actor=admin)
    headers = await auth_headers(session, admin) | {"Idempotency-Key": "restate-1"}
    url, body = f"{API}/reports/{report.id}/restatements", REPORT | {"reason": "late invoices"}
    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)
    assert first.status_code == retry.status_code == 201 and retry.json() == first.json() and first.json()["version"] == 2
    assert (await client.post(url, json=body | {"reason": "another"}, headers=headers)).status_code == 409
    assert [h["version"] for h in (await client.get(f"{API}/reports/{report.id}/history")).json()["items"]] == [1, 2]
