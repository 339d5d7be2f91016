"""村务公开: disclosures with their versions, read receipts, questions, attachments; 四议两公开 decisions and their
steps; the village's 小微权力清单 (list of small powers)."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import CheckConstraint, Column, Date, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.audit.registry import AuditAction, declare_actions, declare_categories, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow
from app.votes import OUTCOME_LABELS, Outcome  # noqa: F401  (the one vote rule: app/votes.py)


class Category(StrEnum):
    party = "party"
    affairs = "affairs"
    finance = "finance"
    service = "service"


CATEGORY_LABELS = {Category.party: "党务", Category.affairs: "村务", Category.finance: "财务",
                   Category.service: "服务"}


class Step(StrEnum):
    """四议两公开, in order."""

    propose = "propose"  # 党组织提议
    discuss = "discuss"  # 两委会商议
    review = "review"  # 党员大会审议
    resolve = "resolve"  # 村民代表会议决议
    publish = "publish"  # 决议公开
    result = "result"  # 实施结果公开


STEPS = list(Step)
STEP_LABELS = {Step.propose: "党组织提议", Step.discuss: "两委会商议", Step.review: "党员大会审议",
               Step.resolve: "村民代表会议决议", Step.publish: "决议公开", Step.result: "实施结果公开"}
VOTE_STEPS = frozenset({Step.review, Step.resolve})  # the steps decided by a vote




@declare_actions
class DisclosureAction(AuditAction):
    publish = "disclosure.publish", "发布公开"
    revise = "disclosure.revise", "修订公开"
    attach = "disclosure.attach", "上传公开附件"
    informed = "disclosure.informed", "登记已线下告知"
    question = "disclosure.question", "提出问题"
    answer = "disclosure.answer", "答复问题"
    decision_create = "decision.create", "发起四议两公开事项"
    decision_step = "decision.step", "记录四议两公开步骤"
    powers_publish = "small_powers.publish", "发布小微权力清单新版本"


DISCLOSURE_TARGET = declare_target("disclosure", "公开事项")
declare_categories(DISCLOSURE_TARGET, CATEGORY_LABELS)
QUESTION_TARGET = declare_target("disclosure_question", "群众提问")
DECISION_TARGET = declare_target("decision", "四议两公开事项")
POWERS_TARGET = declare_target("small_powers", "小微权力清单")


class Disclosure(SQLModel, table=True):
    """One disclosure; its text lives in its versions (never changed in place). `title` and `version` mirror the
    newest version for lists."""

    __tablename__ = "disclosures"
    __table_args__ = (Index("ix_disclosures_village_id_category", "village_id", "category"),
                      Index("ix_disclosures_village_id_published_at", "village_id", "published_at"))

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    category: str = Field(sa_type=String(20))
    title: str = Field(sa_type=String(100))
    version: int = 1
    author_id: int | None = Field(default=None, foreign_key="users.id")  # None: posted by the system (ledger roots)
    published_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    revised_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class DisclosureVersion(SQLModel, table=True):
    __tablename__ = "disclosure_versions"
    __table_args__ = (UniqueConstraint("disclosure_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosures.id", index=True)
    version: int
    title: str = Field(sa_type=String(100))
    body: str = Field(sa_type=Text)
    reason: str = Field(default="", sa_type=String(200))  # why it was revised (empty for the first version)
    author_id: int | None = Field(default=None, foreign_key="users.id")  # None: the system
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class DisclosureRead(SQLModel, table=True):
    """A household has read a disclosure (or was told of it offline, by `informed_by`)."""

    __tablename__ = "disclosure_reads"
    __table_args__ = (UniqueConstraint("disclosure_id", "household_id"),)

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosures.id", index=True)
    household_id: int = Field(foreign_key="households.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    informed_by: int | None = Field(default=None, foreign_key="users.id")
    version: int
    read_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class DisclosureQuestion(SQLModel, table=True):
    __tablename__ = "disclosure_questions"

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosures.id", index=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    asker_id: int = Field(foreign_key="users.id")
    household_id: int | None = Field(default=None, foreign_key="households.id")
    show_name: bool = False
    body: str = Field(sa_type=String(500))
    answer: str | None = Field(default=None, sa_type=String(1000))
    answered_by: int | None = Field(default=None, foreign_key="users.id")
    answered_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class DisclosureFile(SQLModel, table=True):
    """An attachment: a photo (re-encoded, with a thumbnail), a PDF or an Excel file. Belongs to a disclosure or to a
    step of a decision."""

    __tablename__ = "disclosure_files"
    __table_args__ = (CheckConstraint("kind IN ('photo', 'pdf', 'xlsx')", name="file_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    disclosure_id: int | None = Field(default=None, foreign_key="disclosures.id", index=True)
    decision_step_id: int | None = Field(default=None, foreign_key="decision_steps.id", index=True)
    version: int | None = None  # the disclosure's version that first carried it (a step's file: None)
    kind: str = Field(sa_type=String(10))
    file_name: str = Field(sa_type=String(120))
    content_type: str = Field(sa_type=String(100))
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    thumbnail: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    uploaded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Decision(SQLModel, table=True):
    """A village decision going through 四议两公开; `steps_done` counts its recorded steps (0..6)."""

    __tablename__ = "decisions"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    title: str = Field(sa_type=String(100))
    summary: str = Field(default="", sa_type=String(1000))
    steps_done: int = 0
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class DecisionStep(SQLModel, table=True):
    __tablename__ = "decision_steps"
    __table_args__ = (UniqueConstraint("decision_id", "step"),
                      CheckConstraint("attendance >= 0", name="attendance_non_negative"))

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decisions.id", index=True)
    step: str = Field(sa_type=String(20))
    position: int  # 1..6
    held_on: date = Field(sa_column=Column(Date(), nullable=False))
    attendance: int
    expected: int | None = None  # how many should attend (members of the body), where known
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    outcome: str | None = Field(default=None, sa_type=String(20))  # Outcome, for the steps decided by a vote
    minutes: str = Field(default="", sa_type=Text)
    recorded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class SmallPowerVersion(SQLModel, table=True):
    """One published version of a village's 小微权力清单 (第 N 版): who published it, when. Its entries are the
    small_powers rows of that version; a change is a new version, the earlier ones stay readable."""

    __tablename__ = "small_power_versions"
    __table_args__ = (UniqueConstraint("village_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    version: int
    note: str = Field(default="", sa_type=String(200))  # what changed, in the official's words
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class SmallPower(SQLModel, table=True):
    """One entry of the village's 小微权力清单: what may be decided, by whom, in which steps, within what time. The
    rows of one `version` are never changed afterwards (a change writes a whole new version)."""

    __tablename__ = "small_powers"
    __table_args__ = (Index("ix_small_powers_village_id_version", "village_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    position: int = 0
    kind: str = Field(sa_type=String(30))  # 重大事项决策, 便民服务 …
    name: str = Field(sa_type=String(60))
    who: str = Field(sa_type=String(200))  # who approves
    steps: str = Field(sa_type=Text)  # one step a line
    time_limit: str = Field(default="", sa_type=String(60))
    basis: str = Field(default="", sa_type=String(200))  # the rule it rests on
    oversight: str = Field(default="", sa_type=String(200))  # where to complain


make_append_only(DisclosureVersion.__table__)
make_append_only(DecisionStep.__table__)


# --- API shapes ---------------------------------------------------------------------------------------------

class SmallPowerItem(SQLModel):
    """One entry as an official writes it (PUT /villages/{id}/small-powers sends the whole list)."""

    kind: str = ""
    name: str
    who: str
    steps: str
    time_limit: str = ""
    basis: str = ""
    oversight: str = ""


class SmallPowersUpdate(SQLModel):
    items: list[SmallPowerItem]
    note: str = ""
    base_version: StrictInt | None = None  # the version the editor started from

class DisclosureCreate(SQLModel):
    category: str
    title: str
    body: str


class RevisionCreate(SQLModel):
    title: str
    body: str
    reason: str


class FilePublic(SQLModel):
    id: int
    kind: str
    file_name: str
    size: int
    url: str
    thumbnail_url: str | None = None


class DisclosurePublic(SQLModel):
    id: int
    village_id: int
    category: str
    title: str
    body: str
    version: int
    published_at: datetime
    revised_at: datetime | None
    author: str
    reason: str = ""  # why the newest version was made
    read: bool = False  # whether the caller's household has read it
    attachments: list[FilePublic] = []


class DisclosureSummary(SQLModel):
    id: int
    category: str
    title: str
    version: int
    published_at: datetime
    read: bool


class VersionPublic(SQLModel):
    version: int
    title: str
    body: str
    reason: str
    author: str
    created_at: datetime
    attachments: list[FilePublic] = []  # the files this version carried: none added after it


class QuestionCreate(SQLModel):
    body: str
    show_name: bool = False


class AnswerCreate(SQLModel):
    answer: str


class QuestionPublic(SQLModel):
    id: int
    disclosure_id: int
    body: str
    asker: str | None  # None unless the asker allowed it (officials always see it)
    mine: bool = False
    answer: str | None
    answered_at: datetime | None
    created_at: datetime


class ReadRate(SQLModel):
    households: int
    read: int
    rate: float
    unread: list[dict]


class InformedCreate(SQLModel):
    household_id: StrictId


class DecisionCreate(SQLModel):
    title: str
    summary: str = ""


class StepCreate(SQLModel):
    step: str
    held_on: date
    attendance: StrictInt | None = None  # required: refused (422) when missing
    expected: StrictInt | None = None
    votes_for: StrictInt | None = None
    votes_against: StrictInt | None = None
    votes_abstain: StrictInt | None = None
    minutes: str = ""


class StepPublic(SQLModel):
    id: int
    step: str
    label: str
    position: int
    held_on: date
    attendance: int
    expected: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome: str | None = None  # passed | rejected | no_quorum, for the steps decided by a vote
    outcome_label: str | None = None  # 通过 | 未通过 | 不足法定人数
    minutes: str
    attachments: list[FilePublic] = []


class DecisionPublic(SQLModel):
    id: int
    village_id: int
    title: str
    summary: str
    status: str  # the next step to record, "done", or "failed" (a vote did not pass or lacked a quorum)
    steps: list[StepPublic]
    created_at: datetime
