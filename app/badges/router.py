"""The badge API, and the issuer profile published at the site root."""

import uuid
from typing import Any

from fastapi import APIRouter, Response

from app.badges import rules, service, signing
from app.badges.credentials import WELL_KNOWN_PATH, issuer_profile
from app.badges.models import BadgeAssertion
from app.badges.schemas import BadgeAwardRead, BadgeClassRead, BadgeVerification, IssuerRead
from app.badges.svg import badge_svg
from app.common import access
from app.common.pagination import Page, PageDep
from app.companies.service import get_company
from app.config import SettingsDep
from app.db import SessionDep, utcnow
from app.errors import PROBLEM_RESPONSES, Unprocessable
from app.web.charts import SVG_HEADERS

router = APIRouter(tags=["badges"])
# At the site root, beside the pages; documented like the API.
well_known = APIRouter(tags=["badges"], responses=PROBLEM_RESPONSES)


class JWTResponse(Response):
    media_type = "application/jwt"


def _content(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    # Documented here rather than through response_class, whose media type FastAPI would also
    # give the problem responses.
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}, "description": description}}


@router.get("/badge-classes", response_model=Page[BadgeClassRead], openapi_extra=access.PUBLIC)
async def list_badge_classes(page: PageDep) -> Page[BadgeClassRead]:
    """The badges a company can earn, with their public criteria."""
    ids = [b.id.value for b in rules.BADGE_CLASSES]
    if page.cursor is not None and page.cursor not in ids:
        raise Unprocessable("The cursor is not one this list gave out.", loc=["query", "cursor"])
    start = ids.index(page.cursor) + 1 if page.cursor else 0
    chunk = rules.BADGE_CLASSES[start : start + page.limit]
    more = start + page.limit < len(ids)
    items = [BadgeClassRead(id=b.id, name=b.name, criteria=b.criteria, criteria_version=b.criteria_version) for b in chunk]
    return Page(items=items, next_cursor=chunk[-1].id.value if more else None)


def award_read(assertion: BadgeAssertion) -> BadgeAwardRead:
    return BadgeAwardRead(
        assertion_id=assertion.id, badge_class=assertion.badge_class, name=rules.BY_ID[assertion.badge_class].name,
        issued_on=assertion.issued_on, revoked=assertion.revoked_at is not None, revoked_at=assertion.revoked_at,
        revocation_reason=assertion.revocation_reason, evidence=assertion.evidence,
    )


@router.get("/companies/{company_id}/badges", response_model=Page[BadgeAwardRead], openapi_extra=access.PUBLIC)
async def list_company_badges(company_id: uuid.UUID, page: PageDep, session: SessionDep) -> Page[BadgeAwardRead]:
    """Every badge the company was awarded, standing or revoked, oldest first."""
    await get_company(session, company_id)
    rows, cursor = await service.list_company_badges(session, company_id=company_id, params=page)
    return Page(items=[award_read(a) for a in rows], next_cursor=cursor)


# Declared before `/badges/{assertion_id}`, whose parameter would otherwise swallow the suffix.
@router.get(
    "/badges/{assertion_id}.svg", response_class=Response, responses=_content("image/svg+xml", "The badge image."),
    openapi_extra=access.PUBLIC,
)
async def badge_image(assertion_id: uuid.UUID, session: SessionDep) -> Response:
    """An embeddable image of the badge; a revoked one says so."""
    assertion = await service.get_assertion(session, assertion_id)
    company = await get_company(session, assertion.company_id)
    # Revalidated on every view: a badge revoked a minute ago must not still show as standing.
    headers = SVG_HEADERS | {"Cache-Control": "no-cache"}
    return Response(badge_svg(assertion, company.name), media_type="image/svg+xml", headers=headers)


@router.get("/badges/{assertion_id}", response_model=dict[str, Any], openapi_extra=access.PUBLIC)
async def get_badge(assertion_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    """The Open Badges 3.0 credential as signed, with its current status beside it."""
    assertion = await service.get_assertion(session, assertion_id)
    return assertion.credential | {"revoked": assertion.revoked_at is not None, "revocation_reason": assertion.revocation_reason}


@router.get(
    "/badges/{assertion_id}/credential.jwt", response_class=Response,
    responses=_content(JWTResponse.media_type, "The compact VC-JWT."), openapi_extra=access.PUBLIC,
)
async def get_badge_jwt(assertion_id: uuid.UUID, session: SessionDep) -> Response:
    """The signed credential as a compact VC-JWT (EdDSA), checkable offline with the issuer's key."""
    assertion = await service.get_assertion(session, assertion_id)
    return JWTResponse(assertion.jwt)


@router.get("/badges/{assertion_id}/verify", response_model=BadgeVerification, openapi_extra=access.PUBLIC)
async def verify_badge(assertion_id: uuid.UUID, session: SessionDep, settings: SettingsDep) -> BadgeVerification:
    """Re-check the badge's signature against its stored credential, and its current status."""
    assertion = await service.get_assertion(session, assertion_id)
    issuer = signing.issuer(settings)
    check = service.check_assertion(assertion, issuer)
    return BadgeVerification(
        valid=check.valid, revoked=check.revoked, reason=check.reason, signature_valid=check.signature_valid,
        issuer=issuer.id, checked_at=utcnow(),
    )


@well_known.get(WELL_KNOWN_PATH, response_model=IssuerRead, openapi_extra=access.PUBLIC)
async def issuer_document(settings: SettingsDep) -> IssuerRead:
    """The badge issuer's profile and its Ed25519 public key, for checking badges offline."""
    issuer = signing.issuer(settings)
    profile = issuer_profile(issuer.base_url)
    return IssuerRead(
        **profile, public_key_pem=signing.public_pem(issuer.public_key), public_key_jwk=signing.public_jwk(issuer.public_key),
    )
