"""A live application on a committed database, for tests that need real concurrent connections."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.common.reads import close_driver_pool
from app.db import make_engine
from app.main import create_app
from tests.conftest import BACKENDS, drop_postgres_database, fresh_database_url, migrate, settings_for


@pytest.fixture(params=BACKENDS)
async def live_app(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[FastAPI]:  # type: ignore[no-untyped-def]
    """An app on its own migrated database: every request commits, as in production."""
    url = await fresh_database_url(request.param, str(tmp_path))
    engine = make_engine(url)
    await migrate(engine)
    await engine.dispose()
    app = create_app(settings_for(url))
    app.state.backend = request.param
    yield app
    await close_driver_pool(app)
    await app.state.engine.dispose()
    if request.param == "postgres":
        await drop_postgres_database(url)


@pytest.fixture
async def api(live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=live_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as client:
        yield client


async def signed_up(api: httpx.AsyncClient, email: str) -> dict[str, str]:
    await api.post("/auth/register", json={"email": email, "password": "long enough pass", "display_name": email})
    token = (await api.post("/auth/token", data={"username": email, "password": "long enough pass"})).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}
