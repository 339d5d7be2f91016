"""The ledger's door for other domains: credit_household with a source and an idempotency scope, on both databases
(I1, I3, I6, I9), and the reversal policy."""

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.db import session_for
from app.errors import IdempotencyConflict, ValidationFailed
from app.ledger.accounts import household_account, village_fund
from app.ledger.check import check_ledger
from app.ledger.models import CREDIT_KINDS, AwardRequest, LedgerTransaction, TxnKind
from app.ledger.service import REVERSIBLE_BY, Once, Source, credit_household
from app.org.models import Household, User
from tests.conftest import error_code
from tests.ledger.test_races import THREADS, in_transaction, run_all


def zhao(session) -> Household:
    return session.exec(select(Household).where(Household.head_name == "赵德明")).one()


def credit(session, *, points=10, once=None, source=Source(TxnKind.evaluation, 7), reason="文明户评比"):
    return credit_household(session, household=zhao(session), points=points, reason=reason, category="hygiene",
                            source=source, actor_id=None, once=once)


class TestCreditHousehold:
    def test_pays_from_the_village_fund_and_records_the_source(self, demo_engine):
        with session_for(demo_engine, write=True) as s:
            household = zhao(s)
            fund_before = village_fund(s, village_id=household.village_id).balance
            result = credit(s, points=25)
            s.commit()
            txn = s.get(LedgerTransaction, result.id)
            assert (txn.kind, txn.source_id, txn.category, txn.reason) == ("evaluation", 7, "hygiene", "文明户评比")
            assert household_account(s, household_id=household.id).balance == result.balance_after == 80 + 25
            assert village_fund(s, village_id=household.village_id).balance == fund_before - 25
            assert check_ledger(s) == []

    def test_a_credit_proposed_by_the_households_own_member_waits_within_the_limits(self, demo_engine):
        """A credit decided by a member of the household itself (回避) waits for a second person."""
        with session_for(demo_engine, write=True) as s:
            official = s.exec(select(User).where(User.phone == "13800000001")).one()
            official.household_id = zhao(s).id
            s.add(official)
            s.flush()
            result = credit_household(s, household=zhao(s), points=5, reason="文明户评比", category="hygiene",
                                      source=Source(TxnKind.evaluation, 9), actor_id=official.id, once=None)
            s.commit()
            request = s.get(AwardRequest, result.request_id)
            assert (result.status, request.status, request.transaction_id) == ("pending", "pending", None)
            assert household_account(s, household_id=zhao(s).id).balance == 80
            assert s.exec(select(func.count()).where(LedgerTransaction.source_id == 9)).one() == 0

    def test_once_per_scope_and_key_however_often(self, demo_engine):
        once = Once(scope="evaluation:7", key="household:3")
        with session_for(demo_engine, write=True) as s:
            first = credit(s, once=once)
            again = credit(s, once=once)
            s.commit()
            assert again == first
            assert s.exec(select(func.count()).where(LedgerTransaction.source_id == 7)).one() == 1

    def test_once_when_called_concurrently(self, demo_engine):
        once = Once(scope="evaluation:8", key="household:3")
        results = run_all(THREADS, lambda i: in_transaction(
            demo_engine, lambda s: credit(s, once=once, source=Source(TxnKind.evaluation, 8))))
        assert all(not isinstance(r, Exception) for r in results), results
        assert len({r.id for r in results}) == 1
        with session_for(demo_engine, write=False) as s:
            assert s.exec(select(func.count()).where(LedgerTransaction.source_id == 8)).one() == 1
            assert household_account(s, household_id=zhao(s).id).balance == 80 + 10
            assert check_ledger(s) == []

    def test_the_same_key_for_another_credit_is_refused(self, demo_engine):
        once = Once(scope="service:4", key="order:4")
        with session_for(demo_engine, write=True) as s:
            credit(s, once=once, source=Source(TxnKind.service, 4))
            with pytest.raises(IdempotencyConflict):
                credit(s, once=once, points=11, source=Source(TxnKind.service, 4))

    @pytest.mark.sqlite_only  # a rule of who may or of what is typed: the same on either engine
    @pytest.mark.parametrize("reason", ["", "   ", "\u200b", "\x00", "\u202e\u200b"])
    def test_a_reason_needs_a_visible_character(self, demo_engine, reason):
        with session_for(demo_engine, write=True) as s, pytest.raises(ValidationFailed):
            credit(s, reason=reason)

    def test_only_credits_go_through_the_door(self, demo_engine):
        with session_for(demo_engine, write=True) as s, pytest.raises(ValueError):
            credit(s, source=Source(TxnKind.redemption))


class TestReversalPolicy:
    def test_every_kind_is_decided(self):
        """A new kind of transaction must be placed in the policy (or left out on purpose, here)."""
        never = {TxnKind.allocation, TxnKind.budget, TxnKind.donation, TxnKind.reversal, TxnKind.hold,
                 TxnKind.hold_release}
        assert set(REVERSIBLE_BY) | never == set(TxnKind) and not set(REVERSIBLE_BY) & never
        assert set(CREDIT_KINDS) <= set(REVERSIBLE_BY)

    def test_an_official_reverses_an_evaluation_credit(self, api, demo_engine):
        with session_for(demo_engine, write=True) as s:
            txn_id = credit(s).id
            s.commit()
        r = api.post(f"/points/awards/{txn_id}/reversal", "official", json={"reason": "评比结果有误"})
        assert r.status_code == 201 and r.json()["points"] == -10

    def test_a_budget_allocation_cannot_be_reversed(self, api, demo_engine):
        with session_for(demo_engine, write=False) as s:
            allocation = s.exec(select(LedgerTransaction.id).where(LedgerTransaction.kind == "allocation")).first()
        r = api.post(f"/points/awards/{allocation}/reversal", "official", json={"reason": "x"})
        assert r.status_code in (404, 409)

    def test_a_redemption_is_reversed_only_at_the_shop(self, api):
        from tests.shop.conftest import pay_code, redeem

        shop_id = api.get("/shops", "attendant").json()["items"][0]["id"]
        goods = api.get(f"/shops/{shop_id}/goods", "villager").json()["items"][0]
        receipt = redeem(api, shop_id, pay_code(api), [(goods["id"], 1)]).json()
        r = api.post(f"/points/awards/{_txn_of(api, receipt)}/reversal", "official", json={"reason": "x"})
        assert r.status_code == 409 and error_code(r) == "invalid_state" and "兑换记录" in r.json()["error"]["message"]


def _txn_of(api, receipt) -> int:
    hid = receipt["household_id"]
    items = api.get(f"/households/{hid}/ledger", "official").json()["items"]
    return next(i["transaction_id"] for i in items if i["kind"] == "redemption")
