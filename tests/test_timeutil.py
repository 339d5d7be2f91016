"""The one parser of typed months and periods (a dashboard's, a report's and an export's ?from=&to=)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.errors import ValidationFailed
from app.timeutil import checked_month, parse_period, this_month

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_period_spans_whole_months_in_the_villages_zone():
    period = parse_period("2026-11", "2027-02")
    assert period.months == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert period.start == datetime(2026, 11, 1, tzinfo=SHANGHAI)
    assert period.end == datetime(2027, 3, 1, tzinfo=SHANGHAI)
    assert period.label == "2026年11月—2027年2月"


def test_one_side_or_none_is_one_month():
    assert parse_period("2026-03", None).months == ["2026-03"]
    assert parse_period(None, "2026-03").label == "2026年3月"
    assert parse_period(None, None).months == [this_month()]


@pytest.mark.parametrize(("first", "last", "field"), [
    ("2026-13", None, "from"), ("2026-1", None, "from"), ("１２３４-05", None, "from"), ("2026-05\u202e", None, "from"),
    ("1999-12", None, "from"), ("2026-01", "2101-01", "to"), ("9999-12", None, "from"),
    ("2026-05", "2026-04", "to"), ("2001-01", "2026-01", "to"),
])
def test_a_bad_period_says_which_field(first, last, field):
    with pytest.raises(ValidationFailed) as caught:
        parse_period(first, last)
    assert caught.value.field == field


def test_checked_month_keeps_a_good_month():
    assert checked_month("2026-12") == "2026-12"
