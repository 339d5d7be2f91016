"""UTC in the database, Asia/Shanghai on screens."""

from datetime import UTC, datetime, timedelta
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


# --- months: a village's calendar month, in the villages' zone (Settings.timezone, Asia/Shanghai by default) ------

TIMEZONE = "Asia/Shanghai"


def this_month(tz: str = TIMEZONE) -> str:
    """The month it is now where the villages are, as "2026-12"."""
    return datetime.now(ZoneInfo(tz)).strftime("%Y-%m")


def shift_month(month: str, by: int) -> str:
    """"2026-12" moved by `by` months ("2026-12", 1 → "2027-01")."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bounds(month: str, tz: str = TIMEZONE) -> tuple[datetime, datetime]:
    """A month ("2026-12", already checked) as its start and the next month's start, aware, in the villages' zone."""
    zone, nxt = ZoneInfo(tz), shift_month(month, 1)
    return (datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=zone),
            datetime(int(nxt[:4]), int(nxt[5:7]), 1, tzinfo=zone))


def month_start(now: datetime | None = None, tz: str = TIMEZONE) -> datetime:
    """The start of the calendar month `now` (default: now) falls in, where the villages are."""
    return month_bounds(local(now or utcnow(), tz).strftime("%Y-%m"), tz)[0]


def day_bounds(now: datetime, tz: str = TIMEZONE) -> tuple[datetime, datetime]:
    """The start of the day `now` falls in where the villages are, and the next day's start, aware."""
    day = local(now, tz).date()
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
