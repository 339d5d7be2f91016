"""Verifying the books (I1, I2, I3, I9, I12) and the monthly summary kept beside them: `python -m app check-ledger`."""

from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from app.ledger.accounts import held_for
from app.ledger.chain_check import check_chains
from app.ledger.models import Account, AccountKind, LedgerEntry, LedgerTransaction
from app.ledger.monthly import differences
from app.ledger.registry import hold_keepers


def check_ledger(session: Session) -> list[str]:
    """Every problem found in the books, in plain words; an empty list means they balance."""
    problems: list[str] = []
    total = session.exec(select(func.coalesce(func.sum(LedgerEntry.amount), 0))).one()
    if total != 0:
        problems.append(f"conservation broken: all entries sum to {total}, not 0")
    accounts_total = session.exec(select(func.coalesce(func.sum(Account.balance), 0))).one()
    if accounts_total != 0:
        problems.append(f"conservation broken: all account balances sum to {accounts_total}, not 0")
    unbalanced = session.exec(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount))
        .group_by(LedgerEntry.transaction_id)
        .having(func.sum(LedgerEntry.amount) != 0)
    ).all()
    problems += [f"transaction {txn} is unbalanced: its entries sum to {amount}" for txn, amount in unbalanced]
    empty = session.exec(
        select(LedgerTransaction.id).where(~LedgerTransaction.id.in_(select(LedgerEntry.transaction_id)))
    ).all()
    problems += [f"transaction {txn} has no entries" for txn in empty]
    sums = dict(session.exec(select(LedgerEntry.account_id, func.sum(LedgerEntry.amount))
                             .group_by(LedgerEntry.account_id)).all())
    last = dict(session.exec(
        select(LedgerEntry.account_id, LedgerEntry.balance_after).where(
            LedgerEntry.id.in_(select(func.max(LedgerEntry.id)).group_by(LedgerEntry.account_id)))
    ).all())
    for account in session.exec(select(Account).order_by(Account.id).execution_options(populate_existing=True)):
        expected = sums.get(account.id, 0)
        if account.balance != expected:
            problems.append(f"account {account.key}: cached balance {account.balance} "
                            f"but its entries sum to {expected}")
        if account.id in last and last[account.id] != account.balance:
            problems.append(f"account {account.key}: last entry says balance {last[account.id]}, "
                            f"account says {account.balance}")
        if account.balance < 0 and not account.allow_negative:
            problems.append(f"account {account.key}: balance {account.balance} is below zero")
    problems += _holds_match_what_they_hold_for(session)
    problems += differences(session)  # the monthly summary the dashboards read equals the entries
    problems += check_chains(session)  # I12: each village's entries chained, each posted month's root
    return problems


def _holds_match_what_they_hold_for(session: Session) -> list[str]:
    """Each household's hold account holds exactly what the domains that hold say it should (app/ledger/registry.py;
    the shop: the totals of its open 扫码兑换 requests): a hold ended without giving its points back, or points held
    for nothing, shows here. With no domain registered, any points held are a problem."""
    keepers = hold_keepers()
    what = " and ".join(keeper.what for keeper in keepers) or "registered holds"
    expected: dict[int, int] = defaultdict(int)
    for keeper in keepers:
        for household_id, points in keeper.held(session).items():
            expected[household_id] += int(points or 0)
    problems = []
    for account in session.exec(select(Account).where(Account.kind == AccountKind.hold)):
        total = expected.pop(held_for(account), 0)
        if account.balance != total:
            problems.append(f"account {account.key}: holds {account.balance} but its {what} total {total}")
    problems += [f"household {hid}: {what} total {total} but nothing is held"
                 for hid, total in expected.items() if total]
    return problems
