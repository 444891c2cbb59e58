import uuid

from fastapi import APIRouter, Request, Response, status

from app.common import access
from app.common.etag import check_if_match, set_etag
from app.common.pagination import Page, PageDep
from app.db import SessionDep
from app.identity.auth import CurrentUser, require_role
from app.identity.models import Role
from app.verifiers import service
from app.verifiers.schemas import VerifierCreate, VerifierRead, VerifierUpdate

router = APIRouter(prefix="/verifiers", tags=["verification"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=VerifierRead, openapi_extra=access.SIGNED_IN)
async def create_verifier(body: VerifierCreate, response: Response, user: CurrentUser, session: SessionDep) -> VerifierRead:
    """Register a verifier organisation (not accredited until a platform administrator says so)."""
    verifier = await service.create_verifier(session, data=body, actor=user)
    set_etag(response, verifier.version)
    return VerifierRead.model_validate(verifier)


@router.get("", response_model=Page[VerifierRead], openapi_extra=access.PUBLIC)
async def list_verifiers(session: SessionDep, page: PageDep, accredited: bool | None = None) -> Page[VerifierRead]:
    """Verifier organisations, by name."""
    items, cursor = await service.list_verifiers(session, params=page, accredited=accredited)
    return Page(items=[VerifierRead.model_validate(v) for v in items], next_cursor=cursor)


@router.get("/{verifier_id}", response_model=VerifierRead, openapi_extra=access.PUBLIC)
async def get_verifier(verifier_id: uuid.UUID, response: Response, session: SessionDep) -> VerifierRead:
    """A verifier organisation."""
    verifier = await service.get_verifier(session, verifier_id)
    set_etag(response, verifier.version)
    return VerifierRead.model_validate(verifier)


@router.patch("/{verifier_id}", response_model=VerifierRead, openapi_extra=access.rule("editors of the verifier; accredited: platform administrators"))
async def update_verifier(
    verifier_id: uuid.UUID, body: VerifierUpdate, request: Request, response: Response, user: CurrentUser,
    session: SessionDep,
) -> VerifierRead:
    """Change a verifier (its editors); `accredited` is for platform administrators only."""
    verifier = await service.get_verifier(session, verifier_id)
    if not user.is_platform_admin:
        await require_role(session, user, verifier_id, Role.EDITOR)
    check_if_match(request, verifier.version)
    verifier = await service.update_verifier(session, verifier=verifier, data=body, actor=user)
    set_etag(response, verifier.version)
    return VerifierRead.model_validate(verifier)
