"""Appending to the audit log, inside the transaction of the write it records."""

import uuid
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.common import driver
from app.db import new_id, utcnow
from app.identity.models import AuditEvent


class Fields(TypedDict):
    """What the writer says of an event; its id and time are given as it is stored."""

    actor_id: uuid.UUID | None
    action: str
    object_type: str
    object_id: uuid.UUID | str
    summary: str
    organization_id: NotRequired[uuid.UUID | None]
    changes: NotRequired[dict[str, Any] | None]


INSERT = insert(AuditEvent.__table__)


def entry(**fields: Unpack[Fields]) -> dict[str, Any]:
    """An audit event's columns, each of them: its id and time are given as it is written down."""
    return {"id": new_id(), "at": utcnow(), "organization_id": None, "changes": None} | dict(fields) | {
        "object_id": str(fields["object_id"]), "summary": fields["summary"][:500],
    }


def record(session: AsyncSession, **fields: Unpack[Fields]) -> AuditEvent:
    event = AuditEvent(**entry(**fields))
    session.add(event)
    return event


async def append(session: AsyncSession, **fields: Unpack[Fields]) -> None:
    """Append an event now, with one statement on the driver (app/common/driver.py): for the
    busiest writes, where the ORM's unit of work would cost more than the row."""
    await driver.rows(session, INSERT, entry(**fields))


async def record_all(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    """Append many events (`entry` each) in as few statements as the driver allows: for bulk writes,
    where an ORM object each would cost more than its row."""
    if entries:
        await session.execute(INSERT, entries)
