"""Pages for everyone: home, sign-in, registration and the account page."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.common import access
from app.cities.service import list_cities
from app.common.pagination import PageParams
from app.companies.service import list_companies
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import Conflict, TooManyRequests
from app.identity import service as identity
from app.identity.router import client_address, get_throttle
from app.identity.schemas import UserCreate
from app.identity.throttle import LoginThrottle
from app.web.figures import featured_networks, platform_figures
from app.web.forms import parse_form
from app.web.session import CheckedForm, PageUser
from app.web.templating import SESSION_COOKIE, render, sign_in_cookie

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only local paths, so that the sign-in form cannot redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/account"


def sign_in_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)


@router.get("/", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def home(
    request: Request, user: PageUser, session: SessionDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    context = {"figures": await platform_figures(session), "q": q or "", "networks": await featured_networks(session)}
    if q:
        context["cities"], _ = await list_cities(session, params=PageParams(limit=20), q=q)
        context["companies"], _ = await list_companies(session, params=PageParams(limit=20), q=q)
    return render(request, "home.html", context)


@router.get("/signin", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def signin_form(request: Request, user: PageUser, next: Annotated[str | None, Query()] = None) -> Response:
    return render(request, "signin.html", {"next": safe_next(next), "email": "", "errors": {}})


@router.post("/signin", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def signin(
    request: Request,
    form: CheckedForm,
    session: SessionDep,
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
    settings: SettingsDep,
) -> Response:
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    context = {"next": target, "email": email.replace("\x00", ""), "errors": {}}
    address = client_address(request)
    if "\x00" in email or "\x00" in password:
        context["errors"] = {"form": "The email or the password is wrong."}
        return render(request, "signin.html", context, status_code=401)
    try:
        await throttle.check(email, address)
    except TooManyRequests as exc:
        context["errors"] = {"form": exc.detail}
        return render(request, "signin.html", context, status_code=429, headers=exc.headers)
    user = await identity.authenticate(session, email=email, password=password)
    if user is None:
        await throttle.failed(email, address)
        context["errors"] = {"form": "The email or the password is wrong."}
        return render(request, "signin.html", context, status_code=401)
    await throttle.succeeded(email)
    ttl = settings.token_ttl_seconds
    token = await identity.issue_token(session, user=user, ttl_seconds=ttl)
    response = RedirectResponse(target, status_code=303)
    sign_in_cookie(request, response, token, ttl)
    return response


@router.post("/signout", openapi_extra=access.SIGNED_IN)
async def signout(request: Request, form: CheckedForm, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await identity.revoke_token(session, token=token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/register", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def register_form(request: Request, user: PageUser) -> Response:
    return render(request, "register.html", {"values": {}, "errors": {}})


@router.post("/register", response_class=HTMLResponse, openapi_extra=access.PUBLIC)
async def register(request: Request, form: CheckedForm, session: SessionDep, settings: SettingsDep) -> Response:
    values = {key: str(form.get(key, "")) for key in ("email", "display_name", "password")}
    data, errors = parse_form(UserCreate, values)
    values.pop("password")
    if data is None:
        return render(request, "register.html", {"values": values, "errors": errors}, status_code=422)
    try:
        user = await identity.register_user(
            session, email=str(data.email), password=data.password, display_name=data.display_name
        )
    except Conflict as exc:
        return render(request, "register.html", {"values": values, "errors": {"email": exc.detail}}, status_code=409)
    ttl = settings.token_ttl_seconds
    token = await identity.issue_token(session, user=user, ttl_seconds=ttl)
    response = RedirectResponse("/account", status_code=303)
    sign_in_cookie(request, response, token, ttl)
    return response


@router.get("/account", response_class=HTMLResponse, openapi_extra=access.SIGNED_IN)
async def account(request: Request, user: PageUser, session: SessionDep) -> Response:
    if user is None:
        return sign_in_redirect(request)
    memberships = await identity.list_memberships(session, user_id=user.id)
    return render(request, "account.html", {"memberships": memberships})
