"""The ledger's monthly summary (issue #20, item 3; app/ledger/monthly.py): kept in each posting's transaction, it
equals the entries summed the long way — across a month boundary that UTC does not see (a credit at 23:30 and one at
00:30 Beijing time, both on the same UTC day), with a reversal in the next month counted against what it reversed —
and the dashboards' figures read from it equal the entries'. check-ledger names the first village and month that
differs. On both databases: the upsert and the month in SQL are the engine's own."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import select

import app.timeutil
from app.dashboard.figures import _ledger_flows_long, unit_figures
from app.db import session_for
from app.ledger.check import check_ledger
from app.ledger.models import LedgerMonth, LedgerTransaction, TxnKind
from app.ledger.monthly import differences, long_way
from app.ledger.postings import reverse_transaction
from app.ledger.service import Source, credit_household
from app.org.models import Household, OrgUnit
from app.timeutil import parse_period


def _at(monkeypatch, moment: datetime) -> None:
    """The clock the ledger stamps its transactions with (app.timeutil.utcnow) stands at `moment`."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(app.timeutil, "datetime", Frozen)


def _rows(session, village: int) -> dict[tuple, tuple[int, int]]:
    return {(r.month, r.account_kind, r.source, r.category, r.direction): (r.points, r.entries)
            for r in session.exec(select(LedgerMonth).where(LedgerMonth.village_id == village))}


@pytest.mark.postgres
def test_the_summary_follows_each_posting_across_a_month_boundary(demo_engine, monkeypatch):
    with session_for(demo_engine, write=True) as s:
        village = s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()
        home = s.exec(select(Household).where(Household.village_id == village).order_by(Household.id)).first()
        before = _rows(s, village)
        assert differences(s) == []  # the demo world's history, posted through the same door
        # 2027-01-31 23:30 and 2027-02-01 00:30 in Beijing: 15:30 and 16:30 UTC of the same day.
        _at(monkeypatch, datetime(2027, 1, 31, 15, 30, tzinfo=UTC))
        january = credit_household(s, household=home, points=7, reason="一月", category="filial",
                                   source=Source(TxnKind.award), actor_id=None, once=None)
        _at(monkeypatch, datetime(2027, 1, 31, 16, 30, tzinfo=UTC))
        credit_household(s, household=home, points=5, reason="二月", category="law",
                         source=Source(TxnKind.award), actor_id=None, once=None)
        reverse_transaction(s, original=s.get(LedgerTransaction, january.id), reason="发错了", actor_id=None)
        s.commit()
    monkeypatch.undo()
    with session_for(demo_engine, write=False) as s:
        rows = _rows(s, village)
        assert set(rows) - set(before) == {
            ("2027-01", "household", "award", "filial", "in"), ("2027-01", "village_fund", "award", "filial", "out"),
            ("2027-02", "household", "award", "law", "in"), ("2027-02", "village_fund", "award", "law", "out"),
            # the reversal, in February, under the January credit's door and category
            ("2027-02", "household", "award", "filial", "out"), ("2027-02", "village_fund", "award", "filial", "in")}
        assert rows[("2027-01", "household", "award", "filial", "in")] == (7, 1)
        assert rows[("2027-02", "household", "award", "filial", "out")] == (-7, 1)
        assert rows[("2027-02", "village_fund", "award", "law", "out")] == (-5, 1)
        dialect = s.get_bind().dialect.name
        assert {tuple(r[:6]): (r[6], r[7]) for r in s.execute(long_way(dialect)) if r[0] == village} == {
            (village, *key): value for key, value in rows.items()}
        assert differences(s) == [] and check_ledger(s) == []
        # The dashboards read the summary for whole months: the same as the entries summed the long way.
        unit = s.get(OrgUnit, village)
        for first, last in (("2027-01", "2027-01"), ("2027-02", "2027-02"), ("2027-01", "2027-02")):
            period = parse_period(first, last)
            quick = unit_figures(s, unit=unit, period=period, tz="Asia/Shanghai").counts
            slow = {village: Counter()}
            _ledger_flows_long(s, slow, villages=[village], start=period.start, end=period.end, period=period,
                               tz="Asia/Shanghai")
            flows = ("issued", "category", "month", "redeemed")
            assert {k: v for k, v in quick.items() if k.split(":")[0] in flows and v} == {
                k: v for k, v in slow[village].items() if v}
        both = unit_figures(s, unit=unit, period=parse_period("2027-01", "2027-02"), tz="Asia/Shanghai")
        assert both.by_category == {"law": 5} and both.monthly == [("2027-01", 7), ("2027-02", -2)]


@pytest.mark.sqlite_only
def test_check_ledger_names_the_first_village_and_month_that_differs(demo_engine):
    with session_for(demo_engine, write=True) as s:
        village = s.exec(select(OrgUnit.id).where(OrgUnit.name == "示范村")).one()
        row = s.exec(select(LedgerMonth).where(LedgerMonth.village_id == village).order_by(LedgerMonth.month)).first()
        row.points += 3
        s.add(row)
        s.add(LedgerMonth(village_id=village, month="2030-01", account_kind="household", source="award",
                          category="", direction="in", points=1, entries=1))
        s.commit()
        problems = check_ledger(s)
    assert problems == [f"monthly summary differs from the entries at village {village}, month {row.month} "
                        f"({row.account_kind} {row.source} {row.category or '-'} {row.direction}): summary "
                        f"{row.points} points in {row.entries} entries, entries {row.points - 3} points in "
                        f"{row.entries} (2 rows differ in all)"]
