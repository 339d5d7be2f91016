"""The ledger's figures for a period, as rows a spreadsheet streams (app/exports): each household's balance at the
period's start and end with what it earned and spent in between, and every entry of the households' accounts.

Both are one SQL statement each, read with `yield_per` (a server-side cursor on PostgreSQL), so that a county's
year of entries never becomes objects in memory. A period is instants (`start` inclusive, `end` exclusive) and a
transaction belongs to it by its `created_at`, read through the (village, time) index."""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, case, func
from sqlalchemy.engine import Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.ledger.models import (
    CATEGORY_LABELS,
    KIND_LABELS,
    SOURCE_LABELS,
    Account,
    AccountKind,
    LedgerEntry,
    LedgerTransaction,
    TxnKind,
)
from app.org.models import Household, OrgUnit, User

# What a household spends its points on: a redemption at the counter, points held for a shop request and the
# returns of such holds. Everything else reaching a household's account (awards, evaluation results, service hours)
# is earned. A reversal counts as what it undid (a reversed award lowers what was earned, a reversed redemption what
# was spent), so that earned − spent is exactly the change of the balance over the period.
SPENDING_KINDS = (TxnKind.redemption, TxnKind.hold, TxnKind.hold_release)
STREAM_ROWS = 2000  # rows fetched at a time


def household_statements(session: Session, *, village_ids: list[int], start: datetime, end: datetime
                         ) -> Iterator[Row]:
    """One row per household of the villages registered before `end`, by village and household: (village, group,
    head_name, address, members, opening, earned, spent, closing) — opening and closing are the balances at
    `start` and at `end`, summed from the entries (I9: equal to the cached balance at the time)."""
    undone = aliased(LedgerTransaction)
    spending = func.coalesce(undone.kind, LedgerTransaction.kind).in_([k.value for k in SPENDING_KINDS])
    before = LedgerTransaction.created_at < start
    sums = (select(Account.household_id.label("household_id"),
                   func.sum(case((before, LedgerEntry.amount), else_=0)).label("opening"),
                   func.sum(case((and_(~before, ~spending), LedgerEntry.amount), else_=0)).label("earned"),
                   func.sum(case((and_(~before, spending), -LedgerEntry.amount), else_=0)).label("spent"),
                   func.sum(LedgerEntry.amount).label("closing"))
            .select_from(LedgerTransaction)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(Account, and_(Account.id == LedgerEntry.account_id, Account.kind == AccountKind.household))
            .outerjoin(undone, undone.id == LedgerTransaction.reverses_id)
            .where(col(LedgerTransaction.village_id).in_(village_ids), LedgerTransaction.created_at < end)
            .group_by(Account.household_id).subquery())
    members = (select(User.household_id.label("household_id"), func.count().label("members"))
               .join(Household, Household.id == User.household_id)
               .where(col(User.active), col(Household.village_id).in_(village_ids))
               .group_by(User.household_id).subquery())
    village, group = aliased(OrgUnit), aliased(OrgUnit)
    stmt = (select(village.name, group.name, Household.head_name, Household.address,
                   func.coalesce(members.c.members, 0), func.coalesce(sums.c.opening, 0),
                   func.coalesce(sums.c.earned, 0), func.coalesce(sums.c.spent, 0),
                   func.coalesce(sums.c.closing, 0))
            .join(village, village.id == Household.village_id)
            .outerjoin(group, group.id == Household.group_id)
            .outerjoin(members, members.c.household_id == Household.id)
            .outerjoin(sums, sums.c.household_id == Household.id)
            .where(col(Household.village_id).in_(village_ids), Household.created_at < end)
            .order_by(Household.village_id, Household.id))
    yield from session.execute(stmt.execution_options(yield_per=STREAM_ROWS))


def entry_lines(session: Session, *, village_ids: list[int], start: datetime, end: datetime) -> Iterator[Row]:
    """Every entry of the villages' household accounts in the period, oldest first: (created_at, village,
    head_name, transaction_id, kind, source_id, reverses_id, category, amount, balance_after, reason, actor)."""
    village = aliased(OrgUnit)
    stmt = (select(LedgerTransaction.created_at, village.name, Household.head_name, LedgerTransaction.id,
                   LedgerTransaction.kind, LedgerTransaction.source_id, LedgerTransaction.reverses_id,
                   LedgerTransaction.category, LedgerEntry.amount, LedgerEntry.balance_after,
                   LedgerTransaction.reason, User.name)
            .select_from(LedgerTransaction)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(Account, and_(Account.id == LedgerEntry.account_id, Account.kind == AccountKind.household))
            .join(Household, Household.id == Account.household_id)
            .join(village, village.id == Household.village_id)
            .outerjoin(User, User.id == LedgerTransaction.actor_id)
            .where(col(LedgerTransaction.village_id).in_(village_ids), LedgerTransaction.created_at >= start,
                   LedgerTransaction.created_at < end)
            .order_by(LedgerTransaction.created_at, LedgerEntry.id))
    yield from session.execute(stmt.execution_options(yield_per=STREAM_ROWS))


def kind_words(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)  # type: ignore[call-overload]


def source_words(kind: str, source_id: int | None, reverses_id: int | None) -> str:
    """Where a transaction came from, in words an auditor can look up: 评比结果 #12, 志愿服务 服务单 #40,
    撤销 交易 #31 …"""
    if reverses_id is not None:
        return f"撤销 交易 #{reverses_id}"
    if kind == TxnKind.service and source_id is not None:
        return f"志愿服务 服务单 #{source_id}"
    if kind == TxnKind.evaluation and source_id is not None:
        return f"评比结果 评比 #{source_id}"
    if kind == TxnKind.hold_release and source_id is not None:
        return f"预留退回 交易 #{source_id}"
    return SOURCE_LABELS.get(kind, kind_words(kind))  # type: ignore[call-overload]


def category_words(category: str | None) -> str:
    return CATEGORY_LABELS.get(category, category or "")  # type: ignore[call-overload]
