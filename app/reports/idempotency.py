"""`Idempotency-Key`: the first answer to a keyed request is stored and replayed to its retries."""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.common import driver
from app.db import new_id, utcnow
from app.errors import Conflict, Unprocessable
from app.reports.hashing import canonical_json
from app.reports.models import IdempotencyKey

MAX_KEY_LENGTH = 200
KEYS = IdempotencyKey.__table__


def request_hash(path: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"path": path, "body": body})).hexdigest()


def _valid_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unprocessable(
            f"Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters.", loc=["header", "idempotency-key"]
        )
    return key


def insert_or_skip(dialect: str, table: Any, *unique: str) -> Insert:
    """INSERT … ON CONFLICT (unique) DO NOTHING: a row lost to an earlier one is skipped, not an error.

    When the earlier row is not committed yet, the database waits for its transaction to end.
    """
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table).on_conflict_do_nothing(index_elements=list(unique))


@cache
def _claim_statement(dialect: str) -> Insert:
    values = {name: bindparam(name) for name in ("id", "company_id", "key", "request_hash", "created_at")}
    return insert_or_skip(dialect, KEYS, "company_id", "key").values(values).returning(KEYS.c.id)


_ANSWER = update(KEYS).where(KEYS.c.id == bindparam("claimed")).values(
    status_code=bindparam("status_code"), response=bindparam("response")
)


async def _claim(session: AsyncSession, company_id: uuid.UUID, key: str, digest: str) -> uuid.UUID | None:
    """Claim the key for this request (the id of its record), or None when another request holds it."""
    claimed = await driver.first(session, _claim_statement(session.get_bind().dialect.name), {
        "id": new_id(), "company_id": company_id, "key": key, "request_hash": digest, "created_at": utcnow(),
    })
    return None if claimed is None else claimed[0]


async def run_once(
    session: AsyncSession,
    *,
    key: str | None,
    company_id: uuid.UUID,
    path: str,
    body: dict[str, Any],
    create: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """Run `create` unless the key has been used: replay its answer for the same body, 409 for another.

    A twin arriving while the first request runs waits for it at the claim, then replays its answer;
    if the first one failed, nothing was kept and the twin runs in its place.
    """
    if key is None:
        status, payload = await create()
        return JSONResponse(payload, status_code=status)
    key = _valid_key(key)
    digest = request_hash(path, body)
    claimed = await _claim(session, company_id, key, digest)
    if claimed is None:
        earlier = (await session.execute(
            select(KEYS.c.request_hash, KEYS.c.status_code, KEYS.c.response)
            .where(KEYS.c.company_id == company_id, KEYS.c.key == key)
        )).first()
        if earlier is None:  # its company was deleted meanwhile
            raise Conflict("This Idempotency-Key was released meanwhile; retry the request.")
        if earlier.request_hash != digest:
            raise Conflict("This Idempotency-Key was used with a different request; use a new key.")
        if earlier.status_code is None or earlier.response is None:  # only a damaged record gets here
            raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
        return JSONResponse(earlier.response, status_code=earlier.status_code, headers={"Idempotent-Replayed": "true"})
    status, payload = await create()
    await driver.rows(session, _ANSWER, {"claimed": claimed, "status_code": status, "response": payload})
    return JSONResponse(payload, status_code=status)
