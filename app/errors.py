"""The domain error tree and the handlers that render every error as RFC 9457 problem details.

API requests get `application/problem+json`; browsers asking for HTML get an error page with
the same status.
"""

import logging
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("citypact")

PROBLEM_TYPE_BASE = "https://citypact.org/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    """A failure the caller can understand and act on."""

    status: int = 400
    code: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str = "Sign in or send a valid bearer token.", **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class InvalidTransition(Conflict):
    code, title = "invalid-transition", "Invalid status transition"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition-failed", "Precondition failed"


class Unprocessable(AppError):
    """A request that is well formed but breaks a rule of the domain."""

    status, code, title = 422, "unprocessable", "Unprocessable content"

    def __init__(self, detail: str, *, loc: list[str | int] | None = None, **extra: Any) -> None:
        errors = extra.pop("errors", None) or [{"loc": loc or ["body"], "msg": detail}]
        super().__init__(detail, errors=errors, **extra)


class TooManyRequests(AppError):
    status, code, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error of the API is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None
    request_id: str | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


# Documented on every API route: the problems any call may answer.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Bad request"),
    401: _documented("Missing, invalid, expired or revoked token"),
    403: _documented("Authenticated, but not allowed"),
    404: _documented("No such object, or one the caller may not see"),
    405: _documented("Method not allowed"),
    409: _documented("Conflict with the current state"),
    412: _documented("Stale If-Match"),
    413: _documented("Body too large"),
    422: _documented("Invalid input"),
    429: _documented("Too many requests"),
    500: _documented("Unexpected error, reported with a request id"),
    503: _documented("Database unavailable"),
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return body


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _render(request: Request, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    status = body["status"]
    if _wants_html(request):
        from app.web.templating import render_error

        if status == 401:
            # A page that needs a signed-in user sends the browser to the sign-in form.
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/signin?next={target}", status_code=303)

        return render_error(request, body, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if isinstance(part, (str, int))]
        errors.append({"loc": loc, "msg": error.get("msg", "invalid value")})
    return errors


async def app_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    body = problem(exc.status, exc.detail, code=exc.code, title=exc.title, **exc.extra)
    return _render(request, body, exc.headers)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    summary = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
    body = problem(422, f"The request is invalid: {summary}", code="validation", errors=errors)
    return _render(request, body)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"There is nothing at {request.url.path}."
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on {request.url.path}."
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    body = problem(exc.status_code, detail)
    return _render(request, body, headers or None)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    allowed = []
    for method in ("DELETE", "GET", "PATCH", "POST", "PUT"):
        scope = dict(request.scope, method=method)
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


async def integrity_error_handler(request: Request, exc: Exception) -> Response:
    # A uniqueness race that the service's own checks could not see coming.
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc)
    body = problem(409, "The change conflicts with data stored meanwhile; reload and try again.", code="conflict")
    return _render(request, body)


async def stale_data_handler(request: Request, exc: Exception) -> Response:
    # Two edits of one version raced; the database let exactly one through (optimistic locking).
    body = problem(
        412, "The resource was changed by another request meanwhile; reload it and apply your edit again.",
        code="precondition-failed", title="Precondition failed",
    )
    return _render(request, body)


async def database_unavailable_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DBAPIError)
    if not (exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)) or _lost_connection(exc)):
        return await unexpected_error_handler(request, exc)
    return _unavailable(request, exc)


async def driver_error_handler(request: Request, exc: Exception) -> Response:
    """Errors of the driver itself, on the reads that use it directly (app/common/reads.py)."""
    if not _lost_connection(exc):
        return await unexpected_error_handler(request, exc)
    return _unavailable(request, exc)


def _unavailable(request: Request, exc: Exception) -> Response:
    # The pool has dropped the broken connection; a retry gets a fresh one.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, getattr(exc, "orig", exc))
    body = problem(503, "The database is unavailable for a moment; retry the request.", code="unavailable")
    return _render(request, body, {"Retry-After": "1"})


def _lost_connection(exc: BaseException) -> bool:
    """Whether the driver failed to reach the database (refused, dropped, shutting down)."""
    pending: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while pending:
        error = pending.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if isinstance(error, (ConnectionError, OSError)) or type(error).__name__ in CONNECTION_ERRORS:
            return True
        pending += [error.__cause__, error.__context__, getattr(error, "orig", None)]
    return False


# asyncpg's names for "the server cannot take this connection now" (ObjectNotInPrerequisiteState:
# the database is closed to new connections, e.g. during maintenance).
CONNECTION_ERRORS = {
    "CannotConnectNowError", "ConnectionDoesNotExistError", "ConnectionFailureError", "PostgresConnectionError",
    "TooManyConnectionsError", "AdminShutdownError", "CrashShutdownError", "ObjectNotInPrerequisiteStateError",
    "InterfaceError",  # asyncpg: "connection is closed"
    "InternalClientError",  # asyncpg: a connection the server cut, its protocol left out of step
}


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    log.exception("unexpected error, request id %s", request_id)
    body = problem(
        500,
        f"Something went wrong on our side. Quote request id {request_id} when you report it.",
        code="internal",
        request_id=request_id,
    )
    return _render(request, body)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, app_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(IntegrityError, integrity_error_handler)
    app.add_exception_handler(DBAPIError, database_unavailable_handler)
    app.add_exception_handler(StaleDataError, stale_data_handler)
    for driver_error in (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, ConnectionError):
        app.add_exception_handler(driver_error, driver_error_handler)
    app.add_exception_handler(Exception, unexpected_error_handler)
