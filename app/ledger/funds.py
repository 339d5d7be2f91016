"""Funds (issue #17 item 5): where points come from and how they go down the levels.

- 本级配套 (`check_budget`): a county, township or village puts points into its own fund, from its budget account
  (`budget:{org}`, which issues them), with the year and the 元 they stand for.
- 社会捐赠 (`check_donation`): a donor's gift into a level's fund, from its donations account (`donations:{org}`).
- 拨付 (`check_allocation`): a county's fund to its townships and villages, a township's to its villages. No
  fund — county, township, village — goes below zero (the conditional update of app/ledger/postings.py, I11): a
  fund short of points is refused in words that name it and say what is left.
Each is checked first (nothing written: a page shows it back to confirm), then written by `post_entry`: a ledger
transaction, a `fund_records` row and an audit line, once per idempotency key. Who may do which is decided in
app/org/access.py (FUND_KEEPERS, ALLOCATORS, FUND_READERS). A village's rate of 元 per point
(FUND_RATE, app/org/settings.py's one shape) values what its shop redeemed.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import ValidationFailed
from app.idempotency import run_idempotent
from app.ids import int_within
from app.ledger.accounts import FUND_KIND, budget_account, donations_account, existing_fund_account, fund_account
from app.ledger.fund_models import (
    FUND_RECORD_LABELS,
    FundPublic,
    FundRecord,
    FundRecordKind,
    FundRecordPublic,
    FundSettings,
)
from app.ledger.models import FUND_TARGET, Account, LedgerAction, LedgerEntry, LedgerTransaction, TxnKind
from app.ledger.postings import Leg, post_transaction
from app.org.access import OFFICIALS, Actor
from app.org.models import OrgKind, OrgUnit, User
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.paging import Page, page_desc
from app.text import clean_text
from app.timeutil import local, utcnow

MAX_FUND_POINTS = 100_000_000  # one record: 1 亿分 (the plan's county puts in 1000–2000 万元 a year)
MAX_YUAN_FEN = 10**12  # one record: 100 亿元
FIRST_YEAR, LAST_YEAR = 2000, 2100
CENT = Decimal("0.01")
ACTIONS = {FundRecordKind.budget: LedgerAction.fund_budget, FundRecordKind.allocation: LedgerAction.fund_allocate,
           FundRecordKind.donation: LedgerAction.fund_donation}

FUND_RATE = declare_kind(SettingsKind(
    name="fund_rate", model=FundSettings, writers=OFFICIALS, forbidden="积分折合金额由村干部设置",
    label="修改积分折合金额",
    rules={"fen_per_point": Rule(1, 100_000, "每积分折合（分）",
                                 message="每积分折合金额应在 0.01 元到 1000 元之间")}))


# --- what is typed ----------------------------------------------------------------------------------------------

def parse_yuan(value: object, *, required: bool = False) -> int | None:
    """元 as typed (12000, 12000.5, "12,000.50") to fen, exactly: never through a float's arithmetic."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("请填写金额（元）", field="yuan")
        return None
    if isinstance(value, bool):
        raise ValidationFailed("金额应为数字", field="yuan")
    text = (repr(value) if isinstance(value, float) else str(value)).strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0:
        raise ValidationFailed("金额应为不小于 0 的数，最多两位小数", field="yuan")
    # Far too large (1e999999): refused before any arithmetic or formatting that would grow with the exponent.
    if amount.adjusted() > 13 or int(amount * 100) > MAX_YUAN_FEN:
        raise ValidationFailed(f"金额不能超过 {MAX_YUAN_FEN // 100:,} 元", field="yuan")
    if amount != amount.quantize(CENT):
        raise ValidationFailed("金额最多两位小数（到分）", field="yuan")
    fen = int(amount * 100)
    return fen


def yuan_text(fen: int | None) -> str | None:
    """Fen to 元 as text with two decimals ("12000.50"); None stays None."""
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def yuan_display(fen: int | None) -> str:
    """Fen to 元 as people read it on a page, thousands grouped ("500,572.50"); "—" when not given."""
    return "—" if fen is None else f"{fen // 100:,}.{fen % 100:02d}"


def _points(points: object) -> int:
    if not int_within(points, 1, MAX_FUND_POINTS):
        raise ValidationFailed(f"积分应为 1 到 {MAX_FUND_POINTS:,} 之间的整数", field="points")
    return points  # type: ignore[return-value]


def _year(year: object) -> int:
    if year is None:
        return local(utcnow()).year
    if not int_within(year, FIRST_YEAR, LAST_YEAR):
        raise ValidationFailed(f"年度应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间", field="year")
    return year  # type: ignore[return-value]


