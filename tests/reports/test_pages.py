"""The report pages, as a browser without JavaScript sees them."""

import re
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Role
from app.reports.models import EmissionsReport
from app.web.templating import SESSION_COOKIE
from tests.factories import add_member, make_company, make_report, make_user, make_verifier, token_for
from tests.web.test_pages import csrf_from

FORM = {"reporting_year": "2023", "unit": "tco2e", "scope1_tco2e": "1200", "scope2_location_tco2e": "800",
        "scope2_market_tco2e": "", "boundary": "operational_control", "methodology": "GHG Protocol"}


async def signed_in(client: httpx.AsyncClient, session: AsyncSession, user) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set(SESSION_COOKIE, await token_for(session, user))


async def test_the_form_shows_errors_beside_fields_and_keeps_values(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    await signed_in(client, session, admin)
    form = await client.get(f"/companies/{company.id}/reports/new")
    assert form.status_code == 200 and "<details>" in form.text and "Purchased goods and services" in form.text
    data = FORM | {"scope1_tco2e": "-4", "scope3_7": "lots", "csrf_token": csrf_from(form.text)}
    response = await client.post(f"/companies/{company.id}/reports/new", data=data)
    assert response.status_code == 422
    assert 'id="f-scope1_tco2e-error"' in response.text and 'id="f-scope3_7-error"' in response.text
    assert 'value="800"' in response.text and 'value="lots"' in response.text
    assert "<details open>" in response.text  # the category in error is not hidden


async def test_submitting_through_the_form_shows_the_public_page(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_user(session)
    company = await make_company(session, creator=admin)
    verifier = await make_verifier(session, name="Bureau Veritas Test")
    await signed_in(client, session, admin)
    form = await client.get(f"/companies/{company.id}/reports/new")
    data = FORM | {"scope3_1": "3000", "csrf_token": csrf_from(form.text)}
    response = await client.post(f"/companies/{company.id}/reports/new", data=data)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Not verified" in page.text and "Bureau Veritas Test" in page.text and "Request verification" in page.text
    assert re.search(r"[0-9a-f]{64}", page.text) and "intact" in page.text
    again = await client.post(f"/companies/{company.id}/reports/new", data=data)
    assert again.status_code == 409 and "restate" in again.text
    listed = await client.get(f"/companies/{company.id}/reports")
    assert "2023" in listed.text and "Submit a report" in listed.text

    client.cookies.clear()
    public = await client.get(response.headers["location"])
    assert public.status_code == 200 and "Request verification" not in public.text
    assert "Submit a report" not in (await client.get(f"/companies/{company.id}/reports")).text
    assert verifier.name not in public.text


async def test_the_form_needs_an_editor(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company = await make_company(session)
    response = await client.get(f"/companies/{company.id}/reports/new")
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    viewer = await make_user(session)
    await add_member(session, company, viewer, Role.VIEWER)
    await signed_in(client, session, viewer)
    assert (await client.get(f"/companies/{company.id}/reports/new", headers={"accept": "text/html"})).status_code == 403


async def test_queue_and_decision_pages(client: httpx.AsyncClient, session: AsyncSession) -> None:
    company_admin, auditor = await make_user(session), await make_user(session)
    company = await make_company(session, creator=company_admin, name="Acme Steel")
    report: EmissionsReport = await make_report(session, company, actor=company_admin)
    verifier = await make_verifier(session, creator=auditor)
    await signed_in(client, session, company_admin)
    page = await client.get(f"/reports/{report.id}")
    sent = await client.post(f"/reports/{report.id}/verification-requests", data={"verifier_id": str(verifier.id), "csrf_token": csrf_from(page.text)})
    assert sent.status_code == 303

    await signed_in(client, session, auditor)
    queue = await client.get(f"/verifiers/{verifier.id}/queue")
    assert queue.status_code == 200 and "Review Acme Steel 2023" in queue.text
    form = await client.get(f"/reports/{report.id}/verify", params={"verifier_id": str(verifier.id)})
    assert form.status_code == 200
    token = csrf_from(form.text)
    missing = await client.post(f"/reports/{report.id}/verify", data={"verifier_id": str(verifier.id), "statement": "", "csrf_token": token})
    assert missing.status_code == 422 and 'class="error"' in missing.text
    decided = await client.post(f"/reports/{report.id}/verify", data={
        "verifier_id": str(verifier.id), "outcome": "verified", "assurance_level": "limited", "standard": "ISO 14064-3",
        "statement": "Agrees with the records.", "csrf_token": token,
    })
    assert decided.status_code == 303
    shown = await client.get(f"/reports/{report.id}")
    assert "by Veritas, limited assurance (ISO 14064-3)" in shown.text and "Agrees with the records." in shown.text
    twice = await client.post(f"/reports/{report.id}/verify", data={
        "verifier_id": str(verifier.id), "outcome": "rejected", "assurance_level": "limited", "statement": "x", "csrf_token": token,
    })
    assert twice.status_code == 409 and "decided on already" in twice.text


async def test_pages_answer_404_and_sign_in(client: httpx.AsyncClient, session: AsyncSession) -> None:
    assert (await client.get(f"/reports/{uuid.uuid4()}", headers={"accept": "text/html"})).status_code == 404
    assert (await client.get(f"/companies/{uuid.uuid4()}/reports", headers={"accept": "text/html"})).status_code == 404
    verifier = await make_verifier(session)
    assert (await client.get(f"/verifiers/{verifier.id}/queue")).status_code == 303


async def test_malformed_ids_are_404_pages_for_signed_in_people(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await signed_in(client, session, await make_user(session, display_name="Camille"))
    html = {"accept": "text/html"}
    for path in ("/reports/not-an-id", "/companies/x/reports", "/verifiers/x/queue", f"/reports/{uuid.uuid4()}/verify?verifier_id=x",
                 "/companies/x/reports?cursor=" + "z" * 600):
        response = await client.get(path, headers=html)
        assert response.status_code == 404, path
        assert "Camille" in response.text
