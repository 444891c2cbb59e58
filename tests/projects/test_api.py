"""Projects through the API: who may do what, and every refusal the contract names."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import AuditEvent
from app.projects.models import Project
from tests.factories import add_participant, make_action, make_city, make_project, make_user
from tests.projects.conftest import Cast

API = "/api/v1"


def body(cast: Cast, **overrides: object) -> dict[str, object]:
    return {"city_id": str(cast.city.id), "title": "District heating", "description": "Heat from waste",
            "action_ids": [str(cast.action.id)], "expected_reduction_tco2e": 1200,
            "start_date": "2025-01-01", "end_date": "2027-12-31"} | overrides


async def test_a_city_editor_proposes_a_project(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    response = await client.post(f"{API}/projects", json=body(cast), headers=cast.headers["officer"])
    assert response.status_code == 201, response.text
    project = response.json()
    assert project["status"] == "proposed" and project["participants"] == []
    assert project["action_ids"] == [str(cast.action.id)] and project["city_name"] == "Lyon"
    assert project["allowed_transitions"] == ["active", "cancelled"]
    assert response.headers["etag"] == '"1"'
    public = await client.get(f"{API}/projects/{project['id']}")
    assert public.status_code == 200 and public.json()["title"] == "District heating"
    events = await session.scalar(select(func.count()).where(
        AuditEvent.organization_id == cast.city.id, AuditEvent.action == "project.create"))
    assert events == 1


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("viewer", 403), ("outsider", 403), ("local", 403)])
async def test_only_city_editors_propose(client: httpx.AsyncClient, cast: Cast, who: str, status: int) -> None:
    response = await client.post(f"{API}/projects", json=body(cast), headers=cast.headers[who])
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_project_input_is_422(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    other_admin = await make_user(session)
    other_city = await make_city(session, creator=other_admin, name="Grenoble")
    foreign = await make_action(session, other_city, actor=other_admin)
    headers = cast.headers["officer"]
    before = await session.scalar(select(func.count()).select_from(Project))
    cases = [
        (body(cast, action_ids=[str(foreign.id)]), "action_ids"),
        (body(cast, end_date="2024-12-31"), None),
        (body(cast, city_id="00000000-0000-0000-0000-000000000000"), "city_id"),
        (body(cast, expected_reduction_tco2e=-1), "expected_reduction_tco2e"),
        (body(cast, status="active"), "status"),
        (body(cast, title=""), "title"),
        (body(cast, action_ids=["not-a-uuid"]), "action_ids"),
    ]
    for payload, where in cases:
        response = await client.post(f"{API}/projects", json=payload, headers=headers)
        assert response.status_code == 422, payload
        if where:
            assert any(where in e["loc"] for e in response.json()["errors"]), response.json()
    malformed = await client.post(f"{API}/projects", content=b"{", headers=headers | {"content-type": "application/json"})
    assert malformed.status_code == 422
    assert await session.scalar(select(func.count()).select_from(Project)) == before


async def test_unknown_project_is_404(client: httpx.AsyncClient, cast: Cast) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert (await client.get(f"{API}/projects/{missing}")).status_code == 404
    assert (await client.get(f"{API}/projects/{missing}/governance")).status_code == 404
    assert (await client.post(f"{API}/projects/{missing}/support", headers=cast.headers["resident"])).status_code == 404
    assert (await client.get(f"{API}/projects/not-an-id")).status_code == 422


async def test_status_moves_through_the_table(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url, headers = f"{API}/projects/{project.id}", cast.headers["officer"]
    wrong = await client.patch(url, json={"status": "completed"}, headers=headers)
    assert wrong.status_code == 409
    assert wrong.json()["allowed"] == ["active", "cancelled"] and "active, cancelled" in wrong.json()["detail"]
    active = await client.patch(url, json={"status": "active"}, headers=headers | {"If-Match": '"1"'})
    assert active.status_code == 200 and active.json()["status"] == "active" and active.headers["etag"] == '"2"'
    back = await client.patch(url, json={"status": "proposed"}, headers=headers)
    assert back.status_code == 409
    done = await client.patch(url, json={"status": "completed"}, headers=headers)
    assert done.status_code == 200 and done.json()["allowed_transitions"] == []
    closed = await client.patch(url, json={"status": "cancelled"}, headers=headers)
    assert closed.status_code == 409 and closed.json()["allowed"] == []
    assert (await client.patch(url, json={"status": "paused"}, headers=headers)).status_code == 422


async def test_a_stale_edit_is_412_and_changes_nothing(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url, headers = f"{API}/projects/{project.id}", cast.headers["officer"]
    first = await client.patch(url, json={"title": "Heat for all"}, headers=headers | {"If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    stale = await client.patch(url, json={"title": "Lost edit", "status": "active"}, headers=headers | {"If-Match": '"1"'})
    assert stale.status_code == 412
    now = (await client.get(url)).json()
    assert now["title"] == "Heat for all" and now["status"] == "proposed"


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("viewer", 403), ("resident", 403)])
async def test_only_city_editors_edit(client: httpx.AsyncClient, session: AsyncSession, cast: Cast, who: str, status: int) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    response = await client.patch(f"{API}/projects/{project.id}", json={"status": "active"}, headers=cast.headers[who])
    assert response.status_code == status


async def test_patch_checks_actions_and_dates(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer, start_date="2025-01-01")
    url, headers = f"{API}/projects/{project.id}", cast.headers["officer"]
    assert (await client.patch(url, json={"end_date": "2024-01-01"}, headers=headers)).status_code == 422
    unknown = await client.patch(url, json={"action_ids": ["00000000-0000-0000-0000-000000000001"]}, headers=headers)
    assert unknown.status_code == 422
    assert (await client.patch(url, json={"title": None}, headers=headers)).status_code == 422
    ok = await client.patch(url, json={"action_ids": [str(cast.action.id)], "end_date": "2026-06-30"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["end_date"] == "2026-06-30"


async def test_lists_filter_by_city_company_and_status(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    first = await make_project(session, cast.city, actor=cast.officer, title="One")
    await make_project(session, cast.city, actor=cast.officer, title="Two")
    await add_participant(session, first, cast.local, actor=cast.officer)
    by_city = (await client.get(f"{API}/projects", params={"city_id": str(cast.city.id), "limit": 1})).json()
    assert len(by_city["items"]) == 1 and by_city["next_cursor"]
    rest = (await client.get(f"{API}/projects", params={"city_id": str(cast.city.id), "cursor": by_city["next_cursor"]})).json()
    assert {p["title"] for p in by_city["items"] + rest["items"]} == {"One", "Two"}
    by_company = (await client.get(f"{API}/projects", params={"company_id": str(cast.local.id)})).json()
    assert [p["title"] for p in by_company["items"]] == ["One"]
    assert by_company["items"][0]["participants"][0]["company_name"] == "Local Heat"
    active = (await client.get(f"{API}/projects", params={"status": "active"})).json()
    assert active["items"] == []
    assert (await client.get(f"{API}/projects", params={"status": "paused"})).status_code == 422
    assert (await client.get(f"{API}/projects", params={"limit": 0})).status_code == 422
    assert (await client.get(f"{API}/projects", params={"cursor": "garbage"})).status_code == 422


async def test_an_edit_racing_another_is_412_not_500(session: AsyncSession, cast: Cast) -> None:
    from app.errors import PreconditionFailed
    from app.projects import service
    from app.projects.schemas import ProjectUpdate

    project = await make_project(session, cast.city, actor=cast.officer)
    # Another request bumps the row's version after this one has read it.
    table = Project.__table__
    await session.execute(table.update().where(table.c.id == project.id).values(version=table.c.version + 1))
    with pytest.raises(PreconditionFailed):
        await service.update_project(session, project=project, data=ProjectUpdate(title="Mine"), actor=cast.officer)
    await session.rollback()
