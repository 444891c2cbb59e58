"""Jinja2 rendering, the page session cookie and CSRF protection for forms."""

import hmac
import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app import paths
from app.errors import Forbidden

SESSION_COOKIE = "citypact_session"
CSRF_COOKIE = "citypact_csrf"
CSRF_FIELD = "csrf_token"

templates = Jinja2Templates(directory=paths.TEMPLATES)
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def compact_tonnes(value: float | None) -> str:
    """1234567 → "1.2 Mt": headline figures that fit a phone's width."""
    if value is None:
        return "—"
    for limit, unit in ((1e9, "Gt"), (1e6, "Mt"), (1e3, "kt")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f} {unit}"
    return f"{value:,.0f} t"


templates.env.filters["compact_tonnes"] = compact_tonnes


def csrf_token(request: Request) -> str:
    """The double-submit token: the same value in a SameSite cookie and in each form."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return token


def verify_csrf(request: Request, submitted: object) -> None:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("The form could not be trusted (missing or stale CSRF token); reload the page and try again.")


def _secure(request: Request) -> bool:
    return bool(request.app.state.settings.secure_cookies)


def set_cookies(request: Request, response: Response) -> Response:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=_secure(request))
    return response


def render(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    context = dict(context or {})
    context.setdefault("user", getattr(request.state, "page_user", None))
    context["csrf_token"] = csrf_token(request)
    response = templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)
    set_cookies(request, response)
    return response


def render_error(request: Request, problem: dict[str, Any], *, headers: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "error.html", {"problem": problem}, status_code=problem["status"], headers=headers)


def sign_in_cookie(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request)
    )
