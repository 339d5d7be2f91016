"""Officials at once, on SQLite and PostgreSQL: one of them records a decision's next step, one revision makes
the next version, a household is marked informed once; the others are told, never a server error."""

from datetime import date

from sqlmodel import select

from app.db import session_for
from app.disclosure import decisions as dec
from app.disclosure import service
from app.disclosure.models import Decision, Disclosure, DisclosureRead, DisclosureVersion
from app.errors import InvalidState
from app.org.access import load_actor
from app.org.models import Household, User
from tests.ledger.test_races import in_transaction, run_all

N = 8


def official(s):
    return load_actor(s, s.exec(select(User).where(User.phone == "13800000001")).one())


def test_one_official_records_the_next_step(demo_engine):
    with session_for(demo_engine, write=False) as s:
        decision_id = s.exec(select(Decision.id).where(Decision.title == "三组至五组村道硬化工程")).one()

    def record(i):
        return in_transaction(demo_engine, lambda s: dec.record_step(
            s, actor=official(s), decision=s.get(Decision, decision_id), step="publish", held_on=date.today(),
            attendance=5 + i).id)

    results = run_all(N, record)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert all(isinstance(r, (int, InvalidState)) for r in results), results
    with session_for(demo_engine, write=False) as s:
        assert s.get(Decision, decision_id).steps_done == 5


def test_one_revision_wins_each_version(demo_engine):
    with session_for(demo_engine, write=False) as s:
        disclosure_id = s.exec(select(Disclosure.id).where(Disclosure.category == "party")).first()  # not the 村规民约

    def revise(i):
        return in_transaction(demo_engine, lambda s: service.revise(
            s, actor=official(s), disclosure=s.get(Disclosure, disclosure_id), title=f"版本 {i}", body=f"正文 {i}",
            reason="并发修订").version)

    results = run_all(N, revise)
    assert all(isinstance(r, (int, InvalidState)) for r in results), results
    with session_for(demo_engine, write=False) as s:
        versions = s.exec(select(DisclosureVersion.version).where(DisclosureVersion.disclosure_id == disclosure_id)
                          ).all()
        assert sorted(versions) == list(range(1, len(versions) + 1))
        assert s.get(Disclosure, disclosure_id).version == max(versions)


def test_informed_once(demo_engine):
    with session_for(demo_engine, write=False) as s:
        disclosure_id = s.exec(select(Disclosure.id).order_by(Disclosure.id.desc())).first()
        household_id = s.exec(select(Household.id).where(Household.head_name == "赵德明")).one()

    results = run_all(N, lambda i: in_transaction(demo_engine, lambda s: service.mark_informed(
        s, actor=official(s), disclosure=s.get(Disclosure, disclosure_id), household_id=household_id).id))
    assert all(isinstance(r, int) for r in results), results
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(DisclosureRead).where(DisclosureRead.disclosure_id == disclosure_id,
                                                       DisclosureRead.household_id == household_id)).all()) == 1
