"""The ceiling of this stack on this machine: a bare Starlette + asyncpg app reading one row by key,
and storing one submitted report (a row of its own table, keyed by company and year) in a
transaction.

Run by bench/run.py beside `citypact serve`, under the same uvicorn settings and load.
"""

import hashlib
import json
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
    async with app.state.pool.acquire() as connection:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_submission (id uuid PRIMARY KEY, company_id uuid NOT NULL REFERENCES company, "
            "reporting_year int NOT NULL, content jsonb NOT NULL, content_hash text NOT NULL, "
            "submitted_at timestamptz NOT NULL DEFAULT now(), UNIQUE (company_id, reporting_year))"
        )
        await connection.execute("TRUNCATE bench_submission")
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


async def submit(request: Request) -> JSONResponse:
    content = await request.json()
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    row_id = uuid.uuid4()
    async with request.app.state.pool.acquire() as connection, connection.transaction():
        stored = await connection.fetchval(
            "INSERT INTO bench_submission (id, company_id, reporting_year, content, content_hash) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (company_id, reporting_year) DO NOTHING RETURNING id",
            row_id, uuid.UUID(request.path_params["company_id"]), content["reporting_year"], canonical,
            hashlib.sha256(canonical.encode()).hexdigest(),
        )
    if stored is None:
        return JSONResponse({"detail": "a report for that year exists"}, status_code=409)
    return JSONResponse({"id": str(row_id), **content}, status_code=201)


app = Starlette(
    routes=[Route("/cities/{city_id}", city), Route("/companies/{company_id}/reports", submit, methods=["POST"])],
    lifespan=lifespan,
)
