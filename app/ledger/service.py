"""The points ledger: double-entry, append-only; the only code that moves points (I1–I9)."""

from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import InsufficientPoints, InvalidState, NotFound, ValidationFailed
from app.ledger.idempotency import run_idempotent
from app.ledger.models import (
    ISSUING_KINDS,
    Account,
    AccountKind,
    AwardPublic,
    Category,
    LedgerEntry,
    LedgerLine,
    LedgerTransaction,
    ReversalPublic,
    TxnKind,
)
from app.org.access import Actor
from app.org.models import Household, OrgKind, OrgUnit, Role, User
from app.paging import Page, page_desc

MAX_AWARD = 100_000
FUND_KIND = {OrgKind.village: AccountKind.village_fund, OrgKind.township: AccountKind.township_fund,
             OrgKind.county: AccountKind.county_fund}
FUND_LABEL = {OrgKind.village: "村积分资金", OrgKind.township: "乡镇积分资金", OrgKind.county: "县积分资金"}


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


# --- accounts -------------------------------------------------------------------------------------------------

def open_household_account(session: Session, *, household: Household) -> Account:
    """The household's points account, opened with the household."""
    account = Account(key=f"household:{household.id}", kind=AccountKind.household, name=household.head_name,
                      org_id=household.village_id, village_id=household.village_id, household_id=household.id)
    session.add(account)
    session.flush()
    return account


def fund_account(session: Session, *, org: OrgUnit) -> Account:
    """The point fund of a village, township or county, opened on first use."""
    kind = FUND_KIND[OrgKind(org.kind)]
    return _get_or_open(session, key=f"{kind}:{org.id}", kind=kind, name=f"{org.name}{FUND_LABEL[OrgKind(org.kind)]}",
                        org=org, allow_negative=kind in ISSUING_KINDS)


def donations_account(session: Session, *, county: OrgUnit) -> Account:
    """Points funded by donations (社会捐赠) at county level."""
    return _get_or_open(session, key=f"donations:{county.id}", kind=AccountKind.donations,
                        name=f"{county.name}社会捐赠", org=county, allow_negative=True)


def _get_or_open(session: Session, *, key: str, kind: str, name: str, org: OrgUnit, allow_negative: bool,
                 shop_id: int | None = None) -> Account:
    account = session.exec(select(Account).where(Account.key == key)).first()
    if account is None:
        village_id = org.id if org.kind == OrgKind.village else None
        account = Account(key=key, kind=kind, name=name, org_id=org.id, village_id=village_id,
                          allow_negative=allow_negative, shop_id=shop_id)
        session.add(account)
        session.flush()
    return account


def shop_account(session: Session, *, shop_id: int, name: str, village_id: int) -> Account:
    """The shop's points account: what it has taken in redemptions, for the village to settle."""
    return _get_or_open(session, key=f"shop:{shop_id}", kind=AccountKind.shop, name=name,
                        org=session.get(OrgUnit, village_id), allow_negative=False, shop_id=shop_id)


def household_account(session: Session, *, household_id: int) -> Account:
    account = session.exec(select(Account).where(Account.household_id == household_id)).first()
    if account is None:
        raise NotFound("找不到该农户的积分账户")
    return account


# --- the one writer -------------------------------------------------------------------------------------------

def _check_books(legs: list[Leg], kind: str) -> None:
    """I1 and I8: legs sum to zero, touch distinct accounts, and stay in one village's books."""
    if sum(leg.amount for leg in legs) != 0 or any(leg.amount == 0 for leg in legs):
        raise ValueError("a transaction's legs must be non-zero and sum to zero")
    if len({leg.account.id for leg in legs}) != len(legs):
        raise ValueError("a transaction must not debit and credit the same account")
    villages = {leg.account.village_id for leg in legs}
    if None in villages and kind != TxnKind.allocation and not _is_reversal_of_allocation(legs):
        raise ValueError("only budget allocations move points between levels")
    if len(villages - {None}) > 1:
        raise ValueError("a transaction must stay within one village's books")


def _is_reversal_of_allocation(legs: list[Leg]) -> bool:
    return all(leg.account.kind != AccountKind.household for leg in legs)


