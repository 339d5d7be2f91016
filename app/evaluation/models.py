"""文明新风评比: each village's criteria, monthly rounds, committee scores, the published result lines, objections,
black-list follow-ups (教育转化)."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import Column, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.ledger.models import Category
from app.timeutil import ts_column, utcnow

# The six categories of the county plan §三(四) (the ledger's category names, so credits carry them), and the
# 其他 the plan's 等 allows for a village's own items.
EVALUATION_CATEGORIES = (Category.hard_work, Category.filial, Category.customs, Category.hygiene, Category.law,
                         Category.public_good, Category.other)
MAX_CRITERION_POINTS = 100
MAX_NOTICE_DAYS = 30


class ListKind(StrEnum):
    red = "red"
    black = "black"


LIST_LABELS = {ListKind.red: "红榜", ListKind.black: "黑榜"}


class RoundStatus(StrEnum):
    scoring = "scoring"  # the committee scores
    notice = "notice"  # 公示: results in front of the village, objections taken
    final = "final"  # points credited, the lists published


STATUS_LABELS = {RoundStatus.scoring: "评分中", RoundStatus.notice: "公示中", RoundStatus.final: "已完成"}

# How several committee members' scores become one result (shown on the round's page, applied in
# app.evaluation.service.combine): kept in words an official and a villager can check by hand.
COMBINATION_RULE = (
    "每户每项的得分：给这一项打了分的评比委员的分数取平均，四舍五入到整数。"
    "上榜：给这户打过分的委员中，超过一半的人选了这一项，这一项才算数（红榜、黑榜都按这一项定）；"
    "只有一位委员打分时，以他的为准。"
)


@declare_actions
class EvaluationAction(AuditAction):
    criterion_create = "criterion.create", "添加评比项目"
    criterion_update = "criterion.update", "修改评比项目"
    criterion_retire = "criterion.retire", "停用评比项目"
    criterion_delete = "criterion.delete", "删除评比项目"
    round_open = "evaluation.open", "开始评比"
    score_save = "evaluation.score", "评分"
    score_delete = "evaluation.score_delete", "删除评分"
    round_publish = "evaluation.publish", "评比公示"
    objection_file = "evaluation.objection", "提出异议"
    objection_answer = "evaluation.answer", "答复异议"
    round_finalize = "evaluation.finalize", "评比定榜"
    followup_record = "evaluation.followup", "教育转化记录"


CRITERION_TARGET = declare_target("criterion", "评比项目")
ROUND_TARGET = declare_target("evaluation_round", "评比")



class Criterion(SQLModel, table=True):
    __tablename__ = "evaluation_criteria"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    category: str = Field(sa_type=String(20))
    name: str = Field(sa_type=String(60))
    points: int = 0
    list_kind: str | None = Field(default=None, sa_type=String(10))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class EvaluationRound(SQLModel, table=True):
    __tablename__ = "evaluation_rounds"
    __table_args__ = (UniqueConstraint("village_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    month: str = Field(sa_type=String(7))
    status: str = Field(default=RoundStatus.scoring, sa_type=String(10))
    opened_by_id: int | None = Field(default=None, foreign_key="users.id")
    notice_days: int | None = None
    published_at: datetime | None = Field(default=None, sa_column=ts_column(True))
    notice_ends_at: datetime | None = Field(default=None, sa_column=ts_column(True))
    finalized_at: datetime | None = Field(default=None, sa_column=ts_column(True))
    finalized_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class EvidencePhoto(SQLModel, table=True):
    __tablename__ = "evaluation_photos"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(sa_type=String(30))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class Score(SQLModel, table=True):
    """One committee member's score of one household against one criterion in a round."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (UniqueConstraint("round_id", "household_id", "criterion_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_rounds.id", index=True)
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id")
    criterion_id: int = Field(foreign_key="evaluation_criteria.id")
    member_id: int = Field(foreign_key="users.id")
    points: int = 0
    reason: str = Field(sa_type=String(200))
    photo_id: int | None = Field(default=None, foreign_key="evaluation_photos.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ResultLine(SQLModel, table=True):
    """A published result: the combined score of one household on one criterion (fixed when the round is
    published; an official's correction is kept beside the original, never over it)."""

    __tablename__ = "evaluation_lines"
    # The boards and the coverage read a round's listed lines alone: by round and list, the household at hand.
    __table_args__ = (UniqueConstraint("round_id", "household_id", "criterion_id"),
                      Index("ix_evaluation_lines_round_list", "round_id", "list_kind", "corrected_list",
                            "household_id"))

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_rounds.id", index=True)
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id")
    criterion_id: int = Field(foreign_key="evaluation_criteria.id")
    points: int = 0
    list_kind: str | None = Field(default=None, sa_type=String(10))
    reason: str = Field(sa_type=String(500))
    scorers: int = 1
    corrected_points: int | None = None
    corrected_list: bool = True  # False: the correction took the line off its list
    correction_note: str = Field(default="", sa_type=String(200))
    corrected_by_id: int | None = Field(default=None, foreign_key="users.id")
    corrected_at: datetime | None = Field(default=None, sa_column=ts_column(True))


class Objection(SQLModel, table=True):
    """A villager's 异议 on a published line, and the official's public answer."""

    __tablename__ = "evaluation_objections"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_rounds.id", index=True)
    line_id: int = Field(foreign_key="evaluation_lines.id")
    village_id: int = Field(foreign_key="org_units.id")
    user_id: int = Field(foreign_key="users.id")
    text: str = Field(sa_type=String(500))
    answer: str | None = Field(default=None, sa_type=String(500))
    answered_by_id: int | None = Field(default=None, foreign_key="users.id")
    answered_at: datetime | None = Field(default=None, sa_column=ts_column(True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class FollowUp(SQLModel, table=True):
    """教育转化: a visit to a black-listed household; `transformed` takes it off that month's black list."""

    __tablename__ = "evaluation_followups"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="evaluation_rounds.id", index=True)
    village_id: int = Field(foreign_key="org_units.id")
    household_id: int = Field(foreign_key="households.id")
    visited_by: str = Field(sa_type=String(100))
    change: str = Field(sa_type=String(500))
    transformed: bool = False
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------

class CriterionCreate(SQLModel):
    category: str
    name: str
    points: StrictInt
    list: str | None = None
    village_id: StrictId | None = None


class CriterionUpdate(SQLModel):
    category: str | None = None
    name: str | None = None
    points: StrictInt | None = None
    list: str | None = None


class CriterionPublic(SQLModel):
    id: int
    village_id: int
    category: str
    name: str
    points: int
    list: str | None
    active: bool


class RoundCreate(SQLModel):
    month: str
    village_id: StrictId | None = None


class ScoreCreate(SQLModel):
    household_id: StrictId
    criterion_id: StrictId
    points: StrictInt
    reason: str


class ScorePublic(SQLModel):
    id: int
    round_id: int
    household_id: int
    criterion_id: int
    member_id: int
    member: str | None = None
    points: int
    reason: str
    photo_url: str | None = None
    updated_at: datetime


class PublishRequest(SQLModel):
    notice_days: StrictInt


class ObjectionCreate(SQLModel):
    text: str


class ObjectionAnswer(SQLModel):
    answer: str
    corrected_points: StrictInt | None = None
    remove_from_list: bool = False


class ObjectionPublic(SQLModel):
    id: int
    line_id: int
    text: str
    answer: str | None
    answered_at: datetime | None
    created_at: datetime


class LinePublic(SQLModel):
    id: int
    household_id: int
    household: str  # masked: 王*国
    criterion_id: int
    category: str
    item: str
    points: int  # as it stands (the correction, if any)
    original_points: int
    list: str | None
    reason: str
    corrected: bool
    correction_note: str
    objections: list[ObjectionPublic] = []
    photo_urls: list[str] = []  # evidence, for the committee, staff and the household itself


class RecusalPublic(SQLModel):
    """回避: a committee member of the household, who does not score it."""

    household_id: int
    household: str  # masked
    member: str  # masked


class RoundPublic(SQLModel):
    id: int
    village_id: int
    month: str
    status: str
    notice_days: int | None
    published_at: datetime | None
    notice_ends_at: datetime | None
    finalized_at: datetime | None
    rule: str = COMBINATION_RULE
    min_notice_days: int  # the shortest 公示 the town allows the village
    pending_credits: int = 0  # households whose credit waits for a second person after finalising
    refused_credits: int = 0  # households whose credit a second person refused (it never posts)
    recusals: list[RecusalPublic] = []
    lines: list[LinePublic] = []
    scores: list[ScorePublic] = []


class FollowUpCreate(SQLModel):
    visited_by: str
    change: str
    transformed: bool = False


class FollowUpPublic(SQLModel):
    id: int
    round_id: int
    household_id: int
    visited_by: str
    change: str
    transformed: bool
    created_at: datetime
