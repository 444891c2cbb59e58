"""Outcomes, their independent verification, and what verified outcomes feed: city figures, attributions."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import Role
from app.projects.service import verified_attributions
from tests.factories import (
    add_member, add_participant, auth_headers, make_project, make_user, make_verifier, set_project_status,
)
from tests.projects.conftest import Cast

API = "/api/v1"
DECISION = {"outcome": "verified", "assurance_level": "limited", "statement": "Meter data checked on site."}


async def active_project(session: AsyncSession, cast: Cast) -> Any:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.local, actor=cast.officer, accept_as=cast.local_editor)
    await add_participant(session, project, cast.distant, actor=cast.officer, accept_as=cast.distant_editor)
    await set_project_status(session, project, "active", actor=cast.officer)
    return project


def outcome(cast: Cast, start: str = "2025-01-01", end: str = "2025-12-31", **overrides: Any) -> dict[str, Any]:
    return {"period_start": start, "period_end": end, "reduction_tco2e": 400, "method": "Metered heat delivered",
            "attributions": [{"company_id": str(cast.local.id), "share_pct": 60},
                             {"company_id": str(cast.distant.id), "share_pct": 40}]} | overrides


async def test_report_and_verify_an_outcome(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await active_project(session, cast)
    url = f"{API}/projects/{project.id}/outcomes"
    created = await client.post(url, json=outcome(cast), headers=cast.headers["officer"])
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["verification"] is None
    assert [a["attributed_reduction_tco2e"] for a in item["attributions"]] == [240, 160]
    decided = await client.post(f"{url}/{item['id']}/verification", json=DECISION, headers=cast.headers["auditor"])
    assert decided.status_code == 201, decided.text
    assert decided.json()["outcome"] == "verified" and decided.json()["verifier_id"] == str(cast.verifier.id)
    second = await client.post(f"{url}/{item['id']}/verification", json=DECISION | {"outcome": "rejected"},
                               headers=cast.headers["auditor"])
    assert second.status_code == 409
    listed = (await client.get(url)).json()["items"]
    assert listed[0]["verification"]["assurance_level"] == "limited"
    progress = (await client.get(f"{API}/cities/{cast.city.id}/progress")).json()
    assert progress["project_count"] == 1 and progress["verified_corporate_reductions_tco2e"] == 400
    mine = await verified_attributions(session, company_id=cast.local.id)
    assert [(m.outcome_id, m.reduction_tco2e) for m in mine] == [(item["id"], 240)]
    assert str(mine[0].period_start) == "2025-01-01" and mine[0].project_id == str(project.id)


async def test_outcomes_wait_for_an_active_project(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    response = await client.post(f"{API}/projects/{project.id}/outcomes", json=outcome(cast, attributions=[]),
                                 headers=cast.headers["officer"])
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"attributions": "over"}, 422),
        ({"attributions": "twice"}, 422),
        ({"attributions": "stranger"}, 422),
        ({"period_end": "2024-12-31"}, 422),
        ({"reduction_tco2e": -5}, 422),
        ({"method": ""}, 422),
    ],
)
async def test_bad_outcomes_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, change: dict[str, Any], status: int
) -> None:
    project = await active_project(session, cast)
    payload = outcome(cast)
    local, distant = str(cast.local.id), str(cast.distant.id)
    special = {
        "over": [{"company_id": local, "share_pct": 60}, {"company_id": distant, "share_pct": 40.5}],
        "twice": [{"company_id": local, "share_pct": 10}, {"company_id": local, "share_pct": 10}],
        "stranger": [{"company_id": str(cast.verifier.id), "share_pct": 10}],
    }
    payload |= {k: special.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    response = await client.post(f"{API}/projects/{project.id}/outcomes", json=payload, headers=cast.headers["officer"])
    assert response.status_code == status, response.text
    assert (await client.get(f"{API}/projects/{project.id}/outcomes")).json()["items"] == []


async def test_overlapping_periods_are_409_unless_the_first_was_rejected(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await active_project(session, cast)
    url, headers = f"{API}/projects/{project.id}/outcomes", cast.headers["officer"]
    first = await client.post(url, json=outcome(cast), headers=headers)
    assert first.status_code == 201
    clash = await client.post(url, json=outcome(cast, "2025-12-31", "2026-06-30"), headers=headers)
    assert clash.status_code == 409 and "overlaps" in clash.json()["detail"]
    assert (await client.post(url, json=outcome(cast, "2026-01-01", "2026-06-30"), headers=headers)).status_code == 201
    rejected = await client.post(f"{url}/{first.json()['id']}/verification", json=DECISION | {"outcome": "rejected"},
                                 headers=cast.headers["auditor"])
    assert rejected.status_code == 201
    assert (await client.post(url, json=outcome(cast, "2025-03-01", "2025-12-31"), headers=headers)).status_code == 201
    progress = (await client.get(f"{API}/cities/{cast.city.id}/progress")).json()
    assert progress["verified_corporate_reductions_tco2e"] == 0
    assert await verified_attributions(session, company_id=cast.local.id) == []


async def test_only_city_editors_report(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await active_project(session, cast)
    url = f"{API}/projects/{project.id}/outcomes"
    assert (await client.post(url, json=outcome(cast))).status_code == 401
    assert (await client.post(url, json=outcome(cast), headers=cast.headers["local"])).status_code == 403
    assert (await client.post(url, json=outcome(cast), headers=cast.headers["viewer"])).status_code == 403


async def test_who_may_verify(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await active_project(session, cast)
    unaccredited_editor = await make_user(session)
    await make_verifier(session, creator=unaccredited_editor, accredited=False, name="Fresh Start")
    conflicted_editor = await make_user(session)
    conflicted = await make_verifier(session, creator=conflicted_editor, name="Too Close")
    await add_member(session, cast.distant, conflicted_editor, Role.VIEWER)
    viewer_of_verifier = await make_user(session)
    await add_member(session, cast.verifier, viewer_of_verifier, Role.VIEWER)
    two_hats = await make_user(session)
    await add_member(session, cast.verifier, two_hats, Role.EDITOR)
    await make_verifier(session, creator=two_hats, name="Second Shop")
    headers = {name: await auth_headers(session, user) for name, user in [
        ("unaccredited", unaccredited_editor), ("conflicted", conflicted_editor), ("viewer", viewer_of_verifier),
        ("two_hats", two_hats)]}
    created = await client.post(f"{API}/projects/{project.id}/outcomes", json=outcome(cast), headers=cast.headers["officer"])
    url = f"{API}/projects/{project.id}/outcomes/{created.json()['id']}/verification"
    assert (await client.post(url, json=DECISION)).status_code == 401
    assert (await client.post(url, json=DECISION, headers=cast.headers["officer"])).status_code == 403
    assert (await client.post(url, json=DECISION, headers=headers["unaccredited"])).status_code == 403
    conflict = await client.post(url, json=DECISION, headers=headers["conflicted"])
    assert conflict.status_code == 403 and "conflict of interest" in conflict.json()["detail"]
    named = await client.post(url, json=DECISION | {"verifier_id": str(conflicted.id)}, headers=headers["conflicted"])
    assert named.status_code == 403
    assert (await client.post(url, json=DECISION, headers=headers["viewer"])).status_code == 403
    assert (await client.post(url, json=DECISION | {"verifier_id": str(cast.verifier.id)},
                              headers=headers["viewer"])).status_code == 403
    unnamed = await client.post(url, json=DECISION, headers=headers["two_hats"])
    assert unnamed.status_code == 422 and "verifier_id" in unnamed.json()["errors"][0]["loc"]
    assert (await client.post(url, json=DECISION | {"assurance_level": "total"}, headers=cast.headers["auditor"])).status_code == 422
    missing = f"{API}/projects/{project.id}/outcomes/00000000-0000-0000-0000-000000000000/verification"
    assert (await client.post(missing, json=DECISION, headers=cast.headers["auditor"])).status_code == 404
    ok = await client.post(url, json=DECISION | {"verifier_id": str(cast.verifier.id)}, headers=headers["two_hats"])
    assert ok.status_code == 201


async def test_a_verifier_tied_to_the_city_has_a_conflict(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await active_project(session, cast)
    await add_member(session, cast.city, cast.auditor, Role.VIEWER)
    created = await client.post(f"{API}/projects/{project.id}/outcomes", json=outcome(cast, attributions=[]),
                                headers=cast.headers["officer"])
    url = f"{API}/projects/{project.id}/outcomes/{created.json()['id']}/verification"
    assert (await client.post(url, json=DECISION, headers=cast.headers["auditor"])).status_code == 403


async def test_city_figures_and_participating_companies(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    cancelled = await make_project(session, cast.city, actor=cast.officer, title="Abandoned")
    await add_participant(session, project, cast.local, actor=cast.officer)
    await set_project_status(session, cancelled, "cancelled", actor=cast.officer)
    url = f"{API}/cities/{cast.city.id}/companies"
    before = (await client.get(url)).json()["items"]
    assert [(c["name"], c["participating"]) for c in before] == [("Local Heat", False)]
    assert (await client.get(f"{API}/cities/{cast.city.id}/progress")).json()["project_count"] == 1
    accept = await client.post(f"{API}/projects/{project.id}/participants/{cast.local.id}/accept", headers=cast.headers["local"])
    assert accept.status_code == 200
    after = (await client.get(url)).json()["items"]
    assert [(c["name"], c["participating"]) for c in after] == [("Local Heat", True)]
