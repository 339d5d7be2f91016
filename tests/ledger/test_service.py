"""The ledger's invariants (shared/reliability.md I1–I9), straight on the service layer, on both databases."""

import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import select

from app.db import session_for
from app.errors import InsufficientPoints
from app.ledger.accounts import fund_account, household_account
from app.ledger.check import check_ledger
from app.ledger.models import Account, AccountKind, LedgerEntry, LedgerTransaction
from app.ledger.postings import Leg, post_transaction
from app.org.models import Household, OrgUnit


@pytest.fixture
def books(demo_engine):
    with session_for(demo_engine, write=True) as s:
        yield s


def wang(session) -> Household:
    return session.exec(select(Household).where(Household.head_name == "王建国")).one()


def accounts(session):
    h = wang(session)
    village = session.get(OrgUnit, h.village_id)
    return fund_account(session, org=village), household_account(session, household_id=h.id)


class TestPostTransaction:
    def test_entries_sum_to_zero_and_balances_follow(self, books):  # I1
        fund, account = accounts(books)
        before = account.balance
        txn, balances = post_transaction(books, kind="award", reason="r", actor_id=None,
                                         legs=[Leg(fund, -25), Leg(account, 25)])
        books.commit()
        entries = books.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == txn.id)).all()
        assert sum(e.amount for e in entries) == 0 and len(entries) == 2
        assert balances[account.id] == before + 25
        assert check_ledger(books) == []

    def test_unbalanced_legs_are_refused(self, books):  # I1
        fund, account = accounts(books)
        with pytest.raises(ValueError):
            post_transaction(books, kind="award", reason="r", actor_id=None, legs=[Leg(fund, -25), Leg(account, 24)])

    def test_same_account_on_both_sides_is_refused(self, books):  # I8
        _, account = accounts(books)
        with pytest.raises(ValueError):
            post_transaction(books, kind="award", reason="r", actor_id=None,
                             legs=[Leg(account, -5), Leg(account, 5)])

    def test_two_villages_books_never_mix(self, books):  # I8
        _, account = accounts(books)
        neighbour = books.exec(select(Household).where(Household.head_name == "陈志强")).one()
        other = household_account(books, household_id=neighbour.id)
        with pytest.raises(ValueError):
            post_transaction(books, kind="award", reason="r", actor_id=None, legs=[Leg(other, -5), Leg(account, 5)])

    def test_household_never_below_zero(self, books):  # I3
        fund, account = accounts(books)
        with pytest.raises(InsufficientPoints):
            post_transaction(books, kind="award", reason="r", actor_id=None,
                             legs=[Leg(account, -(account.balance + 1)), Leg(fund, account.balance + 1)])
        books.rollback()
        assert household_account(books, household_id=account.household_id).balance == account.balance

    def test_database_check_refuses_a_negative_balance(self, books):  # I3, the last line of defence
        _, account = accounts(books)
        with pytest.raises(IntegrityError):
            books.execute(text("UPDATE accounts SET balance = -1 WHERE id = :id"), {"id": account.id})
            books.flush()


class TestAppendOnly:  # I5
    @pytest.mark.parametrize("statement", [
        "UPDATE ledger_entries SET amount = amount + 1",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET reason = 'edited'",
        "DELETE FROM ledger_transactions",
        "UPDATE audit_log SET reason = 'edited'",
        "DELETE FROM audit_log",
    ])
    def test_history_cannot_be_edited_or_deleted(self, books, statement):
        fund, account = accounts(books)
        post_transaction(books, kind="award", reason="r", actor_id=None, legs=[Leg(fund, -1), Leg(account, 1)])
        from app.audit.service import record_action

        record_action(books, actor_id=None, action="points.allocate", village_id=None, target_type="account",
                      target_id=None)
        books.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            books.execute(text(statement))
        books.rollback()


class TestCheckLedger:  # I2, I9
    def test_demo_books_balance(self, books):
        assert check_ledger(books) == []

    def test_names_a_cached_balance_that_drifted(self, books):
        _, account = accounts(books)
        books.execute(text("UPDATE accounts SET balance = balance + 7 WHERE id = :id"), {"id": account.id})
        books.commit()
        problems = check_ledger(books)
        assert any(account.key in p and "cached balance" in p for p in problems)
        assert any("conservation" in p for p in problems)

    def test_command_exits_non_zero_naming_the_problem(self, books, demo_engine):
        url = demo_engine.url.render_as_string(hide_password=False)
        ok = subprocess.run([sys.executable, "-m", "app", "check-ledger"], env=_env(url), capture_output=True,
                            text=True)
        assert ok.returncode == 0, ok.stderr
        _, account = accounts(books)
        books.execute(text("UPDATE accounts SET balance = balance + 3 WHERE id = :id"), {"id": account.id})
        books.commit()
        bad = subprocess.run([sys.executable, "-m", "app", "check-ledger"], env=_env(url), capture_output=True,
                             text=True)
        assert bad.returncode == 1
        assert account.key in bad.stderr


def _env(url: str) -> dict[str, str]:
    import os

    return {**os.environ, "DATABASE_URL": url}


def test_reversal_names_what_it_reverses(api, session):  # I5
    hid = api.get("/me", "villager").json()["household_id"]
    award = api.post("/points/awards", "official", json={"household_id": hid, "points": 5, "reason": "x"}).json()
    api.post(f"/points/awards/{award['id']}/reversal", "official", json={"reason": "误"})
    session.rollback()
    reversal = session.exec(select(LedgerTransaction).where(LedgerTransaction.reverses_id == award["id"])).one()
    assert reversal.kind == "reversal" and reversal.reason == "误"
    original_entries = session.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == award["id"])).all()
    assert len(original_entries) == 2  # the award's own entries are untouched


def test_issuing_accounts_may_go_negative_only(session):
    kinds = {a.kind: a.allow_negative for a in session.exec(select(Account))}
    assert kinds[AccountKind.budget]  # the county's 三级配套 (donations issue the same way, app/ledger/funds.py)
    assert not any(kinds[k] for k in (AccountKind.household, AccountKind.village_fund, AccountKind.county_fund))
