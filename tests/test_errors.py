"""Every error is an RFC 9457 problem (or an HTML page for browsers); nothing leaks internals."""

import httpx
import pytest
from fastapi import FastAPI

from app.errors import Conflict, InvalidTransition, NotFound, PreconditionFailed
from app.main import create_app
from tests.conftest import settings_for

API = "/api/v1"
PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    return body


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/nowhere"), 404)
    assert "/api/v1/nowhere" in str(body["detail"])


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{API}/health")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]


async def test_malformed_json_is_a_422_problem_with_errors(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert body["errors"] and {"loc", "msg"} == set(body["errors"][0])  # type: ignore[index]


async def test_wrong_types_are_422(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/register", json={"email": 5, "password": [], "display_name": None})
    body = assert_problem(response, 422)
    locs = {tuple(error["loc"]) for error in body["errors"]}  # type: ignore[union-attr]
    assert {("body", "email"), ("body", "password"), ("body", "display_name")} <= locs


async def test_a_json_array_body_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(f"{API}/auth/register", json=[1, 2]), 422)


async def test_oversized_body_is_a_413_problem(client: httpx.AsyncClient) -> None:
    big = b'{"email": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = await client.post(f"{API}/auth/register", content=big, headers={"content-type": "application/json"})
    assert_problem(response, 413)


async def test_oversized_streamed_body_without_length_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    response = await client.post(f"{API}/auth/register", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413)


async def test_browsers_get_an_html_error_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text and "<html" in response.text


async def test_api_paths_answer_problems_even_to_browsers(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/nowhere", headers={"accept": "text/html"})
    assert_problem(response, 404)


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    app = create_app(settings_for(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e')}/e.db"))

    @app.get("/api/v1/test/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    errors = {"not-found": NotFound("x"), "conflict": Conflict("x"), "transition": InvalidTransition("x"),
              "stale": PreconditionFailed("x")}

    @app.get("/api/v1/test/domain/{kind}")
    async def domain(kind: str) -> None:
        raise errors[kind]

    return app


async def test_unexpected_errors_are_500_problems_without_internals(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(f"{API}/test/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "Traceback" not in response.text
    assert body["request_id"] in str(body["detail"])


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("not-found", 404, "not-found"), ("conflict", 409, "conflict"), ("transition", 409, "invalid-transition"),
     ("stale", 412, "precondition-failed")],
)
async def test_domain_errors_are_rendered_by_one_handler(failing_app: FastAPI, kind: str, status: int, code: str) -> None:
    transport = httpx.ASGITransport(app=failing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        body = assert_problem(await client.get(f"{API}/test/domain/{kind}"), status)
    assert str(body["type"]).endswith("/" + code)


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/health")).json() == {"status": "ok"}
    ready = await client.get(f"{API}/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


async def test_readiness_reports_an_unreachable_database(tmp_path_factory: pytest.TempPathFactory) -> None:
    app = create_app(settings_for("sqlite+aiosqlite:////nonexistent-dir/x/y.db"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(f"{API}/ready")
    assert_problem(response, 503)
    await app.state.engine.dispose()


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for path in (f"{API}/health", "/", f"{API}/nowhere"):
        headers = (await client.get(path)).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["x-request-id"]


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/auth/register" in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "/static/docs/swagger-ui-bundle.js" in docs.text
    assert (await client.get("/static/docs/swagger-ui-bundle.js")).status_code == 200


async def test_nul_characters_are_refused_not_stored(client: httpx.AsyncClient) -> None:
    body = {"email": "nul@example.org", "password": "twelve chars ok", "display_name": "Nu\x00l"}
    response = await client.post(f"{API}/auth/register", json=body)
    assert_problem(response, 422)
    assert "NUL" in response.json()["errors"][0]["msg"]
    assert_problem(await client.get(f"{API}/cities", params={"q": "a\x00b"}), 400)
