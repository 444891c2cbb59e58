"""The city and company pages as a browser without JavaScript sees them."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.cities import service as cities
from app.cities.schemas import InventoryCreate, PlanWrite
from app.identity.models import Role
from app.web.templating import SESSION_COOKIE
from tests.factories import add_member, make_city, make_company, make_facility, make_user, token_for
from tests.web.test_pages import csrf_from

PLAN = {"title": "Plan Climat Lyon", "baseline_year": 2020, "baseline_emissions_tco2e": 1000,
        "targets": [{"year": 2030, "reduction_pct": 50}], "status": "published"}


async def signed_in(client: httpx.AsyncClient, session: AsyncSession, user: object) -> None:
    client.cookies.set(SESSION_COOKIE, await token_for(session, user))  # type: ignore[arg-type]


async def test_city_page_shows_plan_figures_chart_and_companies(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    await cities.put_plan(session, city=city, data=PlanWrite(**PLAN), actor=officer)
    sectors = {"stationary_energy": 500, "transportation": 300, "waste": 50, "ippu": 0, "afolu": 0}
    await cities.add_inventory(session, city=city, data=InventoryCreate(year=2024, sectors=sectors), actor=officer)
    owner = await make_user(session)
    company = await make_company(session, creator=owner, name="Rhône Steel")
    await make_facility(session, company, actor=owner)

    page = await client.get(f"/cities/{city.id}")
    assert page.status_code == 200
    text = page.text
    assert "Plan Climat Lyon" in text and "850" in text and "Off track" in text
    assert f'src="/cities/{city.id}/emissions.svg"' in text and "Rhône Steel" in text
    assert "Edit the plan" not in text  # the public sees no editing links

    chart = await client.get(f"/cities/{city.id}/emissions.svg")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert "Target trajectory" in chart.text and "Inventories (measured)" in chart.text


async def test_a_draft_plan_stays_off_the_public_page(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    await cities.put_plan(session, city=city, data=PlanWrite(**PLAN | {"status": "draft"}), actor=officer)
    assert "Plan Climat Lyon" not in (await client.get(f"/cities/{city.id}")).text
    await signed_in(client, session, officer)
    page = (await client.get(f"/cities/{city.id}")).text
    assert "Plan Climat Lyon" in page and "visible to the city's members only" in page and "Edit the plan" in page


async def test_plan_form_is_for_editors_and_keeps_input_on_error(client: httpx.AsyncClient, session: AsyncSession) -> None:
    officer = await make_user(session)
    city = await make_city(session, creator=officer)
    url = f"/cities/{city.id}/plan/edit"
    anonymous = await client.get(url, headers={"accept": "text/html"})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin?next=")
    viewer = await make_user(session)
    await add_member(session, city, viewer, Role.VIEWER)
    await signed_in(client, session, viewer)
    assert (await client.get(url, headers={"accept": "text/html"})).status_code == 403

    await signed_in(client, session, officer)
    form = await client.get(url)
    data = {"csrf_token": csrf_from(form.text), "title": "Plan", "baseline_year": "2020",
            "baseline_emissions_tco2e": "-5", "targets.0.year": "2030", "targets.0.reduction_pct": "40", "status": "published"}
    refused = await client.post(url, data=data)
    assert refused.status_code == 422
    assert 'id="f-baseline_emissions_tco2e-error"' in refused.text and 'value="2030"' in refused.text
    saved = await client.post(url, data=data | {"baseline_emissions_tco2e": "1000"})
    assert saved.status_code == 303
    assert (await client.get(f"/api/v1/cities/{city.id}/plan")).json()["targets"] == [
        {"year": 2030, "reduction_pct": 40.0, "kind": "absolute"}
    ]


async def test_company_page_lists_facilities_with_their_cities(client: httpx.AsyncClient, session: AsyncSession) -> None:
    city = await make_city(session)
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    await make_facility(session, company, actor=owner, name="Gerland plant")
    page = await client.get(f"/companies/{company.id}")
    assert page.status_code == 200
    assert "Gerland plant" in page.text and f'href="/cities/{city.id}"' in page.text
    assert "no climate plan yet" in page.text


async def test_commitment_form_makes_the_company_climate_active(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner = await make_user(session)
    company = await make_company(session, creator=owner)
    await signed_in(client, session, owner)
    url = f"/companies/{company.id}/commitments/edit"
    token = csrf_from((await client.get(url)).text)
    bad = await client.post(url, data={"csrf_token": token, "targets.0.base_year": "2019", "targets.0.target_year": "2030",
                                       "targets.0.reduction_pct": "42", "targets.0.scopes": "1,4", "sbti_status": "none"})
    assert bad.status_code == 422 and 'value="1,4"' in bad.text
    good = await client.post(url, data={"csrf_token": token, "targets.0.base_year": "2019", "targets.0.target_year": "2030",
                                        "targets.0.reduction_pct": "42", "targets.0.scopes": "1, 2", "sbti_status": "committed"})
    assert good.status_code == 303
    assert "climate-active" in (await client.get(f"/companies/{company.id}")).text
