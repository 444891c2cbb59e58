"""Keyset pagination: every list answers `{"items": [...], "next_cursor": ...}`."""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, Uuid, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.errors import Unprocessable

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


# Dependencies that do no I/O are coroutines: FastAPI would run a plain function in a thread.
async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page.")] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("wrong shape")
        return [_typed(value, column) for value, column in zip(raw, columns, strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable("The cursor is not one this list gave out.", loc=["query", "cursor"]) from exc


def _typed(value: Any, column: InstrumentedAttribute[Any]) -> Any:
    column_type = column.property.columns[0].type
    if isinstance(column_type, Uuid):
        return uuid.UUID(str(value))
    python_type = column_type.python_type
    if python_type is datetime:
        return datetime.fromisoformat(str(value))
    if not isinstance(value, python_type) or isinstance(value, bool) != (python_type is bool):
        raise ValueError("wrong type")
    return value


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    params: PageParams,
    *,
    keys: Sequence[InstrumentedAttribute[Any]],
    key_of: Callable[[Any], Sequence[Any]],
    descending: bool = False,
    scalars: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by the unique `keys`, and the cursor of the next page."""
    if params.cursor:
        values = decode_cursor(params.cursor, keys)
        left = tuple_(*keys)
        right = tuple_(*(literal(v, type_=k.type) for k, v in zip(keys, values, strict=True)))
        stmt = stmt.where(left < right if descending else left > right)
    order = [k.desc() for k in keys] if descending else list(keys)
    stmt = stmt.order_by(*order).limit(params.limit + 1)
    result = await session.execute(stmt)
    rows = list(result.scalars() if scalars else result.all())
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[: params.limit]
    return rows, encode_cursor(key_of(rows[-1]))


def encode_offset(offset: int) -> str:
    """A cursor for lists ranked in memory (scores), where keyset pagination has no key."""
    return encode_cursor(["offset", offset])


def decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(raw, list) and raw[:1] == ["offset"] and isinstance(raw[1], int) and 0 <= raw[1] <= 100_000):
            raise ValueError("not an offset cursor")
        return int(raw[1])
    except (ValueError, TypeError, IndexError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unprocessable("The cursor is not one this list gave out.", loc=["query", "cursor"]) from exc
