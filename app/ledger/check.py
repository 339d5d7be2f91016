"""Verifying the books (I1, I2, I3, I9): what `python -m app check-ledger` runs."""

from sqlalchemy import func
from sqlmodel import Session, select

from app.ledger.models import Account, AccountKind, LedgerEntry, LedgerTransaction


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
    problems += _holds_match_open_requests(session)
    return problems


def _holds_match_open_requests(session: Session) -> list[str]:
    """Each household's hold account holds exactly the totals of its open shop requests (扫码兑换): a request closed
    without giving its points back, or points held for no request, shows here."""
    from app.ledger.accounts import held_for
    from app.shop.requests.models import RequestStatus, ShopRequest

    open_totals = dict(session.exec(select(ShopRequest.household_id, func.sum(ShopRequest.total_points))
                                    .where(ShopRequest.status == RequestStatus.pending)
                                    .group_by(ShopRequest.household_id)).all())
    problems = []
    for account in session.exec(select(Account).where(Account.kind == AccountKind.hold)):
        expected = int(open_totals.pop(held_for(account), 0) or 0)
        if account.balance != expected:
            problems.append(f"account {account.key}: holds {account.balance} but its open shop requests total "
                            f"{expected}")
    problems += [f"household {hid}: open shop requests total {total} but nothing is held"
                 for hid, total in open_totals.items() if total]
    return problems
