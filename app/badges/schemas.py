"""What the badge API answers."""

import uuid
from datetime import datetime
from typing import Any

from app.badges.rules import BadgeClassId
from app.common.schemas import Output


class BadgeClassRead(Output):
    id: BadgeClassId
    name: str
    criteria: str
    criteria_version: str


class BadgeAwardRead(Output):
    assertion_id: uuid.UUID
    badge_class: BadgeClassId
    name: str
    issued_on: datetime
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    evidence: list[dict[str, Any]]


class BadgeVerification(Output):
    valid: bool
    revoked: bool
    reason: str | None
    signature_valid: bool
    issuer: str
    checked_at: datetime


class IssuerRead(Output):
    id: str
    type: list[str]
    name: str
    url: str
    public_key_pem: str
    public_key_jwk: dict[str, str]
