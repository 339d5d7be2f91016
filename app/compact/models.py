"""村规民约 as a living document (issue #22 item 2): a village's compact is one disclosure (its text, in versions:
app/disclosure); an amendment proposes a new text and rides on a 四议两公开 decision (app/disclosure/decisions.py),
whose 决议公开 after a passed 村民代表会议 publishes the new version; the township's 村规民约大体检 checks the text in
force against a checklist."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow

MAX_REASON, MAX_DISCUSSION, MAX_NOTE = 500, 2000, 500


class AmendmentStatus(StrEnum):
    voting = "voting"  # 表决中: its decision is going through the steps
    passed = "passed"  # 已通过: the 村民代表会议 passed it; published at 决议公开
    published = "published"  # 已公布: the new version is in force
    rejected = "rejected"  # 未通过: a vote failed or lacked a quorum; the text stays as it was


STATUS_LABELS = {AmendmentStatus.voting: "表决中", AmendmentStatus.passed: "已通过，待公布",
                 AmendmentStatus.published: "已公布", AmendmentStatus.rejected: "未通过"}
OPEN_STATUSES = (AmendmentStatus.voting, AmendmentStatus.passed)


class CheckItem(StrEnum):
    """The 大体检's checklist: the brief's three and what the county plan asks (有利于实现自治、促进法治、善于德治)."""

    lawful = "lawful"
    current = "current"
    enforceable = "enforceable"
    procedure = "procedure"
    autonomy = "autonomy"
    rule_of_law = "rule_of_law"
    virtue = "virtue"


CHECK_ITEMS = {
    CheckItem.lawful: ("合法", "不违反宪法、法律法规和国家政策，不侵犯村民的人身权利、民主权利和合法财产权利"),
    CheckItem.current: ("现行", "反映本村现在的情况，没有过时的条款"),
    CheckItem.enforceable: ("可执行", "每条有明确的要求、奖惩和执行人"),
    CheckItem.procedure: ("程序合规", "经村民会议或村民代表会议讨论通过，并报乡镇备案"),
    CheckItem.autonomy: ("有利于实现自治", "村民参与制定和监督，村里的事村民商量着办"),
    CheckItem.rule_of_law: ("促进法治", "引导村民学法守法，依法解决矛盾纠纷"),
    CheckItem.virtue: ("善于德治", "弘扬孝老爱亲、移风易俗、邻里和睦等好风尚"),
}


@declare_actions
class CompactAction(AuditAction):
    create = "compact.create", "建立村规民约"
    propose = "compact.propose", "提出村规民约修订"
    discuss = "compact.discuss", "记录村民议事会讨论"
    passed = "compact.passed", "村规民约修订表决通过"
    reject = "compact.reject", "村规民约修订未通过"
    publish = "compact.publish", "公布村规民约新版本"
    checkup = "compact.checkup", "村规民约大体检"


COMPACT_TARGET = declare_target("compact", "村规民约")
AMENDMENT_TARGET = declare_target("compact_amendment", "村规民约修订")
CHECKUP_TARGET = declare_target("compact_checkup", "村规民约大体检")


class Compact(SQLModel, table=True):
    """A village's 村规民约: which disclosure holds its text (one a village)."""

    __tablename__ = "compacts"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    disclosure_id: int = Field(foreign_key="disclosures.id", unique=True)
    adopted_on: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))  # the first text's vote
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Amendment(SQLModel, table=True):
    """A proposed new text of the 村规民约 (the whole, or changed articles written into the whole), with its reason;
    it rides on its decision. `base_version` is the version it amends; `published_version` the one it made."""

    __tablename__ = "compact_amendments"
    __table_args__ = (Index("ix_compact_amendments_compact_id_status", "compact_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    compact_id: int = Field(foreign_key="compacts.id")
    decision_id: int = Field(foreign_key="decisions.id", unique=True)
    base_version: int
    body: str = Field(sa_type=Text)
    reason: str = Field(sa_type=String(MAX_REASON))
    status: str = Field(default=AmendmentStatus.voting, sa_type=String(10))
    checkup_id: int | None = Field(default=None, foreign_key="compact_checkups.id")  # the 体检 it answers
    # 村民议事会: where it was discussed — a date and a record for now; the councils' meeting at merge (the seam).
    discussed_on: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    discussion: str = Field(default="", sa_type=Text)
    proposed_by: int = Field(foreign_key="users.id")
    published_version: int | None = None
    published_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Checkup(SQLModel, table=True):
    """One 村规民约大体检 of a village's text in force (`version`), by the township: passed only when every item is."""

    __tablename__ = "compact_checkups"
    __table_args__ = (Index("ix_compact_checkups_village_id_checked_on", "village_id", "checked_on"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id")
    compact_id: int = Field(foreign_key="compacts.id")
    version: int
    checked_on: date = Field(sa_column=Column(Date(), nullable=False))
    passed: bool
    note: str = Field(default="", sa_type=String(MAX_NOTE))
    checked_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class CheckupItem(SQLModel, table=True):
    __tablename__ = "compact_checkup_items"
    __table_args__ = (UniqueConstraint("checkup_id", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    checkup_id: int = Field(foreign_key="compact_checkups.id", index=True)
    item: str = Field(sa_type=String(20))
    passed: bool
    note: str = Field(default="", sa_type=String(MAX_NOTE))


# --- API shapes ---------------------------------------------------------------------------------------------

class CompactCreate(SQLModel):
    body: str
    title: str = ""  # else 「<村名>村规民约」
    adopted_on: date | None = None


class ArticleChange(SQLModel):
    number: StrictId  # 1 = 第一条; one past the last adds an article
    text: str  # empty: the article is struck out (those after it move up)


class AmendmentCreate(SQLModel):
    reason: str
    body: str | None = None  # the whole new text, or
    articles: list[ArticleChange] | None = None  # the changed articles
    discussed_on: date | None = None
    discussion: str = ""
    checkup_id: StrictId | None = None


class DiscussionUpdate(SQLModel):
    discussed_on: date
    discussion: str


class CheckupItemIn(SQLModel):
    item: str
    passed: bool
    note: str = ""


class CheckupCreate(SQLModel):
    items: list[CheckupItemIn]
    checked_on: date | None = None  # today (Beijing) when left out
    note: str = ""
