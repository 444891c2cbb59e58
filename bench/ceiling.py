"""The ceiling of this stack on this machine: a bare Starlette + asyncpg app reading one row by key.

Run by bench/run.py beside `citypact serve`, under the same uvicorn settings and load.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DSN = os.environ["BENCH_CEILING_DSN"]


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DSN, min_size=4, max_size=10)
    yield
    await app.state.pool.close()


async def city(request: Request) -> JSONResponse:
    async with request.app.state.pool.acquire() as connection:
        row = await connection.fetchrow(
            "SELECT id, name, country_code, population, latitude, longitude FROM city WHERE id = $1",
            uuid.UUID(request.path_params["city_id"]),
        )
    if row is None:
        return JSONResponse({"detail": "not found"}, status_code=404)
    return JSONResponse({**dict(row), "id": str(row["id"])})


app = Starlette(routes=[Route("/cities/{city_id}", city)], lifespan=lifespan)
