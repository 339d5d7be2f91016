"""Funds (三级配套 and 社会捐赠, issue #17): what each level puts in, what it allocates below, what was donated — each
a ledger transaction with a record of its own (year, the 元 it stands for, the donor) — and a village's rate of 元 per
point, which the shop's settlement shows redeemed points at."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictFloat, StrictInt
from sqlalchemy import BigInteger, CheckConstraint, Column, String
from sqlmodel import Field, SQLModel

from app.ids import StrictId
from app.timeutil import ts_column, utcnow

DEFAULT_FEN_PER_POINT = 100  # 1 积分 = 1 元: what the 振风超市 programmes of the plan's kind use in the field


class FundRecordKind(StrEnum):
    budget = "budget"  # 本级配套: a level's own input into its fund
    allocation = "allocation"  # 拨付: a fund to a fund below it
    donation = "donation"  # 社会捐赠: a donor's gift into a level's fund


FUND_RECORD_LABELS = {FundRecordKind.budget: "本级配套", FundRecordKind.allocation: "拨付",
                      FundRecordKind.donation: "社会捐赠"}


class FundRecord(SQLModel, table=True):
    """One movement into or between funds: `org_id` is the unit whose fund received it, `from_org_id` the fund an
    allocation came from. `yuan_fen` is the money it stands for, in fen (never a float); empty when not given."""

    __tablename__ = "fund_records"
    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),
                      CheckConstraint("yuan_fen IS NULL OR yuan_fen >= 0", name="yuan_fen_non_negative"))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(12))
    org_id: int = Field(foreign_key="org_units.id", index=True)
    from_org_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    year: int
    points: int
    yuan_fen: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    donor: str | None = Field(default=None, sa_type=String(100))
    note: str = Field(default="", sa_type=String(200))
    transaction_id: int = Field(foreign_key="ledger_transactions.id", unique=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class FundSettings(SQLModel, table=True):
    """A village's rate (app/org/settings.py's one shape): how many fen one point stands for (100: 1 元)."""

    __tablename__ = "fund_settings"
    __table_args__ = (CheckConstraint("fen_per_point > 0", name="fen_per_point_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    fen_per_point: int = Field(default=DEFAULT_FEN_PER_POINT,
                               sa_column_kwargs={"server_default": str(DEFAULT_FEN_PER_POINT)})
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------------

Yuan = StrictInt | StrictFloat | str | None  # 元 as a number or text ("12000.50"); kept in fen, never as a float


class _FundEntryCreate(SQLModel):
    """What every fund record is given: its points, the 元 they stand for, a note."""

    points: StrictInt
    yuan: Yuan = None
    note: str = ""


class BudgetCreate(_FundEntryCreate):
    org_id: StrictId
    year: StrictInt


class AllocationCreate(_FundEntryCreate):
    from_org_id: StrictId
    to_org_id: StrictId
    year: StrictInt | None = None


class DonationCreate(_FundEntryCreate):
    org_id: StrictId
    donor: str
    year: StrictInt | None = None


class FundRecordPublic(SQLModel):
    id: int
    kind: str
    org_id: int
    org_name: str
    from_org_id: int | None
    from_org_name: str | None
    year: int
    points: int
    yuan: str | None  # "12000.50"
    yuan_fen: int | None
    donor: str | None
    note: str
    transaction_id: int
    actor_id: int | None
    actor_name: str | None
    created_at: datetime
    balance_after: int | None = None  # the receiving fund's balance, on the answer to a write


class FundPublic(SQLModel):
    org_id: int
    balance: int
    received: int
    given: int
    spent: int


class FundRateUpdate(SQLModel):
    fen_per_point: StrictInt
