"""`Idempotency-Key`: the first answer to a keyed request is stored and replayed to its retries."""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, Unprocessable
from app.reports.hashing import canonical_json
from app.reports.models import IdempotencyKey

MAX_KEY_LENGTH = 200


def request_hash(path: str, body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json({"path": path, "body": body})).hexdigest()


def _valid_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Unprocessable(
            f"Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters.", loc=["header", "idempotency-key"]
        )
    return key


async def _claim(session: AsyncSession, company_id: uuid.UUID, key: str, digest: str) -> IdempotencyKey | None:
    """Claim the key for this request, or return the record of whoever claimed it first."""
    try:
        # A SAVEPOINT, so that losing the race to a concurrent twin leaves the transaction usable.
        async with session.begin_nested():
            session.add(IdempotencyKey(company_id=company_id, key=key, request_hash=digest))
        return None
    except IntegrityError:
        pass
    stmt = select(IdempotencyKey).where(IdempotencyKey.company_id == company_id, IdempotencyKey.key == key)
    return await session.scalar(stmt.execution_options(populate_existing=True))


async def run_once(
    session: AsyncSession,
    *,
    key: str | None,
    company_id: uuid.UUID,
    path: str,
    body: dict[str, Any],
    create: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """Run `create` unless the key has been used: replay its answer for the same body, 409 for another."""
    if key is None:
        status, payload = await create()
        return JSONResponse(payload, status_code=status)
    key = _valid_key(key)
    digest = request_hash(path, body)
    earlier = await _claim(session, company_id, key, digest)
    if earlier is not None:
        if earlier.request_hash != digest:
            raise Conflict("This Idempotency-Key was used with a different request; use a new key.")
        if earlier.status_code is None or earlier.response is None:
            raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
        return JSONResponse(earlier.response, status_code=earlier.status_code, headers={"Idempotent-Replayed": "true"})
    status, payload = await create()
    record = await session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.company_id == company_id, IdempotencyKey.key == key)
    )
    assert record is not None
    record.status_code, record.response = status, payload
    await session.flush()
    return JSONResponse(payload, status_code=status)