def _note(note: str | None) -> str:
    return clean_text(note, label="备注", max_length=200, required=False, field="note")


# --- the three writes -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One fund record as checked, before it is written."""

    kind: FundRecordKind
    org: OrgUnit
    points: int
    year: int
    yuan_fen: int | None
    note: str
    source: OrgUnit | None = None  # an allocation's fund
    donor: str | None = None

    def payload(self) -> dict:
        return {"kind": self.kind.value, "org_id": self.org.id, "from_org_id": self.source.id if self.source else None,
                "points": self.points, "year": self.year, "yuan_fen": self.yuan_fen, "note": self.note,
                "donor": self.donor}


def check_budget(*, org: OrgUnit, year: object, points: object, yuan: object, note: str | None) -> Entry:
    """A level's own input as typed, checked (nothing written): the 元 it stands for is required."""
    return Entry(FundRecordKind.budget, org, _points(points), _year(year), parse_yuan(yuan, required=True),
                 _note(note))


def check_allocation(*, source: OrgUnit, target: OrgUnit, points: object, yuan: object, note: str | None,
                     year: object = None) -> Entry:
    return Entry(FundRecordKind.allocation, target, _points(points), _year(year), parse_yuan(yuan), _note(note),
                 source=source)


def check_donation(*, org: OrgUnit, donor: str | None, points: object, yuan: object, note: str | None,
                   year: object = None) -> Entry:
    donor = clean_text(donor, label="捐赠人", max_length=100, field="donor")
    return Entry(FundRecordKind.donation, org, _points(points), _year(year), parse_yuan(yuan), _note(note),
                 donor=donor)


def post_entry(session: Session, *, entry: Entry, actor_id: int | None, idempotency_key: str | None
               ) -> FundRecordPublic:
    """Write a checked record, once per key: the ledger transaction into the receiving fund (from its budget or
    donations account, or from the allocating fund, which never goes below zero), the record and an audit line."""

    def action() -> FundRecordPublic:
        fund = fund_account(session, org=entry.org)
        if entry.kind == FundRecordKind.budget:
            source = budget_account(session, org=entry.org)
        elif entry.kind == FundRecordKind.donation:
            source = donations_account(session, org=entry.org)
        else:
            source = fund_account(session, org=entry.source)
        txn, balances = post_transaction(session, kind=TxnKind(entry.kind.value), reason=_reason(entry),
                                         actor_id=actor_id, legs=[Leg(source, -entry.points), Leg(fund, entry.points)])
        record = FundRecord(kind=entry.kind, org_id=entry.org.id, from_org_id=entry.source.id if entry.source else None,
                            year=entry.year, points=entry.points, yuan_fen=entry.yuan_fen, donor=entry.donor,
                            note=entry.note, transaction_id=txn.id, actor_id=actor_id)
        session.add(record)
        session.flush()
        record_action(session, actor_id=actor_id, action=ACTIONS[entry.kind], village_id=_village_of(entry),
                      target_type=FUND_TARGET, target_id=entry.org.id, target_label=fund.name, reason=entry.note,
                      detail={"record_id": record.id, "transaction_id": txn.id, "points": entry.points,
                              "yuan_fen": entry.yuan_fen, "year": entry.year,
                              **({"from_org_id": entry.source.id, "from": entry.source.name} if entry.source else {}),
                              **({"donor": entry.donor} if entry.donor else {})})
        names = {entry.org.id: entry.org.name, **({entry.source.id: entry.source.name} if entry.source else {})}
        actor = session.get(User, actor_id) if actor_id else None
        return _public(record, names, actor.name if actor else None, balance_after=balances[fund.id])

    if idempotency_key is None:
        return action()
    return run_idempotent(session, scope=f"user:{actor_id}:fund", key=idempotency_key, payload=entry.payload(),
                          result_type=FundRecordPublic, action=action)


def _reason(entry: Entry) -> str:
    label = FUND_RECORD_LABELS[entry.kind]
    words = {FundRecordKind.budget: f"{entry.year}年{label}",
             FundRecordKind.allocation: f"{label}：{entry.source.name if entry.source else ''} → {entry.org.name}",
             FundRecordKind.donation: f"{label}：{entry.donor}"}[entry.kind]
    return f"{words}（{entry.note}）"[:200] if entry.note else words


def _village_of(entry: Entry) -> int | None:
    """The village an audit line belongs to: the receiving village's, else none (a county's or township's)."""
    return entry.org.id if entry.org.kind == OrgKind.village else None


# --- reading ----------------------------------------------------------------------------------------------------

