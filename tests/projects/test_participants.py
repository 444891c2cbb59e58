"""Invitations: the city invites, only the company answers, and a firm from elsewhere is marked not local."""

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import add_participant, make_project, set_project_status
from tests.projects.conftest import Cast

API = "/api/v1"


async def test_invite_and_accept(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/participants"
    invited = await client.post(url, json={"company_id": str(cast.local.id), "role": "funder", "funding_amount": 250000,
                                           "currency": "eur", "pledged_reduction_tco2e": 300},
                                headers=cast.headers["officer"])
    assert invited.status_code == 201, invited.text
    assert invited.json() | {"created_at": None} == {
        "project_id": str(project.id), "company_id": str(cast.local.id), "company_name": "Local Heat", "role": "funder",
        "status": "invited", "funding_amount": 250000.0, "currency": "EUR", "pledged_reduction_tco2e": 300.0,
        "local": True, "created_at": None, "responded_at": None,
    }
    assert (await client.post(f"{url}/{cast.local.id}/accept", headers=cast.headers["officer"])).status_code == 403
    assert (await client.post(f"{url}/{cast.local.id}/accept", headers=cast.headers["distant"])).status_code == 403
    assert (await client.post(f"{url}/{cast.local.id}/accept")).status_code == 401
    accepted = await client.post(f"{url}/{cast.local.id}/accept", headers=cast.headers["local"])
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["responded_at"]
    again = await client.post(f"{url}/{cast.local.id}/decline", headers=cast.headers["local"])
    assert again.status_code == 409
    shown = (await client.get(f"{API}/projects/{project.id}")).json()
    assert [(p["company_name"], p["status"]) for p in shown["participants"]] == [("Local Heat", "accepted")]


async def test_a_firm_from_elsewhere_can_be_invited_but_is_not_local(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/participants"
    invited = await client.post(url, json={"company_id": str(cast.distant.id), "role": "implementer"},
                                headers=cast.headers["officer"])
    assert invited.status_code == 201 and invited.json()["local"] is False
    declined = await client.post(f"{url}/{cast.distant.id}/decline", headers=cast.headers["distant"])
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["local"] is False


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ({"role": "sponsor"}, "role"),
        ({"role": "funder", "funding_amount": 10, "currency": "XYZ"}, "currency"),
        ({"role": "funder", "funding_amount": 10}, None),
        ({"role": "funder", "funding_amount": -10, "currency": "EUR"}, "funding_amount"),
        ({"role": "partner", "pledged_reduction_tco2e": -1}, "pledged_reduction_tco2e"),
        ({"role": "partner", "company_id": "00000000-0000-0000-0000-000000000000"}, "company_id"),
        ({"role": "partner", "status": "accepted"}, "status"),
    ],
)
async def test_bad_invitations_are_422(
    client: httpx.AsyncClient, session: AsyncSession, cast: Cast, payload: dict, where: str | None  # type: ignore[type-arg]
) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    response = await client.post(f"{API}/projects/{project.id}/participants",
                                 json={"company_id": str(cast.local.id)} | payload, headers=cast.headers["officer"])
    assert response.status_code == 422
    if where:
        assert any(where in e["loc"] for e in response.json()["errors"])


async def test_who_may_invite_and_when(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/participants"
    payload = {"company_id": str(cast.local.id), "role": "partner"}
    assert (await client.post(url, json=payload)).status_code == 401
    assert (await client.post(url, json=payload, headers=cast.headers["local"])).status_code == 403
    assert (await client.post(url, json=payload, headers=cast.headers["viewer"])).status_code == 403
    assert (await client.post(url, json=payload, headers=cast.headers["officer"])).status_code == 201
    assert (await client.post(url, json=payload, headers=cast.headers["officer"])).status_code == 409
    not_invited = await client.post(f"{url}/{cast.distant.id}/accept", headers=cast.headers["distant"])
    assert not_invited.status_code == 404


async def test_a_cancelled_project_takes_no_one(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.distant, actor=cast.officer)
    await set_project_status(session, project, "cancelled", actor=cast.officer)
    url = f"{API}/projects/{project.id}/participants"
    invite = await client.post(url, json={"company_id": str(cast.local.id), "role": "partner"}, headers=cast.headers["officer"])
    assert invite.status_code == 409
    assert (await client.post(f"{url}/{cast.distant.id}/accept", headers=cast.headers["distant"])).status_code == 409


async def test_milestones(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/milestones"
    payload = {"title": "Pipes laid", "due_date": "2026-03-31"}
    assert (await client.post(url, json=payload, headers=cast.headers["resident"])).status_code == 403
    assert (await client.post(url, json=payload | {"due_date": "soon"}, headers=cast.headers["officer"])).status_code == 422
    created = await client.post(url, json=payload, headers=cast.headers["officer"])
    assert created.status_code == 201 and created.json()["done_date"] is None
    done = await client.patch(f"{url}/{created.json()['id']}", json={"done_date": "2026-03-15"}, headers=cast.headers["officer"])
    assert done.status_code == 200 and done.json()["done_date"] == "2026-03-15"
    missing = await client.patch(f"{url}/00000000-0000-0000-0000-000000000000", json={"done_date": None},
                                 headers=cast.headers["officer"])
    assert missing.status_code == 404
    listed = (await client.get(url)).json()
    assert [m["title"] for m in listed["items"]] == ["Pipes laid"] and listed["next_cursor"] is None
