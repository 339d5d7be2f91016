"""评分表 sent many times at once with one form key (a double tap on a slow link), on SQLite and PostgreSQL: the
household's rows are saved once, one photo kept, one audit line per changed row."""

from sqlmodel import func, select

from app.audit.models import AuditEntry
from app.db import session_for, write_session
from app.evaluation import grid
from app.evaluation.boards import this_month
from app.evaluation.models import Criterion, EvaluationRound, EvidencePhoto, Score
from app.images import process_photo
from app.org.access import load_actor
from app.org.models import Household, User
from tests.ledger.test_races import run_all
from tests.shop.pages.conftest import PHOTO

THREADS = 6


def test_one_form_key_from_six_threads_saves_once(demo_engine):
    with session_for(demo_engine, write=False) as s:
        round_id = s.exec(select(EvaluationRound.id).where(EvaluationRound.month == this_month("Asia/Shanghai"))).one()
        zhao = s.exec(select(Household.id).where(Household.head_name == "赵德明")).one()
        items = {c.name: c.id for c in s.exec(select(Criterion))}
        logged = s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.target_id == zhao)).one()
    photo = process_photo(PHOTO.read_bytes())

    def work(_):
        entries = [grid.GridEntry(items["参加志愿服务"], 5, "送菜", photo=photo),
                   grid.GridEntry(items["门前三包落实"], 3, "门前干净")]
        with write_session(demo_engine) as session:
            actor = load_actor(session, session.exec(select(User).where(User.phone == "13800000005")).one())
            saved = grid.save_household_grid(session, actor=actor, evaluation=session.get(EvaluationRound, round_id),
                                             household_id=zhao, entries=entries, idempotency_key="tap-tap")
            session.commit()
            return saved

    results = run_all(THREADS, work)
    assert results == [2] * THREADS, results
    with session_for(demo_engine, write=False) as s:
        mine = s.exec(select(Score).where(Score.round_id == round_id, Score.household_id == zhao)).all()
        assert sorted(x.points for x in mine) == [3, 5]
        assert s.exec(select(func.count()).select_from(EvidencePhoto)).one() == 1
        assert s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.target_id == zhao)).one() \
            == logged + 2
