"""UTC in the database, Asia/Shanghai on screens."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Column, DateTime
from sqlalchemy.types import TypeDecorator

from app.errors import ValidationFailed


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


# --- months typed by people (a URL's ?month=, a period's from and to): checked once, here -------------------------

MONTH_RE = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the programme's months; outside them is a typo (and years 0 and 9999 overflow)
LONGEST_PERIOD = 120  # months: a period of more than ten years is a typo too


def checked_month(month: str | None, *, field: str = "month") -> str:
    """A typed month ("2026-11") as it is, or ValidationFailed in plain Chinese naming `field`."""
    match = MONTH_RE.match(month or "")
    if not match:
        raise ValidationFailed("月份格式应为 YYYY-MM，例如 2026-11", field=field)
    if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValidationFailed(f"月份应在 {FIRST_YEAR} 年到 {LAST_YEAR} 年之间", field=field)
    return month


def checked_month_bounds(month: str, *, tz: str = TIMEZONE) -> tuple[datetime, datetime]:
    """A typed month's start and the next month's start, aware, in the villages' zone (a village's month, not UTC's)."""
    return month_bounds(checked_month(month), tz)


@dataclass(frozen=True)
class Period:
    """Whole months from `first` to `last` (both "YYYY-MM", inclusive), and the instants they span in the villages'
    zone: `start` is the first month's start, `end` the start of the month after `last` (exclusive)."""

    first: str
    last: str
    start: datetime
    end: datetime

    @property
    def months(self) -> list[str]:
        count = (int(self.last[:4]) - int(self.first[:4])) * 12 + int(self.last[5:7]) - int(self.first[5:7]) + 1
        return [shift_month(self.first, i) for i in range(count)]

    @property
    def label(self) -> str:
        """"2026年11月" or "2026年1月—2026年12月", for pages and sheets."""
        def one(month: str) -> str:
            return f"{int(month[:4])}年{int(month[5:7])}月"
        return one(self.first) if self.first == self.last else f"{one(self.first)}—{one(self.last)}"


def parse_period(first: str | None, last: str | None, *, tz: str = TIMEZONE) -> Period:
    """A period from a request's `from` and `to` (YYYY-MM each, both optional): neither → this month; one → that one
    month; a reversed or over-long period is ValidationFailed (fields "from" and "to")."""
    if not first and not last:
        first = last = this_month(tz)
    first = checked_month(first or last, field="from")
    last = checked_month(last or first, field="to")
    if last < first:
        raise ValidationFailed("结束月份不能早于开始月份", field="to")
    period = Period(first, last, month_bounds(first, tz)[0], month_bounds(last, tz)[1])
    if len(period.months) > LONGEST_PERIOD:
        raise ValidationFailed(f"时间段不能超过 {LONGEST_PERIOD // 12} 年", field="to")
    return period
