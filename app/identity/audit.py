"""Appending to the audit log, inside the transaction of the write it records."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import AuditEvent


def record(
    session: AsyncSession,
    *,
    actor_id: uuid.UUID | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str,
    summary: str,
    organization_id: uuid.UUID | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        organization_id=organization_id,
        summary=summary[:500],
        changes=changes,
    )
    session.add(event)
    return event
