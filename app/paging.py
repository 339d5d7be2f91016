"""Keyset paging, newest first, with opaque cursors."""

import base64
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlmodel import Session

from app.errors import ValidationFailed
from app.ids import MAX_ID

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(value: int, kind: str = "id") -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: str = "id") -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        number = int(value)
        if prefix != kind or not 0 <= number <= MAX_ID:  # an id (or a position): app/ids.py's range
            raise ValueError(prefix)
        return number
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("翻页参数无效") from exc


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"每页条数应在 1 到 {MAX_LIMIT} 之间")
    return limit


def page_desc(session: Session, stmt: Select, id_column: Any, *, limit: int | None, cursor: str | None) -> Page:
    """Rows of `stmt` ordered by `id_column` descending, one page after `cursor`."""
    size = check_limit(limit)
    after = decode_cursor(cursor)
    if after is not None:
        stmt = stmt.where(id_column < after)
    rows = list(session.execute(stmt.order_by(id_column.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(_row_id(rows[-1])) if more else None
    return Page(items=rows, next_cursor=next_cursor)


def page_list(items: list[T], *, limit: int | None, cursor: str | None) -> Page[T]:
    """A page of a short list already in its final order (low stock, a user's shops)."""
    size = check_limit(limit)
    start = decode_cursor(cursor, "at") or 0
    more = start + size < len(items)
    return Page(items=items[start:start + size], next_cursor=encode_cursor(start + size, "at") if more else None)


def _row_id(row: Any) -> int:
    first = row[0]
    return first if isinstance(first, int) else first.id
