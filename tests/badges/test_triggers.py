"""Each event that changes a company's facts awards or revokes its badges, in the same request."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import (
    REPORT, add_participant, auth_headers, make_city, make_company, make_project, make_user, make_verifier,
)
from tests.reports.test_import import csv_bytes, row, upload

API = "/api/v1"
DECISION = {"outcome": "verified", "assurance_level": "limited", "statement": "Figures agree with the records."}


async def badges(client: httpx.AsyncClient, company_id: Any) -> dict[str, dict[str, Any]]:
    """The company's badges by class: the standing one, else the latest revoked one."""
    items = (await client.get(f"{API}/companies/{company_id}/badges")).json()["items"]
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if not item["revoked"] or item["badge_class"] not in found or found[item["badge_class"]]["revoked"]:
            found[item["badge_class"]] = item
    return found


def standing(found: dict[str, dict[str, Any]]) -> set[str]:
    return {name for name, item in found.items() if not item["revoked"]}


async def test_a_commitment_through_the_api(client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await make_user(session)
    company = await make_company(session, creator=editor)
    headers = await auth_headers(session, editor)
    url = f"{API}/companies/{company.id}/commitments"
    assert (await client.put(url, json={"sbti_status": "committed"}, headers=headers)).status_code == 200
    assert standing(await badges(client, company.id)) == {"target_setter"}
    assert (await client.put(url, json={}, headers=headers)).status_code == 200
    found = await badges(client, company.id)
    assert found["target_setter"]["revoked"] and found["target_setter"]["revocation_reason"] == "The company changed its commitments."


class Reporting:
    """A company with an editor, and an accredited verifier with its auditor."""

    def __init__(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        self.client, self.session = client, session

    async def setup(self) -> "Reporting":
        self.editor, self.auditor = await make_user(self.session), await make_user(self.session)
        self.company = await make_company(self.session, creator=self.editor)
        self.verifier = await make_verifier(self.session, creator=self.auditor)
        self.headers = await auth_headers(self.session, self.editor)
        self.auditor_headers = await auth_headers(self.session, self.auditor)
        return self

    async def submit(self, **figures: Any) -> str:
        response = await self.client.post(f"{API}/companies/{self.company.id}/reports", json=REPORT | figures, headers=self.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def decide(self, report_id: str, outcome: str = "verified") -> None:
        asked = await self.client.post(f"{API}/reports/{report_id}/verification-requests",
                                       json={"verifier_id": str(self.verifier.id)}, headers=self.headers)
        assert asked.status_code == 201, asked.text
        decided = await self.client.post(f"{API}/reports/{report_id}/verifications", json=DECISION | {"outcome": outcome},
                                         headers=self.auditor_headers)
        assert decided.status_code == 201, decided.text


async def test_submission_verification_and_rejection(client: httpx.AsyncClient, session: AsyncSession) -> None:
    reporting = await Reporting(client, session).setup()
    first = await reporting.submit(reporting_year=2022)
    found = await badges(client, reporting.company.id)
    assert standing(found) == {"disclosed"}
    assert found["disclosed"]["evidence"][0] | {"narrative": ""} == {
        "kind": "report_version", "report_id": first, "year": 2022, "version": 1, "narrative": ""}

    second = await reporting.submit(reporting_year=2023)
    await reporting.decide(second, "rejected")
    assert standing(await badges(client, reporting.company.id)) == {"disclosed"}

    await reporting.decide(first)
    found = await badges(client, reporting.company.id)
    assert standing(found) == {"disclosed", "verified_reporter"}
    evidence = found["verified_reporter"]["evidence"][0]
    assert evidence["kind"] == "verification" and evidence["report_id"] == first and evidence["year"] == 2022
    assert evidence["total_tco2e"] == 1200.0 + 800.0 + 3000.0 + 120.5


async def test_a_restatement_revokes_until_the_new_version_is_verified(client: httpx.AsyncClient, session: AsyncSession) -> None:
    reporting = await Reporting(client, session).setup()
    report_id = await reporting.submit()
    await reporting.decide(report_id)
    before = (await badges(client, reporting.company.id))["verified_reporter"]
    restated = await client.post(f"{API}/reports/{report_id}/restatements", json=REPORT | {"reason": "late invoices"},
                                 headers=reporting.headers)
    assert restated.status_code == 201
    found = await badges(client, reporting.company.id)
    assert standing(found) == {"disclosed"}
    assert found["verified_reporter"]["assertion_id"] == before["assertion_id"]
    assert found["verified_reporter"]["revocation_reason"] == "Report for 2023 restated as version 2."
    verify = (await client.get(f"{API}/badges/{before['assertion_id']}/verify")).json()
    assert verify["valid"] is False and verify["revoked"] is True and verify["signature_valid"] is True

    await reporting.decide(report_id)
    found = await badges(client, reporting.company.id)
    assert standing(found) == {"disclosed", "verified_reporter"}
    assert found["verified_reporter"]["assertion_id"] != before["assertion_id"]
    assert found["verified_reporter"]["evidence"][0]["version"] == 2


async def test_a_verified_reduction_and_its_loss(client: httpx.AsyncClient, session: AsyncSession) -> None:
    reporting = await Reporting(client, session).setup()
    low = {"scope1_tco2e": 900.0, "scope2_location_tco2e": 0.0, "scope3": {}}
    earlier = await reporting.submit(reporting_year=2022, scope1_tco2e=1000.0, scope2_location_tco2e=0.0, scope3={})
    later = await reporting.submit(reporting_year=2023, **low)
    await reporting.decide(earlier)
    assert "reduction_achiever" not in standing(await badges(client, reporting.company.id))
    await reporting.decide(later)
    found = await badges(client, reporting.company.id)
    assert "reduction_achiever" in standing(found)
    assert found["reduction_achiever"]["evidence"][-1]["reduction_pct"] == 10.0

    # The later year is restated upwards: the reduction no longer stands.
    await client.post(f"{API}/reports/{later}/restatements", json=REPORT | low | {"reporting_year": 2023, "scope1_tco2e": 950.0,
                      "reason": "missed a boiler"}, headers=reporting.headers)
    assert "reduction_achiever" not in standing(await badges(client, reporting.company.id))


async def test_a_csv_import_discloses(client: httpx.AsyncClient, session: AsyncSession) -> None:
    editor = await make_user(session)
    company = await make_company(session, creator=editor)
    response = await upload(client, await auth_headers(session, editor), csv_bytes([row(company.id, 2021)]))
    assert response.status_code == 201, response.text
    assert standing(await badges(client, company.id)) == {"disclosed"}


class Partnership:
    """A city with a proposed project, and a company invited to it."""

    def __init__(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        self.client, self.session = client, session

    async def setup(self) -> "Partnership":
        self.officer, self.editor = await make_user(self.session), await make_user(self.session)
        self.city = await make_city(self.session, creator=self.officer)
        self.company = await make_company(self.session, creator=self.editor)
        self.officer_headers = await auth_headers(self.session, self.officer)
        self.editor_headers = await auth_headers(self.session, self.editor)
        return self

    async def project(self, title: str = "District heating") -> str:
        project = await make_project(self.session, self.city, actor=self.officer, title=title)
        await add_participant(self.session, project, self.company, actor=self.officer)
        return str(project.id)

    async def accept(self, project_id: str) -> None:
        accepted = await self.client.post(f"{API}/projects/{project_id}/participants/{self.company.id}/accept",
                                          headers=self.editor_headers)
        assert accepted.status_code == 200, accepted.text

    async def move(self, project_id: str, status: str) -> None:
        moved = await self.client.patch(f"{API}/projects/{project_id}", json={"status": status}, headers=self.officer_headers)
        assert moved.status_code == 200, moved.text


async def test_acceptance_and_activation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    partners = await Partnership(client, session).setup()
    project_id = await partners.project()
    await partners.accept(project_id)
    assert standing(await badges(client, partners.company.id)) == set()  # the project is only proposed
    await partners.move(project_id, "active")
    found = await badges(client, partners.company.id)
    assert standing(found) == {"project_partner"}
    assert found["project_partner"]["evidence"][0]["project_id"] == project_id
    await partners.move(project_id, "completed")
    assert (await badges(client, partners.company.id))["project_partner"] == found["project_partner"]

    # Accepting a place in a project that is active already earns it at once.
    other = await Partnership(client, session).setup()
    active = await other.project("Cycle lanes")
    await other.move(active, "active")
    await other.accept(active)
    assert standing(await badges(client, other.company.id)) == {"project_partner"}


async def test_a_cancelled_project_revokes_unless_another_holds_it_up(client: httpx.AsyncClient, session: AsyncSession) -> None:
    partners = await Partnership(client, session).setup()
    first, second = await partners.project("District heating"), await partners.project("Cycle lanes")
    for project_id in (first, second):
        await partners.accept(project_id)
        await partners.move(project_id, "active")
    held = (await badges(client, partners.company.id))["project_partner"]
    await partners.move(first, "cancelled")
    assert (await badges(client, partners.company.id))["project_partner"] == held  # the second holds it up
    await partners.move(second, "cancelled")
    found = await badges(client, partners.company.id)
    assert found["project_partner"]["assertion_id"] == held["assertion_id"] and found["project_partner"]["revoked"]
    assert found["project_partner"]["revocation_reason"] == "Project 'Cycle lanes' is cancelled."


async def test_a_climate_leader_from_real_facts(client: httpx.AsyncClient, session: AsyncSession) -> None:
    reporting = await Reporting(client, session).setup()
    for year, scope1 in ((2022, 1000.0), (2023, 800.0)):
        await reporting.decide(await reporting.submit(reporting_year=year, scope1_tco2e=scope1, scope2_location_tco2e=0.0, scope3={}))
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    project = await make_project(session, city, actor=officer)
    await add_participant(session, project, reporting.company, actor=officer, accept_as=reporting.editor)
    moved = await client.patch(f"{API}/projects/{project.id}", json={"status": "active"}, headers=await auth_headers(session, officer))
    assert moved.status_code == 200
    found = await badges(client, reporting.company.id)
    assert standing(found) == {"disclosed", "verified_reporter", "reduction_achiever", "project_partner", "climate_leader"}
    assert {e["kind"] for e in found["climate_leader"]["evidence"]} == {"verification", "project", "reduction"}
