"""The application factory."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from redis.asyncio import Redis
from sqlalchemy import text

from app import paths
from app.config import Settings, get_settings
from app.db import SessionDep, make_engine, make_sessionmaker
from app.errors import PROBLEM_MEDIA_TYPE, AppError, install_error_handlers
from app.cities.router import router as cities_router
from app.companies.router import router as companies_router
from app.identity.router import router as identity_router
from app.reports.api_clients import router as api_clients_router
from app.reports.pages import router as reports_pages_router
from app.reports.router import router as reports_router
from app.verifiers.router import router as verifiers_router
from app.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.web.pages import router as pages_router

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


@health_router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@health_router.get("/ready", responses={503: {"description": "The database cannot be reached."}})
async def ready(session: SessionDep) -> dict[str, str]:
    """Readiness: the database answers."""
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver failure means "not ready"
        raise ServiceUnavailable("The database cannot be reached.") from exc
    return {"status": "ok", "database": "ok"}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.engine.dispose()
        if app.state.redis is not None:
            await app.state.redis.aclose()

    app = FastAPIOffline(
        title="Citypact",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/static/docs",
        responses={
            422: {"description": "Invalid input", "content": {PROBLEM_MEDIA_TYPE: {}}},
        },
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.database_url)
    app.state.sessionmaker = make_sessionmaker(app.state.engine)
    app.state.redis = Redis.from_url(settings.redis_url) if settings.redis_url else None

    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    app.add_middleware(RequestContextMiddleware)

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(health_router)
    api.include_router(identity_router)
    api.include_router(cities_router)
    api.include_router(companies_router)
    api.include_router(verifiers_router)
    api.include_router(reports_router)
    api.include_router(api_clients_router)
    app.include_router(api)
    app.include_router(pages_router)
    app.include_router(reports_pages_router)
    app.mount("/static", StaticFiles(directory=paths.STATIC), name="static")
    return app
