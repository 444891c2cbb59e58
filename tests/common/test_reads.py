"""The reads by key take their own way through FastAPI (`KeyedRead`) and answer as FastAPI would."""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Response

from app.common.reads import KeyedRead, ReaderDep, SessionReader, get_reader
from app.errors import install_error_handlers


class Sentinel(SessionReader):
    def __init__(self) -> None:
        pass


def build() -> FastAPI:
    """Two routers with the same endpoints, one of them taking the short way."""
    app = FastAPI()
    install_error_handlers(app)
    for prefix, route_class in (("/keyed", KeyedRead), ("/plain", None)):
        router = APIRouter(prefix=prefix, **({"route_class": route_class} if route_class else {}))

        @router.get("/{thing_id}")
        async def read(thing_id: uuid.UUID, reader: ReaderDep) -> Response:
            return Response(f"{type(thing_id).__name__} {thing_id} {type(reader).__name__}")

        @router.get("/{thing_id}/page")
        async def page(thing_id: uuid.UUID, reader: ReaderDep, limit: int = 10) -> Response:
            return Response(f"{thing_id} {limit}")

        @router.get("/{thing_id}/named")
        async def named(thing_id: uuid.UUID, reader: ReaderDep) -> dict[str, str]:
            return {"id": str(thing_id)}

        app.include_router(router)
    app.dependency_overrides[get_reader] = Sentinel
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_keyed_read_gets_its_key_and_the_reader_as_dependencies_give_them(client: httpx.AsyncClient) -> None:
    key = uuid.uuid4()
    for prefix in ("keyed", "plain"):
        answer = await client.get(f"/{prefix}/{key}")
        assert answer.status_code == 200
        assert answer.text == f"UUID {key} Sentinel"


@pytest.mark.parametrize("key", ["nope", "01a22636-9287-7724-801c-f3be9ef3ac0", "%20", "1" * 40])
async def test_a_malformed_key_is_refused_as_fastapi_refuses_it(client: httpx.AsyncClient, key: str) -> None:
    keyed, plain = await client.get(f"/keyed/{key}"), await client.get(f"/plain/{key}")
    assert keyed.status_code == plain.status_code == 422
    assert keyed.headers["content-type"] == plain.headers["content-type"] == "application/problem+json"
    assert keyed.json() == plain.json()
    assert keyed.json()["errors"][0]["loc"] == ["path", "thing_id"]


async def test_an_endpoint_with_other_parameters_or_answers_is_left_to_fastapi(client: httpx.AsyncClient) -> None:
    key = uuid.uuid4()
    assert (await client.get(f"/keyed/{key}/page?limit=3")).text == f"{key} 3"
    # An answer FastAPI serialises from what the endpoint returns.
    assert (await client.get(f"/keyed/{key}/named")).json() == {"id": str(key)}
    refused = await client.get(f"/keyed/{key}/page?limit=many")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["query", "limit"]
