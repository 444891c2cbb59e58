"""The project pages as a browser without JavaScript sees them: forms, errors beside fields, the public page."""

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities.models import CityPlan, PlanStatus
from app.web.templating import SESSION_COOKIE
from tests.factories import add_participant, make_project, set_project_status, token_for
from tests.projects.conftest import Cast


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, session: AsyncSession, user: object) -> None:
    client.cookies.set(SESSION_COOKIE, await token_for(session, user))  # type: ignore[arg-type]


async def test_the_public_page_shows_the_project_and_its_governance(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer, action_ids=[cast.action.id])
    await add_participant(session, project, cast.distant, actor=cast.officer, accept_as=cast.distant_editor,
                          role="funder", funding_amount=900, currency="EUR")
    await add_participant(session, project, cast.local, actor=cast.officer, accept_as=cast.local_editor,
                          role="funder", funding_amount=100, currency="EUR")
    page = await client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    text = page.text
    for expected in ("District heating", "Lyon", "Heat network", "Far Away Ltd", "not local", "Funding concentration alert",
                     "90.0 %", "Sign in</a> to support", "Change history", "Far Away Ltd accepted the invitation"):
        assert expected in text, expected
    assert "Run this project" not in text


async def test_the_actions_of_a_draft_plan_stay_off_the_public_page(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer, action_ids=[cast.action.id])
    plan = await session.get(CityPlan, cast.city.id)
    assert plan is not None
    plan.status = PlanStatus.DRAFT
    await session.flush()
    assert "Heat network" not in (await client.get(f"/projects/{project.id}")).text
    await sign_in(client, session, cast.officer)
    assert "Heat network" in (await client.get(f"/projects/{project.id}")).text


