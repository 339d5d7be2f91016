"""Double-entry points ledger: accounts, transactions, entries, idempotency keys."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import Id
from app.timeutil import ts_column, utcnow


class AccountKind(StrEnum):
    household = "household"
    village_fund = "village_fund"
    township_fund = "township_fund"
    county_fund = "county_fund"
    donations = "donations"
    shop = "shop"
    hold = "hold"  # points a household has set aside for a shop request (扫码兑换), until 核销, cancel or expiry
    budget = "budget"  # what a level puts in itself (三级配套): one per county, township and village (issue #17)


# Accounts that issue points into the programme: their balance is minus what they have issued. Only a level's own
# input (三级配套) and donations issue; every fund — county, township, village — holds what it was given and never
# goes below zero (reliability.md I11; alembic 0015 booked an opening budget for funds that had gone below).
ISSUING_KINDS = {AccountKind.budget, AccountKind.donations}


class TxnKind(StrEnum):
    award = "award"  # an official's direct award
    evaluation = "evaluation"  # a finalised evaluation round (source: the round)
    service = "service"  # a confirmed volunteer service order (source: the order)
    claim = "claim"  # a villager's own claim (申报) approved by the committee or an official (source: the claim)
    activity = "activity"  # attendance at a closed 文明实践活动 (source: the activity)
    ceremony = "ceremony"  # a wedding or funeral held within the village's standards (source: the 婚丧事 filing)
    allocation = "allocation"  # one fund to a fund below it (拨付)
    budget = "budget"  # a level's own input into its fund (本级配套)
    donation = "donation"  # a donation into a level's fund (社会捐赠)
    reversal = "reversal"
    redemption = "redemption"
    hold = "hold"  # household → its hold account (a shop request made)
    hold_release = "hold_release"  # hold account → household (a request cancelled, expired, refused, an item dropped)


# Credits into a household from its village fund, and what they come from (the ledger's door for other domains).
CREDIT_KINDS = (TxnKind.award, TxnKind.evaluation, TxnKind.service, TxnKind.claim, TxnKind.activity,
                TxnKind.ceremony)
# What puts points into a fund or moves them between levels (app/ledger/funds.py): the only transactions whose legs
# may lie outside any one village's books (a county's or township's accounts have no village).
FUND_TXN_KINDS = (TxnKind.allocation, TxnKind.budget, TxnKind.donation)


class Category(StrEnum):
    hard_work = "hard_work"
    filial = "filial"
    customs = "customs"
    hygiene = "hygiene"
    law = "law"
    public_good = "public_good"
    other = "other"


CATEGORY_LABELS = {
    Category.hard_work: "勤劳致富",
    Category.filial: "孝老爱亲",
    Category.customs: "移风易俗",
    Category.hygiene: "环保卫生",
    Category.law: "遵纪守法",
    Category.public_good: "热心公益",
    Category.other: "其他",
}

KIND_LABELS = {TxnKind.award: "奖励", TxnKind.evaluation: "评比", TxnKind.service: "志愿服务", TxnKind.claim: "申报",
               TxnKind.activity: "文明实践活动", TxnKind.ceremony: "婚丧事简办",
               TxnKind.allocation: "拨付", TxnKind.budget: "本级配套", TxnKind.donation: "社会捐赠",
               TxnKind.reversal: "撤销", TxnKind.redemption: "兑换",
               TxnKind.hold: "兑换预留", TxnKind.hold_release: "预留退回"}
# The door a credit came through, as its approver and the audit log say it (AwardRequest.source_kind).
SOURCE_LABELS = {TxnKind.award: "直接奖励", TxnKind.evaluation: "评比结果", TxnKind.service: "志愿服务",
                 TxnKind.claim: "村民申报", TxnKind.activity: "文明实践活动",
                 TxnKind.ceremony: "婚丧事按标准办理"}
# A redemption's reversal stores its reason behind this prefix (app.shop.redemption.service.reverse_redemption);
# the history shows the reason without it.
REDEMPTION_REVERSAL_PREFIX = "兑换撤销："


@declare_actions
class LedgerAction(AuditAction):
    points_award = "points.award", "发放积分"
    points_reverse = "points.reverse", "撤销积分"
    points_allocate = "points.allocate", "拨付积分预算"
    points_award_pending = "points.award_pending", "提交积分奖励待批准"  # above the village's limits (issue #8)
    points_award_approve = "points.award_approve", "批准积分奖励"
    points_award_refuse = "points.award_refuse", "不批准积分奖励"  # a waiting credit refused, with why (issue #18)
    award_limits_set = "points.award_limits", "设置积分奖励限额"
    village_bounds_set = "points.village_bounds", "设置村积分规则上限"  # the town's bounds for a village (issue #15)
    # Funds (issue #17, app/ledger/funds.py): detail {"record_id", "transaction_id", "points", "yuan_fen", ...}.
    fund_budget = "fund.budget", "登记本级配套"
    fund_allocate = "fund.allocate", "拨付积分资金"
    fund_donation = "fund.donation", "登记社会捐赠"


ACCOUNT_TARGET = declare_target("account", "积分账户")
FUND_TARGET = declare_target("fund", "积分资金")


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("allow_negative OR balance >= 0", name="balance_non_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(60), unique=True)
    kind: str = Field(sa_type=String(20))
    name: str = Field(sa_type=String(100))
    org_id: int = Field(foreign_key="org_units.id", index=True)
    village_id: int | None = Field(default=None, foreign_key="org_units.id")
    household_id: int | None = Field(default=None, foreign_key="households.id", unique=True)
    shop_id: int | None = Field(default=None, foreign_key="shops.id")
    allow_negative: bool = False
    balance: int = 0


class LedgerTransaction(SQLModel, table=True):
    __tablename__ = "ledger_transactions"
    # 积分公示 reads a village's month: by village and time, not every transaction the village ever had.
    __table_args__ = (Index("ix_ledger_transactions_village_id_created_at", "village_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(20))
    village_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    reason: str = Field(sa_type=String(200))
    category: str | None = Field(default=None, sa_type=String(20))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    reverses_id: int | None = Field(default=None, foreign_key="ledger_transactions.id", unique=True)
    # what the credit came from: the evaluation round or service order (by kind); a hold_release: the hold it returns
    source_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    # By transaction, with the account and amount at hand: the dashboards sum a period's entries from the
    # transactions' village-and-time index without reading the entries' rows (issue #20).
    __table_args__ = (Index("ix_ledger_entries_account_id_id", "account_id", "id"),
                      Index("ix_ledger_entries_transaction_id_account_id_amount", "transaction_id", "account_id",
                            "amount"))

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: int = Field(foreign_key="ledger_transactions.id")
    account_id: int = Field(foreign_key="accounts.id")
    amount: int
    balance_after: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


make_append_only(LedgerTransaction.__table__)
make_append_only(LedgerEntry.__table__)


# --- API shapes ---------------------------------------------------------------------------------------------

class AwardCreate(SQLModel):
    household_id: Id
    points: StrictInt
    reason: str
    category: str | None = None


class AwardPublic(SQLModel):
    id: int
    household_id: int
    points: int
    balance_after: int
    category: str
    reason: str


class ReversalCreate(SQLModel):
    reason: str


class ReversalPublic(SQLModel):
    id: int
    reverses_id: int
    household_id: int
    points: int
    balance_after: int
    reason: str


class LineReversal(SQLModel):
    """On a line that was reversed: the reversal that undid it — when, by whom, why."""

    transaction_id: int
    reason: str
    actor: str | None
    created_at: datetime


class LineOriginal(SQLModel):
    """On a reversal's line: what it undid."""

    transaction_id: int
    kind: str
    description: str
    created_at: datetime