def post_transaction(
    session: Session, *, kind: str, legs: list[Leg], reason: str, actor_id: int | None,
    category: str | None = None, reverses_id: int | None = None,
) -> tuple[LedgerTransaction, dict[int, int]]:
    """Write one balanced transaction: every leg or none. Returns it with each account's balance after."""
    _check_books(legs, kind)
    village_id = next((leg.account.village_id for leg in legs if leg.account.village_id), None)
    txn = LedgerTransaction(kind=kind, village_id=village_id, reason=reason, category=category,
                            actor_id=actor_id, reverses_id=reverses_id)
    session.add(txn)
    try:
        session.flush()
    except IntegrityError as exc:  # another reversal of the same transaction committed first (unique reverses_id)
        if reverses_id is None:
            raise
        raise InvalidState("该笔积分已撤销") from exc
    balances: dict[int, int] = {}
    # Lock order (no deadlocks): household accounts first, then funds and shops, each by id. Shared rows
    # (a village fund, a shop) come last so that they are held for the shortest time.
    for leg in sorted(legs, key=lambda leg: (leg.account.kind != AccountKind.household, leg.account.id)):
        balances[leg.account.id] = _apply(session, leg)
        session.add(LedgerEntry(transaction_id=txn.id, account_id=leg.account.id, amount=leg.amount,
                                balance_after=balances[leg.account.id]))
    session.flush()
    return txn, balances


def _apply(session: Session, leg: Leg) -> int:
    """Conditional update (I3): the balance moves only if it stays non-negative or the account may go below."""
    stmt = (
        update(Account)
        .where(Account.id == leg.account.id)
        .where(or_(Account.allow_negative, Account.balance + leg.amount >= 0))
        .values(balance=Account.balance + leg.amount)
        .returning(Account.balance)
        .execution_options(synchronize_session=False)
    )
    balance = session.execute(stmt).scalar_one_or_none()
    if balance is None:
        if leg.account.kind == AccountKind.household:
            raise InsufficientPoints()
        raise InsufficientPoints(f"{leg.account.name}余额不足")
    if leg.account in session:
        set_committed_value(leg.account, "balance", balance)  # keep the loaded object in step with the row
    return balance


# --- awards and reversals ---------------------------------------------------------------------------------------

def clean_award(*, points: int, reason: str, category: str | None) -> tuple[int, str, str]:
    if isinstance(points, bool) or not isinstance(points, int) or not 0 < points <= MAX_AWARD:
        raise ValidationFailed(f"积分应为 1 到 {MAX_AWARD} 之间的整数")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写奖励理由")
    if len(reason) > 200:
        raise ValidationFailed("理由不能超过 200 个字")
    category = category or Category.other
    if category not in Category.__members__:
        raise ValidationFailed("类别无效")
    return points, reason, category


def award_points(
    session: Session, *, actor: Actor, household: Household, points: int, reason: str, category: str | None,
    idempotency_key: str | None,
) -> AwardPublic:
    """An official credits a household of their village from the village fund, with a reason."""
    actor.require(household.village_id, Role.official)
    points, reason, category = clean_award(points=points, reason=reason, category=category)
    payload = {"household_id": household.id, "points": points, "reason": reason, "category": category}

    def action() -> AwardPublic:
        village = session.get(OrgUnit, household.village_id)
        fund = fund_account(session, org=village)
        target = household_account(session, household_id=household.id)
        txn, balances = post_transaction(session, kind=TxnKind.award, reason=reason, category=category,
                                         actor_id=actor.id, legs=[Leg(fund, -points), Leg(target, points)])
        record_action(session, actor_id=actor.id, action="points.award", village_id=household.village_id,
                      target_type="household", target_id=household.id, reason=reason,
                      detail={"transaction_id": txn.id, "points": points, "category": category})
        return AwardPublic(id=txn.id, household_id=household.id, points=points,
                           balance_after=balances[target.id], category=category, reason=reason)

    return run_idempotent(session, scope=f"user:{actor.id}:award", key=idempotency_key, payload=payload,
                          result_type=AwardPublic, action=action)


