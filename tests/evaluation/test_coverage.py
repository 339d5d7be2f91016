"""The red/black coverage (the plan's 60 % in 12 months), counted by the database (issue #20): which lines count —
a final round's, within the 12 months up to the month asked, on a list and not taken off it by a correction — and
each household once however many lines put it there. On SQLite and PostgreSQL (the count is SQL)."""

from sqlmodel import Session, select

from app.db import session_for
from app.evaluation import boards
from app.evaluation.models import Criterion, EvaluationRound, ListKind, ResultLine, RoundStatus
from app.org.models import Household, OrgKind, OrgUnit

MONTH = "2031-06"  # far from the demo's own rounds


def _round(session: Session, village_id: int, month: str, status: str) -> EvaluationRound:
    row = EvaluationRound(village_id=village_id, month=month, status=status)
    session.add(row)
    session.flush()
    return row


def _line(session: Session, evaluation: EvaluationRound, household: Household, criterion: Criterion,
          kind: str | None, *, taken_off: bool = False) -> None:
    session.add(ResultLine(round_id=evaluation.id, village_id=evaluation.village_id, household_id=household.id,
                           criterion_id=criterion.id, points=5, list_kind=kind, reason="测试",
                           corrected_list=not taken_off))


def test_only_final_rounds_of_the_twelve_months_count_each_listed_household_once(demo_engine):
    with session_for(demo_engine, write=True) as s:
        village = s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.village)).first()
        homes = list(s.exec(select(Household).where(Household.village_id == village.id).order_by(Household.id)))
        first, second, third = homes[:3]
        red, black = (s.exec(select(Criterion).where(Criterion.village_id == village.id)).all() * 2)[:2]
        now = _round(s, village.id, MONTH, RoundStatus.final)
        _line(s, now, first, red, ListKind.red)
        _line(s, now, first, black, ListKind.black)  # the same household twice: counted once
        _line(s, now, second, red, ListKind.black, taken_off=True)  # a correction took it off its list
        _line(s, now, third, red, None)  # scored, on no list
        _line(s, _round(s, village.id, "2030-07", RoundStatus.final), second, red, ListKind.red)  # 11 months back
        _line(s, _round(s, village.id, "2030-06", RoundStatus.final), third, red, ListKind.red)  # 12: outside
        _line(s, _round(s, village.id, "2031-05", RoundStatus.notice), third, red, ListKind.black)  # in 公示: not final
        s.commit()
        (row,) = boards.village_coverage(s, village_ids=[village.id], month=MONTH)
        assert (row.listed, row.households) == (2, len(homes))  # the first (now) and the second (2030-07)
        assert row.percent == round(100 * 2 / len(homes))
        (later,) = boards.village_coverage(s, village_ids=[village.id], month="2031-07")
        assert later.listed == 1  # 2030-07 has left the window: the first alone
        (earlier,) = boards.village_coverage(s, village_ids=[village.id], month="2030-06")
        assert earlier.listed == 1  # the third's red of 2030-06 alone


def test_a_village_without_rounds_or_households_is_zero_and_a_county_sums_its_villages(demo_engine):
    with session_for(demo_engine, write=True) as s:
        villages = list(s.exec(select(OrgUnit).where(OrgUnit.kind == OrgKind.village).order_by(OrgUnit.id)))
        town = s.get(OrgUnit, villages[0].parent_id)
        empty = OrgUnit(kind=OrgKind.village, name="空村", parent_id=town.id)
        s.add(empty)
        s.commit()
        rows = boards.village_coverage(s, village_ids=[v.id for v in villages] + [empty.id], month=MONTH)
        assert [(r.org_id, r.listed, r.households, r.percent, r.met) for r in rows if r.org_id == empty.id] == [
            (empty.id, 0, 0, 0, False)]
        rolled = {r.org_id: r for r in boards.rolled_up(s, rows)}
        assert rolled[town.id].households == sum(r.households for r in rows
                                                  if s.get(OrgUnit, r.org_id).parent_id == town.id)
