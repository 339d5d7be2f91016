"""One message for one person: what happened (kind), a short Chinese line, where to look (link), and when read."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from app.timeutil import ts_column, utcnow


class MessageKind(StrEnum):
    question_answer = "question_answer"  # an official answered my question on a disclosure
    objection_answer = "objection_answer"  # … my objection (异议) to an evaluation line
    order = "order"  # a step of my household's service order
    round_result = "round_result"  # the month's evaluation was finalised: my household's line
    award = "award"  # points posted to my household
    award_pending = "award_pending"  # an award waits for me to approve it
    shop_request = "shop_request"  # my 扫码兑换 expired or was refused
    claim = "claim"  # my household's 申报 was decided; a new one waits for me (committee, officials)
    ceremony = "ceremony"  # my household's 婚丧事报备 was acknowledged or its outcome recorded; a new one waits for me


KIND_LABELS = {
    MessageKind.question_answer: "问题答复", MessageKind.objection_answer: "异议答复", MessageKind.order: "服务单",
    MessageKind.round_result: "评比结果", MessageKind.award: "积分到账", MessageKind.award_pending: "待批准",
    MessageKind.shop_request: "兑换单", MessageKind.claim: "申报",
    MessageKind.ceremony: "婚丧事报备",
}


class Message(SQLModel, table=True):
    """A message is its reader's alone: listed, opened and marked read by that user only."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    kind: str = Field(sa_type=String(20))
    text: str = Field(sa_type=String(200))
    link: str = Field(default="", sa_type=String(200))  # a path of this site ("/disclosures/3#questions")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    read_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class MessagePublic(SQLModel):
    id: int
    kind: str
    kind_label: str
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None


class PushSubscription(SQLModel, table=True):
    """A phone's browser that asked to be told of its user's new messages (Web Push): where to send, and its keys."""

    __tablename__ = "push_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    endpoint: str = Field(sa_type=String(500), unique=True)
    p256dh: str = Field(sa_type=String(200))
    auth: str = Field(sa_type=String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class PushSubscriptionIn(SQLModel):
    """What the browser's PushSubscription.toJSON() holds."""

    endpoint: str = Field(max_length=500)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)
