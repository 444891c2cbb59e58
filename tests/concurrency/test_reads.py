"""The lean public reads (app/common/reads.py) answer what the ORM holds, on committed data: on
PostgreSQL through the driver's own pool, on SQLite through sessions."""

import httpx
from fastapi import FastAPI

from app.cities.service import city_read
from app.projects.service import project_read
from tests.factories import add_participant, make_city, make_company, make_facility, make_project, make_user

SQUARE = {"type": "Polygon", "coordinates": [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.8], [4.8, 45.7]]]}


async def test_a_city_a_company_and_a_project_read_as_stored(live_app: FastAPI, api: httpx.AsyncClient) -> None:
    async with live_app.state.sessionmaker() as session:
        officer, owner = await make_user(session), await make_user(session)
        city = await make_city(session, creator=officer, boundary=SQUARE)
        company = await make_company(session, creator=owner)
        await make_facility(session, company, actor=owner, latitude=45.75, longitude=4.85)
        project = await make_project(session, city, actor=officer)
        await add_participant(session, project, company, actor=officer, accept_as=owner, funding_amount=2500.5,
                              currency="EUR")
        expected_city = city_read(city).model_dump(mode="json")
        expected_project = (await project_read(session, project)).model_dump(mode="json")
        await session.commit()

    response = await api.get(f"/cities/{city.id}")
    assert response.status_code == 200 and response.headers["etag"] == f'"{city.version}"'
    assert response.json() == expected_city and response.json()["boundary"] == SQUARE

    response = await api.get(f"/projects/{project.id}")
    assert response.status_code == 200 and response.headers["etag"] == f'"{project.version}"'
    assert response.json() == expected_project
    assert response.json()["participants"][0]["local"] is True

    response = await api.get(f"/companies/{company.id}")
    assert response.status_code == 200
    assert response.json()["name"] == company.name and response.json()["climate_active"] is False

    progress = await api.get(f"/cities/{city.id}/progress")
    assert progress.status_code == 200 and progress.json()["project_count"] == 1
