"""Two approvers at once, and a double tap: one credit (SQLite and PostgreSQL)."""

from sqlmodel import select

from app.claims import service
from app.db import session_for
from app.errors import InvalidState
from app.ledger.models import AwardRequest, LedgerTransaction, TxnKind
from app.org.access import load_actor
from app.org.models import User
from tests.claims.conftest import balance, wang
from tests.ledger.test_races import in_transaction, run_all


def decide(engine, phone: str, claim_id: int, step: str):
    def body(session):
        actor = load_actor(session, session.exec(select(User).where(User.phone == phone)).one())
        claim = service.visible_claim(session, actor, claim_id)
        if step == "approve":
            return service.approve_claim(session, actor=actor, claim=claim).status
        return service.refuse_claim(session, actor=actor, claim=claim, reason="不属实").status
    return in_transaction(engine, body)


def test_two_approvers_at_once_credit_once(api, demo_engine, claim_id):
    household = wang(demo_engine)
    before = balance(demo_engine, household.id)
    phones = ["13800000005", "13800000001"] * 4  # the committee member and the official, each tapping four times
    results = run_all(len(phones), lambda i: decide(demo_engine, phones[i], claim_id, "approve"))
    assert results == ["approved"] * len(phones), results
    assert balance(demo_engine, household.id) == before + 3
    with session_for(demo_engine, write=False) as s:
        assert len(s.exec(select(LedgerTransaction).where(LedgerTransaction.kind == TxnKind.claim)).all()) == 1
        assert len(s.exec(select(AwardRequest).where(AwardRequest.source_kind == TxnKind.claim)).all()) == 1


def test_approve_and_refuse_at_once_one_wins(api, demo_engine, claim_id):
    household = wang(demo_engine)
    before = balance(demo_engine, household.id)
    steps = ["approve", "refuse"] * 3
    results = run_all(len(steps), lambda i: decide(demo_engine, "13800000005" if i % 2 else "13800000001",
                                                   claim_id, steps[i]))
    won = {r for r in results if isinstance(r, str)}
    assert len(won) == 1, results
    assert all(isinstance(r, InvalidState) for r in results if not isinstance(r, str)), results
    assert balance(demo_engine, household.id) == before + (3 if won == {"approved"} else 0)