class LedgerLine(SQLModel):
    id: int
    transaction_id: int
    amount: int
    balance_after: int
    kind: str
    category: str | None
    reason: str
    ref: str
    actor: str | None
    reverses_id: int | None
    reversed_by_id: int | None
    created_at: datetime
    # Added in issue #7 (the fields above are the contract and stay as they were): the line in words —
    # a redemption says what was bought ("振风超市兑换 · 大米 5kg ×1、鸡蛋 30枚 ×2"), a reversal what it undid and
    # why ("兑换撤销：村民拿错了"), anything else its reason — and both halves of a reversal point at each other.
    description: str = ""
    reversal: LineReversal | None = None
    original: LineOriginal | None = None
    # Added in issue #21 item 5: the public page that checks this line against its month's posted root (its facts in
    # the fragment); None until the entry's transaction has committed (app/ledger/chain.py).
    verify_url: str | None = None


# --- direct awards above a village's limits wait for a second person (issue #8; app/ledger/approvals.py) ---------

class AwardLimit(SQLModel, table=True):
    """A village's bounds, set by the town (or county) admin and by nobody the bounds hold back (issue #15): the
    limits every credit is checked against (one credit, a household's credits in a month), the most a village's
    officials may set for service points (per hour, a volunteer household's month), and the shortest 公示 of an
    evaluation round. A village without a row has the defaults (app/ledger/policy.py)."""

    __tablename__ = "award_limits"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    single_limit: int
    monthly_limit: int
    max_points_per_hour: int = Field(default=20, sa_column_kwargs={"server_default": "20"})
    max_service_cap: int = Field(default=300, sa_column_kwargs={"server_default": "300"})
    min_notice_days: int = Field(default=3, sa_column_kwargs={"server_default": "3"})
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class AwardRequest(SQLModel, table=True):
    """Every credit a household receives through a door (a direct award, evaluation result, service hours): posted
    at once within the village's limits, or pending until a second person approves it — another official of the
    village or the town admin, never its proposer nor a member of the household (then `transaction_id` names the
    credit), or refused by such a person with a reason (`refused`: it never posts). `source_kind`/`source_id` say
    which door (award; evaluation and its round; service and its order)."""

    __tablename__ = "award_requests"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    points: int
    reason: str = Field(sa_type=String(200))
    category: str = Field(sa_type=String(20))
    status: str = Field(sa_type=String(10))  # pending | posted | refused (never posts)
    source_kind: str = Field(default="award", sa_type=String(20), sa_column_kwargs={"server_default": "award"})
    source_id: int | None = None
    proposed_by_id: int | None = Field(default=None, foreign_key="users.id")  # None: the system, by a rule
    approved_by_id: int | None = Field(default=None, foreign_key="users.id")
    refused_by_id: int | None = Field(default=None, foreign_key="users.id")
    refusal_reason: str = Field(default="", sa_type=String(200), sa_column_kwargs={"server_default": ""})
    transaction_id: int | None = Field(default=None, foreign_key="ledger_transactions.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class AwardOutcome(SQLModel):
    """An award as it now stands: `posted` (id = the ledger transaction, as before) or `pending` (id = the waiting
    request, which `POST /points/awards/{id}/approve` posts)."""

    id: int
    household_id: int
    points: int
    status: str = "posted"
    balance_after: int | None = None
    category: str = "other"
    reason: str = ""
    request_id: int | None = None


class AwardRefusal(SQLModel):
    reason: str


class AwardRequestPublic(SQLModel):
    """A credit request as it stands: `pending`, `posted` (transaction_id) or `refused` (who, why)."""

    id: int
    village_id: int
    household_id: int
    points: int
    reason: str
    category: str
    status: str
    source_kind: str
    source_id: int | None
    proposed_by_id: int | None
    refused_by_id: int | None
    refusal_reason: str
    transaction_id: int | None
    created_at: datetime
    decided_at: datetime | None


class AwardLimitsUpdate(SQLModel):
    single_limit: StrictInt
    monthly_limit: StrictInt


class EvaluationSettingsUpdate(SQLModel):
    min_notice_days: StrictInt


class ServiceBoundsUpdate(SQLModel):
    max_points_per_hour: StrictInt | None = None
    max_service_cap: StrictInt | None = None


class LedgerMonth(SQLModel, table=True):
    """The ledger's flows summed by village and month (issue #20, item 3): what the dashboards read for whole months
    instead of walking a year of entries. One row per village × month (Asia/Shanghai) × account kind × source (the
    transaction's kind; a reversal's, the kind it reversed) × category (a reversal's, its original's; '' for none)
    × direction (in: the entries that added, out: those that took away) → the points and the number of entries.
    Kept by `app/ledger/monthly.py` in the same transaction as each posting (app/ledger/postings.py), backfilled by
    migration 0034, compared with the entries by `check-ledger`. Only a village's transactions (a county's or
    township's fund records have no village) are counted."""

    __tablename__ = "ledger_months"

    village_id: int = Field(foreign_key="org_units.id", primary_key=True)
    month: str = Field(sa_type=String(7), primary_key=True)
    account_kind: str = Field(sa_type=String(20), primary_key=True)
    source: str = Field(sa_type=String(20), primary_key=True)
    category: str = Field(sa_type=String(20), primary_key=True)
    direction: str = Field(sa_type=String(3), primary_key=True)
    points: int = Field(default=0, sa_type=BigInteger)  # a month of a village's allocations may pass 2**31
    entries: int = 0
