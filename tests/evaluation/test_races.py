"""Finalising a round from many threads at once, on SQLite and PostgreSQL: each household is credited once."""

from sqlmodel import select

from app.db import session_for, write_session
from app.errors import DomainError
from app.evaluation import service
from app.evaluation.boards import shift_month, this_month
from app.evaluation.models import Criterion, EvaluationRound, RoundStatus
from app.ledger.accounts import household_account
from app.ledger.check import check_ledger
from app.ledger.models import LedgerTransaction, TxnKind
from app.ledger.policy import set_bounds
from app.org.access import load_actor
from app.org.models import Household, User
from tests.ledger.test_races import run_all

THREADS = 10


def published_round(engine) -> tuple[int, dict[str, int], dict[str, int]]:
    """A round three months back, scored and published with no notice days (due to be finalised): its id, the
    households by head's name and their balances before."""
    month = shift_month(this_month("Asia/Shanghai"), -3)
    with session_for(engine, write=True) as s:
        official = load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())
        member = load_actor(s, s.exec(select(User).where(User.phone == "13800000005")).one())
        town = load_actor(s, s.exec(select(User).where(User.phone == "13800000006")).one())
        homes = {h.head_name: h for h in s.exec(select(Household))}
        items = {c.name: c for c in s.exec(select(Criterion))}
        village_id = homes["王建国"].village_id
        set_bounds(s, actor=town, village_id=village_id, min_notice_days=0)  # finalised at once
        evaluation = service.open_round(s, actor=town, village_id=village_id, month=month,
                                        latest=this_month("Asia/Shanghai"), idempotency_key=None)
        for head, item, points in [("王建国", "赡养老人尽心", 10), ("李秀英", "参加志愿服务", 5),
                                   ("赵德明", "卫生不整洁", 0)]:
            service.save_score(s, actor=member, evaluation=evaluation, household_id=homes[head].id,
                               criterion_id=items[item].id, points=points, reason="好")
        service.publish_round(s, actor=official, evaluation=evaluation, notice_days=0)
        before = {h: household_account(s, household_id=homes[h].id).balance for h in homes}
        s.commit()
        return evaluation.id, {h: homes[h].id for h in homes}, before


def credited_once(engine, round_id: int, homes: dict[str, int], before: dict[str, int]) -> None:
    with session_for(engine, write=False) as s:
        txns = s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.evaluation,
                                                      LedgerTransaction.source_id == round_id)).all()
        assert len(txns) == 2  # 王建国 and 李秀英; 赵德明's black-list line carries no points
        after = {h: household_account(s, household_id=homes[h]).balance for h in homes}
        assert after["王建国"] - before["王建国"] == 10 and after["李秀英"] - before["李秀英"] == 5
        assert after["赵德明"] == before["赵德明"]
        assert check_ledger(s) == []


def test_finalize_from_ten_threads_credits_once(demo_engine):
    round_id, homes, before = published_round(demo_engine)

    def work(_):
        with write_session(demo_engine) as session:
            actor = load_actor(session, session.exec(select(User).where(User.phone == "13800000001")).one())
            got = service.finalize_round(session, actor=actor, evaluation=session.get(EvaluationRound, round_id))
            session.commit()
            return got.status

    results = run_all(THREADS, work)
    assert all(r == RoundStatus.final for r in results), [r for r in results if isinstance(r, DomainError | Exception)]
    credited_once(demo_engine, round_id, homes, before)
