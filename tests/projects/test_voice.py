"""Governance (disclosures, funding concentration, history) and the public's voice (support, comments)."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import AuditEvent, Role
from tests.factories import add_member, add_participant, auth_headers, make_company, make_project, make_user
from tests.projects.conftest import Cast

API = "/api/v1"


async def test_funding_concentration_counts_accepted_funders_only(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.local, actor=cast.officer, accept_as=cast.local_editor,
                          role="funder", funding_amount=600, currency="EUR")
    await add_participant(session, project, cast.distant, actor=cast.officer, accept_as=cast.distant_editor,
                          role="funder", funding_amount=400, currency="EUR")
    pending = await make_company(session, name="Big Money")
    await add_participant(session, project, pending, actor=cast.officer, role="funder", funding_amount=10_000, currency="EUR")
    governance = (await client.get(f"{API}/projects/{project.id}/governance")).json()
    assert governance == {
        "funding_concentration": {"top_funder_share_pct": 60.0, "alert": True, "mixed_currencies": False},
        "disclosures": [], "support_count": 0, "comment_count": 0,
    }


async def test_even_funding_raises_no_alert(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    for company, editor in ((cast.local, cast.local_editor), (cast.distant, cast.distant_editor)):
        await add_participant(session, project, company, actor=cast.officer, accept_as=editor,
                              role="funder", funding_amount=500, currency="EUR")
    concentration = (await client.get(f"{API}/projects/{project.id}/governance")).json()["funding_concentration"]
    assert concentration == {"top_funder_share_pct": 50.0, "alert": False, "mixed_currencies": False}
    bare = await make_project(session, cast.city, actor=cast.officer)
    nothing = (await client.get(f"{API}/projects/{bare.id}/governance")).json()["funding_concentration"]
    assert nothing == {"top_funder_share_pct": None, "alert": False, "mixed_currencies": False}


async def test_disclosures(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.local, actor=cast.officer)
    url = f"{API}/projects/{project.id}/disclosures"
    statement = {"statement": "The deputy mayor's brother sits on the board of Local Heat."}
    assert (await client.post(url, json=statement)).status_code == 401
    assert (await client.post(url, json=statement, headers=cast.headers["resident"])).status_code == 403
    assert (await client.post(url, json=statement, headers=cast.headers["local"])).status_code == 403
    assert (await client.post(url, json=statement, headers=cast.headers["officer"])).status_code == 201
    as_company = statement | {"company_id": str(cast.local.id)}
    assert (await client.post(url, json=as_company, headers=cast.headers["local"])).status_code == 201
    assert (await client.post(url, json=as_company, headers=cast.headers["distant"])).status_code == 403
    stranger = statement | {"company_id": str(cast.distant.id)}
    assert (await client.post(url, json=stranger, headers=cast.headers["distant"])).status_code == 422
    assert (await client.post(url, json={"statement": ""}, headers=cast.headers["officer"])).status_code == 422
    public = (await client.get(f"{API}/projects/{project.id}/governance")).json()["disclosures"]
    assert [d["company_id"] for d in public] == [None, str(cast.local.id)]
    assert len((await client.get(url)).json()["items"]) == 2


async def test_support_once_per_person(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/support"
    assert (await client.post(url)).status_code == 401
    first = await client.post(url, headers=cast.headers["resident"])
    assert first.status_code == 201 and first.json()["support_count"] == 1
    assert (await client.post(url, headers=cast.headers["resident"])).status_code == 409
    assert (await client.post(url, headers=cast.headers["outsider"])).json()["support_count"] == 2
    assert (await client.get(f"{API}/projects/{project.id}/governance")).json()["support_count"] == 2


async def test_comments_and_moderation(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    editor = await make_user(session)
    await add_member(session, cast.city, editor, Role.EDITOR)
    editor_headers = await auth_headers(session, editor)
    project = await make_project(session, cast.city, actor=cast.officer)
    url = f"{API}/projects/{project.id}/comments"
    assert (await client.post(url, json={"body": "Hello"})).status_code == 401
    assert (await client.post(url, json={"body": ""}, headers=cast.headers["resident"])).status_code == 422
    kind = await client.post(url, json={"body": "Great idea, count me in."}, headers=cast.headers["resident"])
    rude = await client.post(url, json={"body": "Something abusive"}, headers=cast.headers["outsider"])
    assert kind.status_code == rude.status_code == 201
    assert kind.json()["author_name"] == "Resident Rosa"
    hide = f"{url}/{rude.json()['id']}/hide"
    assert (await client.post(hide, json={"reason": "abuse"}, headers=cast.headers["resident"])).status_code == 403
    assert (await client.post(hide, json={"reason": "abuse"}, headers=editor_headers)).status_code == 403
    assert (await client.post(hide, json={"reason": ""}, headers=cast.headers["officer"])).status_code == 422
    hidden = await client.post(hide, json={"reason": "abuse"}, headers=cast.headers["officer"])
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert (await client.post(hide, json={"reason": "abuse"}, headers=cast.headers["officer"])).status_code == 409
    missing = f"{url}/00000000-0000-0000-0000-000000000000/hide"
    assert (await client.post(missing, json={"reason": "abuse"}, headers=cast.headers["officer"])).status_code == 404
    listed = (await client.get(url)).json()["items"]
    assert [(c["body"], c["hidden"]) for c in listed] == [("Great idea, count me in.", False), (None, True)]
    assert "Something abusive" not in (await client.get(url)).text
    assert (await client.get(f"{API}/projects/{project.id}/governance")).json()["comment_count"] == 1
    audited = await session.scalar(select(AuditEvent).where(AuditEvent.action == "project.comment.hide"))
    assert audited is not None and audited.organization_id == cast.city.id


async def test_public_history_lists_every_change(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.distant, actor=cast.officer)
    await client.patch(f"{API}/projects/{project.id}", json={"status": "active"}, headers=cast.headers["officer"])
    await client.post(f"{API}/projects/{project.id}/support", headers=cast.headers["resident"])
    history = (await client.get(f"{API}/projects/{project.id}/history")).json()
    assert [h["action"] for h in history["items"]] == [
        "project.support", "project.status", "project.participant.invite", "project.create"]
    assert "Far Away Ltd invited as partner (not local)" in history["items"][2]["summary"]
    assert "actor_id" not in history["items"][0]
    audit = (await client.get(f"{API}/organizations/{cast.city.id}/audit", headers=cast.headers["officer"])).json()
    assert {"project.status", "project.support"} <= {e["action"] for e in audit["items"]}


async def test_text_with_nul_is_422_on_every_database(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    comment = await client.post(f"{API}/projects/{project.id}/comments", json={"body": "a\u0000b"},
                                headers=cast.headers["resident"])
    assert comment.status_code == 422
    disclosure = await client.post(f"{API}/projects/{project.id}/disclosures", json={"statement": "\u0000"},
                                   headers=cast.headers["officer"])
    assert disclosure.status_code == 422
