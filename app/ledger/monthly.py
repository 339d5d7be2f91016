"""The ledger's monthly summary (issue #20, item 3): `ledger_months`, one row per village × month × account kind ×
source × category × direction with the points and the number of entries, kept in the same transaction as each
posting (`count_posting`, called once by `app.ledger.postings.post_transaction`), so that a year of a county's
flows is read from a few thousand rows instead of millions of entries (app/dashboard/figures.py).

`long_way` sums the same rows from the entries (what migration 0034 backfilled and what `check-ledger` compares the
table with: `differences`). Months are the villages' calendar months in `TIMEZONE` (Asia/Shanghai: UTC+8 all year
since 1991, which is how the SQL below turns a UTC timestamp into its month on SQLite)."""

from collections import defaultdict
from functools import cache

from sqlalchemy import Select, case, func, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.ledger.models import Account, LedgerEntry, LedgerMonth, LedgerTransaction
from app.timeutil import TIMEZONE, local

KEY = ("village_id", "month", "account_kind", "source", "category", "direction")


def month_of(txn: LedgerTransaction) -> str:
    return local(txn.created_at, TIMEZONE).strftime("%Y-%m")


def count_posting(session: Session, txn: LedgerTransaction, legs: list) -> None:
    """Add one posted transaction's legs (postings.Leg: an account and an amount) to its village's month: one
    upsert statement (a row per account kind and direction the legs touch, in key order, so that two postings lock
    the rows they share in the same order)."""
    if txn.village_id is None:
        return
    source, category = txn.kind, txn.category
    if txn.reverses_id is not None:  # a reversal counts against what it reversed (its door and category)
        kind, was = session.execute(select(LedgerTransaction.kind, LedgerTransaction.category)
                                    .where(LedgerTransaction.id == txn.reverses_id)).one()
        source, category = kind, was if was is not None else category
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for leg in legs:
        row = sums[(str(leg.account.kind), "in" if leg.amount > 0 else "out")]
        row[0] += leg.amount
        row[1] += 1
    month = month_of(txn)
    values = [{"village_id": txn.village_id, "month": month, "account_kind": kind, "source": str(source),
               "category": category or "", "direction": direction, "points": points, "entries": entries}
              for (kind, direction), (points, entries) in sorted(sums.items())]
    conn = session.connection()
    conn.execute(_upsert(conn.dialect.name), values)


@cache
def _upsert(dialect: str):
    """The upsert, built once per dialect (its compiled form cached): each row's points and entries added to the
    month's row, or the row made."""
    table = LedgerMonth.__table__
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=list(KEY),
        set_={"points": table.c.points + stmt.excluded.points, "entries": table.c.entries + stmt.excluded.entries})


def month_sql(column, dialect: str):
    """A UTC timestamp column's month in `TIMEZONE`, in SQL."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(TIMEZONE, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, "+8 hours")  # Asia/Shanghai: no summer time since 1991


def long_way(dialect: str) -> Select:
    """The summary's rows summed from the entries (village, month, account kind, source, category, direction,
    points, entries), in key order."""
    txn, original = LedgerTransaction, aliased(LedgerTransaction)
    month = month_sql(txn.created_at, dialect)
    source = func.coalesce(original.kind, txn.kind)
    category = func.coalesce(original.category, txn.category, literal(""))
    direction = case((LedgerEntry.amount > 0, literal("in")), else_=literal("out"))
    return (select(txn.village_id, month, Account.kind, source, category, direction,
                   func.sum(LedgerEntry.amount), func.count())
            .select_from(LedgerEntry)
            .join(txn, col(txn.id) == LedgerEntry.transaction_id)
            .join(Account, col(Account.id) == LedgerEntry.account_id)
            .join(original, col(original.id) == txn.reverses_id, isouter=True)
            .where(col(txn.village_id).is_not(None))
            .group_by(txn.village_id, month, Account.kind, source, category, direction)
            .order_by(txn.village_id, month, Account.kind, source, category, direction))


def differences(session: Session) -> list[str]:
    """Where the summary and the entries disagree, in plain words: the first village and month that differs (and
    how many rows differ in all); an empty list when they agree."""
    dialect = session.get_bind().dialect.name
    expected = {tuple(row[:6]): (int(row[6]), int(row[7])) for row in session.execute(long_way(dialect))}
    kept = {tuple(row[:6]): (int(row[6]), int(row[7])) for row in session.execute(
        select(*(getattr(LedgerMonth, k) for k in KEY), LedgerMonth.points, LedgerMonth.entries))}
    wrong = sorted(key for key in expected.keys() | kept.keys()
                   if expected.get(key, (0, 0)) != kept.get(key, (0, 0)))
    if not wrong:
        return []
    village, month, kind, source, category, direction = wrong[0]
    has, should = kept.get(wrong[0], (0, 0)), expected.get(wrong[0], (0, 0))
    return [f"monthly summary differs from the entries at village {village}, month {month} "
            f"({kind} {source} {category or '-'} {direction}): summary {has[0]} points in {has[1]} entries, "
            f"entries {should[0]} points in {should[1]}" + (f" ({len(wrong)} rows differ in all)" if len(wrong) > 1
                                                          else "")]
