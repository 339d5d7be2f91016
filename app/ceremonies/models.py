"""婚丧事报备 (issue #22 item 3, 红白理事会): a family files a wedding, a funeral or another occasion against the
village's published standards (移风易俗: 婚事新办、丧事简办、其他不办); the council acknowledges it (备案) with its
advice and, after the event, records the outcome; an outcome within the standards credits the village's points for
it once, through the ledger's door. The details are the family's and the council's alone."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import StrictBool, StrictInt
from sqlalchemy import Date, Index, String
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow

MAX_NOTE = 200
MAX_PLACE = 60


class CeremonyKind(StrEnum):
    wedding = "wedding"  # 婚事: 新办
    funeral = "funeral"  # 丧事: 简办
    other = "other"  # 其他 (乔迁、升学、满月、祝寿): 不办 — no tables past the 其他事宜桌数 (0 by default)


KIND_LABELS = {CeremonyKind.wedding: "婚事", CeremonyKind.funeral: "丧事", CeremonyKind.other: "其他事宜"}


class CeremonyStatus(StrEnum):
    filed = "filed"  # 已报备: waits for the council to acknowledge it
    acknowledged = "acknowledged"  # 已备案: the council took note (and may have advised); the outcome comes after
    done = "done"  # 已办结: the council recorded how it was held


STATUS_LABELS = {CeremonyStatus.filed: "待备案", CeremonyStatus.acknowledged: "已备案",
                 CeremonyStatus.done: "已办结"}


@declare_actions
class CeremonyAction(AuditAction):
    ceremony_file = "ceremony.file", "婚丧事报备"
    ceremony_acknowledge = "ceremony.acknowledge", "婚丧事备案"
    ceremony_outcome = "ceremony.outcome", "记录婚丧事办理结果"


CEREMONY_TARGET = declare_target("ceremony", "婚丧事报备")


class CeremonyStandards(SQLModel, table=True):
    """A village's 红白事 standards (app/org/settings.py's one shape: one row per village, made when first set;
    the defaults until then). Money in whole 元."""

    __tablename__ = "ceremony_standards"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    max_tables: int = 10  # 酒席不超过 10 桌
    max_guests: int = 100  # 宾客不超过 100 人
    max_cost: int = 20_000  # 总花费不超过 2 万元
    max_gift: int = 200  # 每位宾客礼金不超过 200 元
    other_tables: int = 0  # 其他事宜（乔迁、升学、满月、祝寿）的桌数：0 = 不办
    points: int = 10  # 按标准办结的积分（0 = 不记积分）
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Ceremony(SQLModel, table=True):
    """One household's filing of one occasion: the plan as filed, the lines over the standards at filing (keys of
    the standards, comma-joined; empty = within), the council's acknowledgement and advice, the outcome as held."""

    __tablename__ = "ceremonies"
    __table_args__ = (Index("ix_ceremonies_village_id_status", "village_id", "status"),
                      Index("ix_ceremonies_village_id_created_at", "village_id", "created_at"))

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id", index=True)
    filed_by_id: int = Field(foreign_key="users.id")
    kind: str = Field(sa_type=String(10))
    event_date: date = Field(sa_type=Date())
    place: str = Field(sa_type=String(MAX_PLACE))
    tables: int
    guests: int
    cost: int  # expected, 元
    gift_limit: int  # 礼金 per guest the family sets, 元
    note: str = Field(default="", sa_type=String(MAX_NOTE))
    over_at_filing: str = Field(default="", sa_type=String(200))  # "max_tables:12:10,…" (rule:value:limit)
    status: str = Field(default=CeremonyStatus.filed, sa_type=String(12))
    acknowledged_by_id: int | None = Field(default=None, foreign_key="users.id")
    acknowledged_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    advice: str = Field(default="", sa_type=String(MAX_NOTE))
    within: bool | None = None  # the outcome: held within the standards
    actual_tables: int | None = None
    actual_guests: int | None = None
    actual_cost: int | None = None
    outcome_note: str = Field(default="", sa_type=String(MAX_NOTE))
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")
    recorded_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    points: int = 0  # credited for the outcome (the village's figure when it was recorded)
    credit_request_id: int | None = Field(default=None, foreign_key="award_requests.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------

class CeremonyCreate(SQLModel):
    kind: str
    event_date: str  # YYYY-MM-DD
    place: str = ""
    tables: StrictInt
    guests: StrictInt
    cost: StrictInt
    gift_limit: StrictInt
    note: str = ""
    household_id: StrictId | None = None  # an official filing on a household's behalf


class Acknowledgement(SQLModel):
    advice: str = ""


class Outcome(SQLModel):
    tables: StrictInt
    guests: StrictInt
    cost: StrictInt
    within: StrictBool | None = None  # the council's word; None: as the figures say
    note: str = ""


class StandardsUpdate(SQLModel):
    max_tables: StrictInt | None = None
    max_guests: StrictInt | None = None
    max_cost: StrictInt | None = None
    max_gift: StrictInt | None = None
    other_tables: StrictInt | None = None
    points: StrictInt | None = None


class OverLine(SQLModel):
    rule: str  # max_tables | max_guests | max_cost | max_gift | other_tables
    label: str  # 酒席桌数
    value: int
    limit: int


class CeremonyPublic(SQLModel):
    id: int
    village_id: int
    household_id: int
    filed_by_id: int
    kind: str
    kind_label: str
    event_date: date
    place: str
    tables: int
    guests: int
    cost: int
    gift_limit: int
    note: str
    within_standards: bool  # the plan as filed, against the standards at filing
    over: list[OverLine]
    status: str
    status_label: str
    acknowledged_by_id: int | None
    acknowledged_at: datetime | None
    advice: str
    within: bool | None
    actual_tables: int | None
    actual_guests: int | None
    actual_cost: int | None
    outcome_note: str
    recorded_by_id: int | None
    recorded_at: datetime | None
    points: int
    credit_status: str | None
    transaction_id: int | None
    created_at: datetime
