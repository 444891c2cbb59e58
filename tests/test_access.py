"""Every route declares who may call it, and what it declares holds for anonymous callers."""

import re
import uuid

import httpx
import pytest
from fastapi.routing import APIRoute

from app.main import API_PREFIX, API_ROUTERS, PAGE_ROUTERS

PUBLIC = "public"


def declared(route: APIRoute) -> str | None:
    return (route.openapi_extra or {}).get("x-access")


def routes(routers: list) -> list[tuple[str, APIRoute]]:  # type: ignore[type-arg]
    return [(method, route) for router in routers for route in router.routes
            if isinstance(route, APIRoute) for method in sorted(route.methods)]


API = routes(API_ROUTERS)
PAGES = routes(PAGE_ROUTERS)


def concrete(path: str) -> str:
    """A path with its parameters filled: unknown ids, a plausible year."""
    path = re.sub(r"\{year\}", "2024", path)
    return re.sub(r"\{[a-z_]+(:[a-z]+)?\}", lambda _: str(uuid.uuid4()), path)


def test_every_route_declares_its_access_rule() -> None:
    missing = [f"{method} {route.path}" for method, route in API + PAGES if not declared(route)]
    assert missing == []
    assert len(API) > 40 and len(PAGES) > 20


@pytest.mark.parametrize(("method", "route"), API, ids=[f"{m} {r.path}" for m, r in API])
async def test_anonymous_callers_get_what_the_rule_says(client: httpx.AsyncClient, method: str, route: APIRoute) -> None:
    response = await client.request(method, API_PREFIX + concrete(route.path), json={})
    if declared(route) == PUBLIC or str(declared(route)).startswith("public"):
        assert response.status_code != 401
    else:
        assert response.status_code == 401, response.text


@pytest.mark.parametrize(("method", "route"), [(m, r) for m, r in PAGES if m == "GET"],
                         ids=[f"{m} {r.path}" for m, r in PAGES if m == "GET"])
async def test_pages_send_anonymous_visitors_to_sign_in_unless_public(client: httpx.AsyncClient, method: str, route: APIRoute) -> None:
    response = await client.get(concrete(route.path), headers={"accept": "text/html"})
    goes_to_sign_in = response.status_code == 303 and response.headers["location"].startswith("/signin")
    assert goes_to_sign_in == (declared(route) != PUBLIC), response.status_code