def fund_figures(session: Session, *, org: OrgUnit) -> FundPublic:
    """The fund's balance; what it received (budgets, donations, allocations in), gave (allocations out) and spent
    (credits to households net of their reversals: everything else that moved it). A fund never used is all zero
    (reading it opens nothing)."""
    fund = existing_fund_account(session, org=org)
    if fund is None:
        return FundPublic(org_id=org.id, balance=0, received=0, given=0, spent=0)
    incoming = (LedgerTransaction.kind.in_([TxnKind.budget, TxnKind.donation])
                | ((LedgerTransaction.kind == TxnKind.allocation) & (LedgerEntry.amount > 0)))
    outgoing = (LedgerTransaction.kind == TxnKind.allocation) & (LedgerEntry.amount < 0)
    received, given, other = session.exec(
        select(func.coalesce(func.sum(case((incoming, LedgerEntry.amount), else_=0)), 0),
               func.coalesce(func.sum(case((outgoing, -LedgerEntry.amount), else_=0)), 0),
               func.coalesce(func.sum(case((incoming | outgoing, 0), else_=LedgerEntry.amount)), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account_id == fund.id)).one()
    return FundPublic(org_id=org.id, balance=fund.balance, received=int(received), given=int(given),
                      spent=-int(other))


def fund_records(session: Session, *, org: OrgUnit, limit: int | None, cursor: str | None) -> Page:
    """The records into or out of the unit's fund, newest first, with the names they mention."""
    source = aliased(OrgUnit)
    stmt = (select(FundRecord, OrgUnit.name, source.name, User.name)
            .join(OrgUnit, OrgUnit.id == FundRecord.org_id)
            .join(source, source.id == FundRecord.from_org_id, isouter=True)
            .join(User, User.id == FundRecord.actor_id, isouter=True)
            .where(or_(FundRecord.org_id == org.id, FundRecord.from_org_id == org.id)))
    page = page_desc(session, stmt, FundRecord.id, limit=limit, cursor=cursor)
    page.items = [_public(r, {r.org_id: to_name, r.from_org_id: from_name}, actor)
                  for r, to_name, from_name, actor in page.items]
    return page


def allocation_targets(session: Session, *, org: OrgUnit) -> list[OrgUnit]:
    """The townships and villages below a county, or the villages of a township, in tree order."""
    found, frontier = [], [org.id]
    while frontier:
        children = list(session.exec(select(OrgUnit).where(OrgUnit.parent_id.in_(frontier),
                                                           OrgUnit.kind.in_([OrgKind.township, OrgKind.village]))
                                     .order_by(OrgUnit.id)))
        found += children
        frontier = [c.id for c in children if c.kind == OrgKind.township]
    return found


def fund_balances(session: Session, *, units: list[OrgUnit]) -> dict[int, int]:
    """unit id → its fund's balance (0 for a fund never used), in one query."""
    keys = {f"{FUND_KIND[OrgKind(u.kind)]}:{u.id}": u.id for u in units}
    found = session.exec(select(Account.key, Account.balance).where(Account.key.in_(list(keys)))).all() if keys else []
    return {u.id: 0 for u in units} | {keys[key]: balance for key, balance in found}


def _public(record: FundRecord, names: dict, actor_name: str | None, *, balance_after: int | None = None
            ) -> FundRecordPublic:
    return FundRecordPublic(
        id=record.id, kind=record.kind, org_id=record.org_id, org_name=names.get(record.org_id, ""),
        from_org_id=record.from_org_id, from_org_name=names.get(record.from_org_id) if record.from_org_id else None,
        year=record.year, points=record.points, yuan=yuan_text(record.yuan_fen), yuan_fen=record.yuan_fen,
        donor=record.donor, note=record.note, transaction_id=record.transaction_id, actor_id=record.actor_id,
        actor_name=actor_name, created_at=record.created_at, balance_after=balance_after)


# --- a village's rate -------------------------------------------------------------------------------------------

def fen_per_point(session: Session, *, village_id: int) -> int:
    """How many fen one point of the village stands for (the default until an official sets it)."""
    return read_settings(session, FUND_RATE, village_id).fen_per_point


def set_fen_per_point(session: Session, *, actor: Actor, village_id: int, fen: object) -> int:
    """An official sets what a point of the village is worth (audited as every village rule)."""
    return write_settings(session, actor=actor, kind=FUND_RATE, village_id=village_id,
                          values={"fen_per_point": fen}, partial=False).fen_per_point


def points_value_fen(session: Session, *, village_id: int, points: int) -> int:
    """What `points` of the village are worth, in fen, at its rate."""
    return points * fen_per_point(session, village_id=village_id)
