"""The application factory."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from redis.asyncio import Redis
from sqlalchemy import text

from app import paths
from app.common import access, answers
from app.common.reads import close_driver_pool
from app.config import Settings, get_settings
from app.db import SessionDep, make_engine, make_read_sessionmaker, make_sessionmaker
from app.errors import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, AppError, install_error_handlers
from app.badges.pages import router as badge_pages
from app.badges.router import router as badges_router, well_known as badge_issuer
from app.cities.router import reads as cities_reads, router as cities_router
from app.companies.router import reads as companies_reads, router as companies_router
from app.identity.router import router as identity_router
from app.matching.pages import router as matching_pages
from app.matching.router import router as matching_router
from app.networks.router import router as networks_router
from app.projects.manage import router as project_manage_router
from app.projects.pages import router as project_pages_router
from app.projects.router import reads as projects_reads, router as projects_router
from app.reports.api_clients import router as api_clients_router
from app.reports.pages import router as reports_pages_router
from app.reports.router import router as reports_router
from app.verifiers.router import router as verifiers_router
from app.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.web.pages import router as pages_router
from app.cities.pages import router as city_pages
from app.companies.pages import router as company_pages
from app.networks.pages import router as network_pages

API_PREFIX = "/api/v1"

DESCRIPTION = """
Citypact connects cities' climate action plans with the companies that stand inside them.

Errors are RFC 9457 problem details (`application/problem+json`). Lists answer
`{"items": [...], "next_cursor": ...}` and take `limit` (1–200) and `cursor`.
Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/token`.
"""


class ServiceUnavailable(AppError):
    status, code, title = 503, "unavailable", "Service unavailable"


health_router = APIRouter(tags=["health"])


@health_router.get("/health", openapi_extra=access.PUBLIC)
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@health_router.get("/ready", responses={503: {"description": "The database cannot be reached."}}, openapi_extra=access.PUBLIC)
async def ready(session: SessionDep) -> dict[str, str]:
    """Readiness: the database answers."""
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver failure means "not ready"
        raise ServiceUnavailable("The database cannot be reached.") from exc
    return {"status": "ok", "database": "ok"}


# Every route of these routers declares who may call it (see app/common/access.py).
# FastAPI tries each route in turn, a few microseconds each: the reads by key, the busiest by far,
# come first, then the most read public objects and dashboards.
API_ROUTERS = [cities_reads, companies_reads, projects_reads, cities_router, companies_router, projects_router,
               networks_router, matching_router, reports_router, health_router, identity_router, verifiers_router,
               api_clients_router, badges_router]
PAGE_ROUTERS = [pages_router, city_pages, company_pages, network_pages, matching_pages, project_pages_router,
                project_manage_router, reports_pages_router, badge_pages, badge_issuer]


def document_problems_as_problem_json(app: FastAPI) -> None:
    """FastAPI documents response models as application/json; problems are application/problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        for operations in schema["paths"].values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    body = content.get("application/json", {})
                    if body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up built lives as long as the process: keep the collector from walking it
        # again and again (the long pauses behind a slow 99th percentile).
        gc.collect()
        gc.freeze()
        yield
        await close_driver_pool(app)
        await answers.close(app)
        await app.state.engine.dispose()
        if app.state.redis is not None:
            await app.state.redis.aclose()

    app = FastAPIOffline(
        title="Citypact",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/static/docs",
        # No OpenTelemetry is set up: FastAPI would still look for its providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.read_sessionmaker = make_read_sessionmaker(app.state.engine)
    app.state.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None

    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(RequestContextMiddleware)

    # Each router is included at the top, not under one /api/v1 router: FastAPI matches a request
    # against every route before the one it takes, and again inside each router it enters.
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=paths.STATIC), name="static")
    document_problems_as_problem_json(app)
    return app