async def test_an_officer_proposes_through_the_form_and_sees_errors_beside_fields(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    await sign_in(client, session, cast.officer)
    hub = await client.get("/projects")
    assert f"/cities/{cast.city.id}/projects/new" in hub.text
    form = await client.get(f"/cities/{cast.city.id}/projects/new")
    token = csrf_from(form.text)
    bad = await client.post(f"/cities/{cast.city.id}/projects/new", data={
        "csrf_token": token, "title": "Solar roofs", "expected_reduction_tco2e": "-3", "start_date": "2026-01-01",
        "end_date": "2025-01-01", "action_ids": str(cast.action.id)})
    assert bad.status_code == 422
    assert 'id="f-expected_reduction_tco2e-error"' in bad.text and 'value="Solar roofs"' in bad.text
    assert "checked" in bad.text
    good = await client.post(f"/cities/{cast.city.id}/projects/new", data={
        "csrf_token": token, "title": "Solar roofs", "expected_reduction_tco2e": "30", "action_ids": str(cast.action.id)})
    assert good.status_code == 303 and good.headers["location"].endswith("/manage")
    manage = await client.get(good.headers["location"])
    assert "Run “Solar roofs”" in manage.text and "Local Heat" in manage.text
    forged = await client.post(f"/cities/{cast.city.id}/projects/new", data={"title": "x", "expected_reduction_tco2e": "1"})
    assert forged.status_code == 403


async def test_the_manage_page_is_for_city_editors(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    anonymous = await client.get(f"/projects/{project.id}/manage")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")
    await sign_in(client, session, cast.resident)
    assert (await client.get(f"/projects/{project.id}/manage", headers={"accept": "text/html"})).status_code == 403


async def test_run_a_project_through_the_forms(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await sign_in(client, session, cast.officer)
    url = f"/projects/{project.id}/manage"
    token = csrf_from((await client.get(url)).text)
    invite = await client.post(f"{url}/invite", data={"csrf_token": token, "company_id": str(cast.local.id),
                                                      "role": "funder", "funding_amount": "50", "currency": "EURO"})
    assert invite.status_code == 422 and 'id="i-currency-error"' in invite.text and 'value="EURO"' in invite.text
    invite = await client.post(f"{url}/invite", data={"csrf_token": token, "company_id": str(cast.local.id), "role": "partner"})
    assert invite.status_code == 303
    again = await client.post(f"{url}/invite", data={"csrf_token": token, "company_id": str(cast.local.id), "role": "partner"})
    assert again.status_code == 422 and "invited to this project already" in again.text
    milestone = await client.post(f"{url}/milestones", data={"csrf_token": token, "title": "Permits", "due_date": "2026-02-01"})
    assert milestone.status_code == 303
    assert (await client.post(f"{url}/status", data={"csrf_token": token, "status": "completed"})).status_code == 422
    assert (await client.post(f"{url}/status", data={"csrf_token": token, "status": "active"})).status_code == 303
    await sign_in(client, session, cast.local_editor)
    invitations = await client.get(f"/companies/{cast.local.id}/invitations")
    assert "Accept the invitation to District heating" in invitations.text
    accepted = await client.post(f"/projects/{project.id}/invitations/{cast.local.id}/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    await sign_in(client, session, cast.officer)
    over = await client.post(f"{url}/outcomes", data={
        "csrf_token": token, "period_start": "2026-01-01", "period_end": "2026-06-30", "reduction_tco2e": "12",
        "method": "Meters", f"share_{cast.local.id}": "120"})
    assert over.status_code == 422 and 'id="o-attributions-error"' in over.text and 'value="120"' in over.text
    ok = await client.post(f"{url}/outcomes", data={
        "csrf_token": token, "period_start": "2026-01-01", "period_end": "2026-06-30", "reduction_tco2e": "12",
        "method": "Meters", f"share_{cast.local.id}": "100"})
    assert ok.status_code == 303
    public = (await client.get(f"/projects/{project.id}")).text
    assert "12.0 tCO2e" in public and "awaiting verification" in public and "Permits" in public


async def test_residents_support_and_comment_and_admins_hide(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await set_project_status(session, project, "active", actor=cast.officer)
    await sign_in(client, session, cast.resident)
    page = await client.get(f"/projects/{project.id}")
    token = csrf_from(page.text)
    assert (await client.post(f"/projects/{project.id}/support", data={"csrf_token": token})).status_code == 303
    assert (await client.post(f"/projects/{project.id}/support", data={"csrf_token": token})).status_code == 303
    empty = await client.post(f"/projects/{project.id}/comments", data={"csrf_token": token, "body": ""})
    assert empty.status_code == 422 and 'id="f-body-error"' in empty.text
    await client.post(f"/projects/{project.id}/comments", data={"csrf_token": token, "body": "Rude words"})
    page = (await client.get(f"/projects/{project.id}")).text
    assert "You support this project." in page and "<strong>1</strong> person supports" in page and "Rude words" in page
    await sign_in(client, session, cast.officer)
    page = (await client.get(f"/projects/{project.id}")).text
    comment_id = re.search(r'/comments/([0-9a-f-]+)/hide', page).group(1)  # type: ignore[union-attr]
    hidden = await client.post(f"/projects/{project.id}/comments/{comment_id}/hide", data={"csrf_token": token, "reason": "abuse"})
    assert hidden.status_code == 303
    page = (await client.get(f"/projects/{project.id}")).text
    assert "Rude words" not in page and "hidden by the city" in page


async def test_a_company_discloses_from_its_invitations(client: httpx.AsyncClient, session: AsyncSession, cast: Cast) -> None:
    project = await make_project(session, cast.city, actor=cast.officer)
    await add_participant(session, project, cast.local, actor=cast.officer)
    await sign_in(client, session, cast.local_editor)
    url = f"/companies/{cast.local.id}/invitations"
    token = csrf_from((await client.get(url)).text)
    action = f"/companies/{cast.local.id}/projects/{project.id}/disclosures"
    empty = await client.post(action, data={"csrf_token": token, "statement": ""})
    assert empty.status_code == 422 and f'id="d-{project.id}-error"' in empty.text
    done = await client.post(action, data={"csrf_token": token, "statement": "Our CEO advises the mayor."})
    assert done.status_code == 303
    assert "Our CEO advises the mayor." in (await client.get(f"/projects/{project.id}")).text
    await sign_in(client, session, cast.distant_editor)
    refused = await client.post(action, data={"csrf_token": token, "statement": "Not ours to say."},
                                headers={"accept": "text/html"})
    assert refused.status_code == 403 and "Not allowed" in refused.text
