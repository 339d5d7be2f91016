"""Villagers' own claims (申报, issue #22 item 5): a household claims one of its village's 评比 criteria for a good
deed, with a sentence and a photo; the village's committee or an official approves it (the criterion's points are
credited once through the ledger's door) or refuses it with a reason."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow

MAX_NOTE = 200  # a sentence: 门前三包做到了、帮邻居收了麦子


class ClaimStatus(StrEnum):
    pending = "pending"  # 待审核
    approved = "approved"  # 已通过: the credit is registered with the ledger (posted, or waiting for a second person)
    refused = "refused"  # 未通过, with a reason


STATUS_LABELS = {ClaimStatus.pending: "待审核", ClaimStatus.approved: "已通过", ClaimStatus.refused: "未通过"}


@declare_actions
class ClaimAction(AuditAction):
    claim_file = "claim.file", "村民申报"
    claim_approve = "claim.approve", "申报通过"
    claim_refuse = "claim.refuse", "申报不通过"


CLAIM_TARGET = declare_target("claim", "申报")


class Claim(SQLModel, table=True):
    """One household's claim of one criterion, on one day (Asia/Shanghai): at most one a criterion a day. The
    criterion's name, category and points are kept as they were when it was filed."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("household_id", "criterion_id", "claim_day"),
                      Index("ix_claims_village_id_status", "village_id", "status"))

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id", index=True)
    claimant_id: int = Field(foreign_key="users.id")
    criterion_id: int = Field(foreign_key="evaluation_criteria.id")
    criterion_name: str = Field(sa_type=String(60))
    category: str = Field(sa_type=String(20))
    points: int
    note: str = Field(sa_type=String(MAX_NOTE))
    photo_id: int | None = Field(default=None, foreign_key="evaluation_photos.id")
    status: str = Field(default=ClaimStatus.pending, sa_type=String(10))
    claim_day: date = Field(sa_type=Date())
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    refusal_reason: str = Field(default="", sa_type=String(200))
    credit_request_id: int | None = Field(default=None, foreign_key="award_requests.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------

class ClaimCreate(SQLModel):
    criterion_id: StrictId
    note: str = ""


class ClaimRefusal(SQLModel):
    reason: str = ""


class ClaimPublic(SQLModel):
    """A claim as it stands; `credit_status` once approved: `posted` (points in the balance, `transaction_id`),
    `pending` (above the village's limits: waiting for a second person) or `refused` (that person said no)."""

    id: int
    status: str
    status_label: str
    household_id: int
    village_id: int
    criterion_id: int
    criterion_name: str
    category: str
    points: int
    note: str
    photo_url: str | None
    claimant_id: int
    decided_by_id: int | None
    decided_at: datetime | None
    refusal_reason: str
    credit_status: str | None
    transaction_id: int | None
    created_at: datetime
