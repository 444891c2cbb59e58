"""Appending to the audit log, inside the transaction of the write it records."""

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.identity.models import AuditEvent


def entry(
    *,
    actor_id: uuid.UUID | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str,
    summary: str,
    organization_id: uuid.UUID | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit event's columns; its id and time are given as it is stored."""
    return {
        "actor_id": actor_id, "action": action, "object_type": object_type, "object_id": str(object_id),
        "organization_id": organization_id, "summary": summary[:500], "changes": changes,
    }


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
    event = AuditEvent(**entry(
        actor_id=actor_id, action=action, object_type=object_type, object_id=object_id, summary=summary,
        organization_id=organization_id, changes=changes,
    ))
    session.add(event)
    return event


async def record_all(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Append many events (`entry` each) in as few statements as the driver allows: for bulk writes,
    where an ORM object each would cost more than its row."""
    if entries:
        await session.execute(insert(AuditEvent.__table__), entries)
