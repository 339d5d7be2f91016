"""The one writer of the books: balanced transactions of legs (I1, I3, I5, I8). Only app.ledger calls it; other
domains move points through the doors in app.ledger.service."""

from dataclasses import dataclass

from sqlalchemy import Select, bindparam, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from app.errors import InsufficientPoints, InvalidState
from app.ledger import chain
from app.ledger.models import FUND_TXN_KINDS, Account, AccountKind, LedgerEntry, LedgerTransaction, TxnKind
from app.ledger.monthly import count_posting

_ACCOUNTS, _ENTRIES = Account.__table__, LedgerEntry.__table__
# Built once (the hot path of every posting): the conditional update of one balance (I3, I11) and the entries'
# insert, on the tables themselves — no statement to build, no cache key to compute, no ORM unit of work per call.
# They run on the session's connection (`session.connection().execute`): a statement on a table has nothing for the
# ORM to do, and the session's own `execute` costs a redemption ~7 % more CPU to find that out (docs/performance.md).
_MOVE_BALANCE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .where(or_(_ACCOUNTS.c.allow_negative, _ACCOUNTS.c.balance + bindparam("amount") >= 0))
    .values(balance=_ACCOUNTS.c.balance + bindparam("amount"))
    .returning(_ACCOUNTS.c.balance)
)
_INSERT_ENTRIES = insert(_ENTRIES)
_INSERT_TXN = insert(LedgerTransaction.__table__).returning(LedgerTransaction.__table__.c.id)
_TXN_COLUMNS = [c.name for c in LedgerTransaction.__table__.columns if c.name != "id"]


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


def _check_books(legs: list[Leg], kind: str) -> None:
    """I1 and I8: legs sum to zero, touch distinct accounts, and stay in one village's books."""
    if sum(leg.amount for leg in legs) != 0 or any(leg.amount == 0 for leg in legs):
        raise ValueError("a transaction's legs must be non-zero and sum to zero")
    if len({leg.account.id for leg in legs}) != len(legs):
        raise ValueError("a transaction must not debit and credit the same account")
    villages = {leg.account.village_id for leg in legs}
    if None in villages and kind not in FUND_TXN_KINDS and not _is_reversal_of_allocation(legs):
        raise ValueError("only funds' records (budgets, allocations, donations) touch a level's books")
    if len(villages - {None}) > 1:
        raise ValueError("a transaction must stay within one village's books")


def _is_reversal_of_allocation(legs: list[Leg]) -> bool:
    return all(leg.account.kind != AccountKind.household for leg in legs)


def post_transaction(
    session: Session, *, kind: str, legs: list[Leg], reason: str, actor_id: int | None,
    category: str | None = None, reverses_id: int | None = None, source_id: int | None = None,
) -> tuple[LedgerTransaction, dict[int, int]]:
    """Write one balanced transaction: every leg or none. Returns it with each account's balance after."""
    _check_books(legs, kind)
    village_id = next((leg.account.village_id for leg in legs if leg.account.village_id), None)
    txn = LedgerTransaction(kind=kind, village_id=village_id, reason=reason, category=category,
                            actor_id=actor_id, reverses_id=reverses_id, source_id=source_id)
    try:  # one INSERT … RETURNING id, without a unit of work
        txn.id = session.connection().execute(_INSERT_TXN, {c: getattr(txn, c) for c in _TXN_COLUMNS}
                                              ).scalar_one()
    except IntegrityError as exc:  # another reversal of the same transaction committed first (unique reverses_id)
        if reverses_id is None:
            raise
        raise InvalidState("该笔积分已撤销") from exc
    balances: dict[int, int] = {}
    # Lock order (no deadlocks): household accounts first, then funds and shops, each by id. Shared rows
    # (a village fund, a shop) come last so that they are held for the shortest time.
    ordered = sorted(legs, key=lambda leg: (leg.account.kind != AccountKind.household, leg.account.id))
    for leg in ordered:
        balances[leg.account.id] = _apply(session, leg)
    # The entries together, after the last update: one statement (nobody reads their ids here).
    session.connection().execute(_INSERT_ENTRIES, [
        {"transaction_id": txn.id, "account_id": leg.account.id, "amount": leg.amount,
         "balance_after": balances[leg.account.id], "created_at": txn.created_at} for leg in ordered])
    count_posting(session, txn, ordered)  # the village's month in the ledger's monthly summary (app/ledger/monthly.py)
    chain.note_posted(session, txn.id)  # chained in its village's book as the transaction commits (I12)
    return txn, balances


def _apply(session: Session, leg: Leg) -> int:
    """Conditional update (I3): the balance moves only if it stays non-negative or the account may go below."""
    balance = session.connection().execute(_MOVE_BALANCE, {"account_id": leg.account.id, "amount": leg.amount}
                                           ).scalar_one_or_none()
    if balance is None:
        if leg.account.kind == AccountKind.household:
            raise InsufficientPoints()
        # A fund (or a shop) says which, what it has left and what was asked:
        # "示范村积分资金余额不足：还剩 120 分，需要 300 分".
        left = session.execute(select(Account.balance).where(Account.id == leg.account.id)).scalar_one()
        raise InsufficientPoints(f"{leg.account.name}余额不足：还剩 {left} 分，需要 {-leg.amount} 分")
    if leg.account in session:
        set_committed_value(leg.account, "balance", balance)  # keep the loaded object in step with the row
    return balance


def _returned_to(session: Session, account: Account) -> Account:
    """Where a reversal puts a leg back: the same account, except a hold (a fulfilled shop request paid the shop
    from the household's hold): its points go back to the household itself, the hold having ended."""
    if account.kind != AccountKind.hold:
        return account
    household_id = int(account.key.split(":", 1)[1])
    return session.exec(select(Account).where(Account.household_id == household_id)).one()


def reversed_ids() -> Select:
    """The ids of every transaction that has been reversed (a subquery)."""
    return select(LedgerTransaction.reverses_id).where(LedgerTransaction.reverses_id.is_not(None))


def is_reversed(session: Session, transaction_id: int) -> bool:
    return session.exec(select(LedgerTransaction.id)
                        .where(LedgerTransaction.reverses_id == transaction_id)).first() is not None


def reverse_transaction(session: Session, *, original: LedgerTransaction, reason: str, actor_id: int | None
                        ) -> tuple[LedgerTransaction, list[Leg], dict[int, int]]:
    """Undo a transaction with a new one whose legs are its legs negated; a transaction is reversed at most once."""
    if is_reversed(session, original.id):
        raise InvalidState("该笔积分已撤销")
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == original.id)).all()
    legs = [Leg(_returned_to(session, session.get(Account, e.account_id)), -e.amount) for e in entries]
    txn, balances = post_transaction(session, kind=TxnKind.reversal, reason=reason, category=original.category,
                                     actor_id=actor_id, legs=legs, reverses_id=original.id)
    return txn, legs, balances
