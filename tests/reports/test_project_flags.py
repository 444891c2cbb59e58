"""Verified project reductions feed the accountability flags of the company's reports."""

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.projects import reporting
from app.projects.schemas import OutcomeCreate, VerificationCreate
from tests.factories import (
    add_participant, auth_headers, make_city, make_company, make_facility, make_project, make_report, make_user,
    make_verifier, set_project_status,
)

API = "/api/v1"


async def test_reductions_attributed_above_reported_emissions_are_flagged(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer, team, auditor = await make_user(session), await make_user(session), await make_user(session)
    city = await make_city(session, creator=officer)
    firm = await make_company(session, creator=team)
    await make_facility(session, firm, actor=team)
    report = await make_report(session, firm, actor=team, reporting_year=2024, scope1_tco2e=100.0,
                               scope2_location_tco2e=50.0, scope3={})
    project = await make_project(session, city, actor=officer)
    await add_participant(session, project, firm, actor=officer, accept_as=team)
    await set_project_status(session, project, "active", actor=officer)
    outcome = await reporting.add_outcome(session, project=project, actor=officer, data=OutcomeCreate(
        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), reduction_tco2e=400.0, method="metered",
        attributions=[{"company_id": firm.id, "share_pct": 50}]))
    url = f"{API}/reports/{report.id}/flags"
    before = {f["code"] for f in (await client.get(url)).json()["items"]}
    assert "attributed_reductions_exceed_emissions" not in before  # not verified yet: it does not count
    await make_verifier(session, creator=auditor)
    await reporting.verify_outcome(session, project=project, outcome=outcome, actor=auditor, data=VerificationCreate(
        outcome="verified", assurance_level="limited", statement="Checked."))
    flags = {f["code"]: f for f in (await client.get(url)).json()["items"]}
    assert flags["attributed_reductions_exceed_emissions"]["severity"] == "error"
    assert "200.0 tCO2e" in flags["attributed_reductions_exceed_emissions"]["detail"]
    assert (await client.get(f"{API}/reports/{report.id}", headers=await auth_headers(session, team))).status_code == 200


async def test_the_answer_to_a_submission_is_what_reading_it_back_gives(client: httpx.AsyncClient, session: AsyncSession) -> None:
    """The answer is built from what was written, not read back: it must match a read, flags included."""
    officer, team, auditor = await make_user(session), await make_user(session), await make_user(session)
    city = await make_city(session, creator=officer)
    firm = await make_company(session, creator=team)
    facility = await make_facility(session, firm, actor=team)
    await make_report(session, firm, actor=team, reporting_year=2023, scope1_tco2e=900.0, scope2_location_tco2e=100.0)
    project = await make_project(session, city, actor=officer)
    await add_participant(session, project, firm, actor=officer, accept_as=team)
    await set_project_status(session, project, "active", actor=officer)
    outcome = await reporting.add_outcome(session, project=project, actor=officer, data=OutcomeCreate(
        period_start=date(2024, 1, 1), period_end=date(2024, 12, 31), reduction_tco2e=1000.0, method="metered",
        attributions=[{"company_id": firm.id, "share_pct": 50}]))
    await make_verifier(session, creator=auditor)
    await reporting.verify_outcome(session, project=project, outcome=outcome, actor=auditor, data=VerificationCreate(
        outcome="verified", assurance_level="limited", statement="Checked."))
    body = {"reporting_year": 2024, "scope1_tco2e": 300.0, "scope2_location_tco2e": 100.0, "scope3": {"11": 2.5, "2": 1},
            "boundary": "operational_control", "methodology": "GHG Protocol, ‘corporate standard’",
            "facilities": [{"facility_id": str(facility.id), "scope1_tco2e": 350.0, "scope2_location_tco2e": 10.0}]}
    answer = await client.post(f"{API}/companies/{firm.id}/reports", json=body, headers=await auth_headers(session, team))
    assert answer.status_code == 201, answer.text
    read = await client.get(f"{API}/reports/{answer.json()['id']}")
    assert answer.json() == read.json()
    assert [f["code"] for f in answer.json()["flags"]] == [
        "yoy_drop_unexplained", "facilities_exceed_total", "attributed_reductions_exceed_emissions", "claims_not_verified"]
