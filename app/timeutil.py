"""UTC in the database, Asia/Shanghai on screens."""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, tz: str = "Asia/Shanghai") -> datetime:
    return as_utc(value).astimezone(ZoneInfo(tz))


class UTCDateTime(TypeDecorator):
    """A timezone-aware column that hands back aware UTC datetimes on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return as_utc(value) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return as_utc(value) if value is not None else None


def ts_column(nullable: bool = False, **column: Any) -> Column:
    """A timestamp column of a table (`sa_column=ts_column()`): aware UTC on both engines; `column` passes on
    further Column options (`index=True`)."""
    return Column(UTCDateTime(), nullable=nullable, **column)
