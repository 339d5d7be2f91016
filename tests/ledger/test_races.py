"""Many writers at once on one household, on SQLite and PostgreSQL: the books still balance (I3, I6, I9)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func
from sqlmodel import select

from app.db import session_for, write_session
from app.errors import DomainError, InsufficientPoints, InvalidState
from app.ledger.accounts import fund_account, household_account
from app.ledger.approvals import propose_award
from app.ledger.check import check_ledger
from app.ledger.models import LedgerEntry, LedgerTransaction
from app.ledger.postings import Leg, post_transaction
from app.ledger.service import reverse_credit
from app.org.access import load_actor
from app.org.models import Household, OrgUnit, User

THREADS = 24


def run_all(n: int, work) -> list:
    """Run work(i) for i in range(n) in n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)

    def go(i):
        barrier.wait()
        try:
            return work(i)
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(go, range(n)))


def in_transaction(engine, fn):
    """What a route does: one write session, the service call, one commit."""
    with write_session(engine) as session:
        result = fn(session)
        session.commit()
        return result


def official_and_household(session):
    official = session.exec(select(User).where(User.phone == "13800000001")).one()
    household = session.exec(select(Household).where(Household.head_name == "赵德明")).one()
    return load_actor(session, official), household


def test_awards_and_reversals_at_once(demo_engine):
    with session_for(demo_engine, write=True) as s:
        actor, household = official_and_household(s)
        start = household_account(s, household_id=household.id).balance
        awards = [propose_award(s, actor=actor, household=household, points=10, reason=f"先发{i}", category=None,
                               idempotency_key=None).id for i in range(10)]
        s.commit()

    def work(i):
        def body(session):
            actor, household = official_and_household(session)
            if i % 2 == 0:  # two threads go for each of awards[0..5]
                return reverse_credit(session, actor=actor, transaction_id=awards[(i // 2) % 6], reason="并发撤销",
                                     idempotency_key=None)
            return propose_award(session, actor=actor, household=household, points=5, reason=f"并发{i}",
                                category=None, idempotency_key=None)
        return in_transaction(demo_engine, body)

    results = run_all(THREADS, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, InvalidState) for e in errors), errors
    assert len(errors) == 6  # each of the six contested awards was reversed once; the second try refused
    with session_for(demo_engine, write=False) as s:
        reversed_ids = Counter(s.exec(select(LedgerTransaction.reverses_id)
                                      .where(LedgerTransaction.reverses_id.is_not(None))).all())
        assert set(reversed_ids) == set(awards[:6]) and set(reversed_ids.values()) == {1}
        account = household_account(s, household_id=household.id)
        entries_sum = s.exec(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.account_id == account.id)).one()
        assert account.balance == entries_sum == start + 10 * 10 - 6 * 10 + 12 * 5
        assert check_ledger(s) == []


def test_spending_never_overdraws(demo_engine):
    with session_for(demo_engine, write=False) as s:
        _, household = official_and_household(s)
        balance = household_account(s, household_id=household.id).balance
    cost = 7
    can_afford = balance // cost
    assert 0 < can_afford < THREADS

    def work(_i):
        def body(session):
            account = household_account(session, household_id=household.id)
            fund = fund_account(session, org=session.get(OrgUnit, household.village_id))
            return post_transaction(session, kind="award", reason="spend", actor_id=None,
                                    legs=[Leg(account, -cost), Leg(fund, cost)])
        return in_transaction(demo_engine, body)

    results = run_all(THREADS, work)
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientPoints)]
    assert len(results) - len(refused) == can_afford
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=household.id).balance == balance - can_afford * cost
        assert check_ledger(s) == []


def test_one_idempotency_key_from_many_threads_applies_once(demo_engine):
    with session_for(demo_engine, write=False) as s:
        _, household = official_and_household(s)
        before = household_account(s, household_id=household.id).balance

    def work(_i):
        def body(session):
            actor, household = official_and_household(session)
            return propose_award(session, actor=actor, household=household, points=9, reason="重复点击",
                                category=None, idempotency_key="same-key")
        return in_transaction(demo_engine, body)

    results = run_all(THREADS, work)
    answers = [r for r in results if not isinstance(r, Exception)]
    failures = [r for r in results if isinstance(r, Exception)]
    # Every thread either got the one result, or (PostgreSQL, key still being written) a conflict to retry.
    assert all(isinstance(f, DomainError) and f.status_code == 409 for f in failures), failures
    assert answers and len({a.id for a in answers}) == 1
    with session_for(demo_engine, write=False) as s:
        assert household_account(s, household_id=household.id).balance == before + 9
        assert check_ledger(s) == []