def reverse_award(
    session: Session, *, actor: Actor, transaction_id: int, reason: str, idempotency_key: str | None
) -> ReversalPublic:
    """An official reverses an award with a reason: a new transaction with every leg negated (I5)."""
    original = session.get(LedgerTransaction, transaction_id)
    if original is None or not actor.can(original.village_id, Role.official):
        raise NotFound("找不到该积分记录")
    if original.kind != TxnKind.award:
        raise InvalidState("只能撤销积分奖励")
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("请填写撤销原因（不超过 200 字）")

    def action() -> ReversalPublic:
        txn, legs, balances = reverse_transaction(session, original=original, reason=reason, actor_id=actor.id)
        household_leg = next(leg for leg in legs if leg.account.kind == AccountKind.household)
        record_action(session, actor_id=actor.id, action="points.reverse", village_id=original.village_id,
                      target_type="household", target_id=household_leg.account.household_id, reason=reason,
                      detail={"transaction_id": txn.id, "reverses_id": original.id})
        return ReversalPublic(id=txn.id, reverses_id=original.id, household_id=household_leg.account.household_id,
                              points=household_leg.amount, balance_after=balances[household_leg.account.id],
                              reason=reason)

    return run_idempotent(session, scope=f"user:{actor.id}:reverse", key=idempotency_key,
                          payload={"transaction_id": transaction_id, "reason": reason},
                          result_type=ReversalPublic, action=action)


def reverse_transaction(session: Session, *, original: LedgerTransaction, reason: str, actor_id: int | None
                        ) -> tuple[LedgerTransaction, list[Leg], dict[int, int]]:
    """Undo a transaction with a new one whose legs are its legs negated; a transaction is reversed at most once."""
    if session.exec(select(LedgerTransaction.id).where(LedgerTransaction.reverses_id == original.id)).first():
        raise InvalidState("该笔积分已撤销")
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.transaction_id == original.id)).all()
    legs = [Leg(session.get(Account, e.account_id), -e.amount) for e in entries]
    txn, balances = post_transaction(session, kind=TxnKind.reversal, reason=reason, category=original.category,
                                     actor_id=actor_id, legs=legs, reverses_id=original.id)
    return txn, legs, balances


def allocate_budget(session: Session, *, source: Account, target: Account, points: int, reason: str,
                    actor_id: int | None) -> LedgerTransaction:
    """Move budget between funds, e.g. county fund → village fund (拨付)."""
    if points <= 0:
        raise ValidationFailed("拨付积分应大于 0")
    txn, _ = post_transaction(session, kind=TxnKind.allocation, reason=reason, actor_id=actor_id,
                              legs=[Leg(source, -points), Leg(target, points)])
    record_action(session, actor_id=actor_id, action="points.allocate", village_id=target.village_id,
                  target_type="account", target_id=target.id, reason=reason,
                  detail={"transaction_id": txn.id, "points": points, "source": source.key})
    return txn


# --- reading ---------------------------------------------------------------------------------------------------

def household_ledger(session: Session, *, household: Household, limit: int | None, cursor: str | None) -> Page:
    """The household's entries, newest first, each with its reason, who made it and whether it was reversed."""
    account = household_account(session, household_id=household.id)
    reversal = aliased(LedgerTransaction)
    stmt = (
        select(LedgerEntry, LedgerTransaction, User.name, reversal.id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(User, User.id == LedgerTransaction.actor_id, isouter=True)
        .join(reversal, reversal.reverses_id == LedgerTransaction.id, isouter=True)
        .where(LedgerEntry.account_id == account.id)
    )
    page = page_desc(session, stmt, LedgerEntry.id, limit=limit, cursor=cursor)
    page.items = [_line(entry, txn, actor, reversed_by) for entry, txn, actor, reversed_by in page.items]
    return page


def _line(entry: LedgerEntry, txn: LedgerTransaction, actor: str | None, reversed_by: int | None) -> LedgerLine:
    ref = f"{txn.kind}-{txn.id}" if txn.reverses_id is None else f"reversal-of-{txn.reverses_id}"
    return LedgerLine(id=entry.id, transaction_id=txn.id, amount=entry.amount, balance_after=entry.balance_after,
                      kind=txn.kind, category=txn.category, reason=txn.reason, ref=ref, actor=actor,
                      reverses_id=txn.reverses_id, reversed_by_id=reversed_by, created_at=entry.created_at)
