"""一约四会's four councils (issue #22 item 1): each village's 村民议事会, 红白理事会, 道德评议会 and 禁毒禁赌会, their
members (people of the village, appointed and removed by an official, each for a term), their meetings (date,
place, topics, the members who attended, minutes) and the resolutions voted at them; a meeting is published to the
village as a disclosure (村务公开)."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import StrictId
from app.timeutil import ts_column, utcnow
from app.votes import Meeting


class CouncilKind(StrEnum):
    assembly = "assembly"  # 村民议事会: discusses village matters (the 村规民约's amendments among them)
    ceremonies = "ceremonies"  # 红白理事会: 婚事新办、丧事简办
    morals = "morals"  # 道德评议会: its own body (README "一约四会": why not the 评比委员会)
    drugs = "drugs"  # 禁毒禁赌会


KINDS = list(CouncilKind)
KIND_LABELS = {CouncilKind.assembly: "村民议事会", CouncilKind.ceremonies: "红白理事会",
               CouncilKind.morals: "道德评议会", CouncilKind.drugs: "禁毒禁赌会"}
KIND_NOTES = {CouncilKind.assembly: "村里的大事小情，大家商量着办",
              CouncilKind.ceremonies: "婚事新办、丧事简办、其他不办",
              CouncilKind.morals: "评善评孝，弘扬好家风好民风",
              CouncilKind.drugs: "远离毒品赌博，守护平安家庭"}
# Each council sits with two thirds of its members and decides by more than half of those present (its 章程, in
# the shape of the 村民代表会议's rule: app/votes.py is the one rule of both).
MEETING_RULES = {kind: Meeting(KIND_LABELS[kind], (2, 3), "须有三分之二以上成员到会") for kind in KINDS}
MEMBER_TITLES = ("会长", "副会长", "成员")


class MeetingStatus(StrEnum):
    recorded = "recorded"  # 已记录: resolutions may still be added; officials only
    published = "published"  # 已公开: on 村务公开, read by the village; nothing changes any more


MEETING_STATUS_LABELS = {MeetingStatus.recorded: "待公开", MeetingStatus.published: "已公开"}


@declare_actions
class CouncilAction(AuditAction):
    member_appoint = "council.member_appoint", "任命理事会成员"
    member_remove = "council.member_remove", "免去理事会成员"
    meeting_record = "council.meeting_record", "记录理事会会议"
    resolution_record = "council.resolution_record", "记录会议决议"
    meeting_publish = "council.meeting_publish", "公开理事会会议"


COUNCIL_TARGET = declare_target("council", "一约四会")
MEETING_TARGET = declare_target("council_meeting", "理事会会议")


class Council(SQLModel, table=True):
    """One of a village's four councils (made for each village by its starter and by migration 0031)."""

    __tablename__ = "councils"
    __table_args__ = (UniqueConstraint("village_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    kind: str = Field(sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class CouncilMember(SQLModel, table=True):
    """A person's seat on a council for a term (from `start_on`, to `end_on` where set). Removal ends it
    (`removed_at`); the row stays, so meetings keep who attended."""

    __tablename__ = "council_members"
    __table_args__ = (Index("ix_council_members_council_id_user_id", "council_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id")
    village_id: int = Field(foreign_key="org_units.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    title: str = Field(default="成员", sa_type=String(10))
    start_on: date = Field(sa_column=Column(Date(), nullable=False))
    end_on: date | None = Field(default=None, sa_column=Column(Date(), nullable=True))
    appointed_by: int = Field(foreign_key="users.id")
    appointed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    removed_by: int | None = Field(default=None, foreign_key="users.id")
    removed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class CouncilMeeting(SQLModel, table=True):
    """A meeting of a council: `expected` is its members on the day (the quorum's base), `attendance` those of
    them who came (council_attendance)."""

    __tablename__ = "council_meetings"

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="councils.id", index=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    held_on: date = Field(sa_column=Column(Date(), nullable=False))
    place: str = Field(sa_type=String(60))
    topics: str = Field(sa_type=String(500))
    minutes: str = Field(default="", sa_type=Text)
    expected: int
    attendance: int
    status: str = Field(default=MeetingStatus.recorded, sa_type=String(10))
    disclosure_id: int | None = Field(default=None, foreign_key="disclosures.id")
    recorded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    published_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class CouncilAttendance(SQLModel, table=True):
    """A member present at a meeting."""

    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meetings.id", index=True)
    member_id: int = Field(foreign_key="council_members.id")


class CouncilResolution(SQLModel, table=True):
    """A resolution voted at a meeting, with its counts and what they decided (app/votes.py). It may name what it
    decides (`subject_type` + `subject_id`: a 村规民约 amendment, say), for the domain that owns that thing."""

    __tablename__ = "council_resolutions"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),
                      Index("ix_council_resolutions_subject", "subject_type", "subject_id"))

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meetings.id", index=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    position: int
    text: str = Field(sa_type=String(500))
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    outcome: str = Field(sa_type=String(20))  # app.votes.Outcome
    subject_type: str | None = Field(default=None, sa_type=String(30))
    subject_id: int | None = None
    recorded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------

class MemberCreate(SQLModel):
    user_id: StrictId
    title: str = "成员"
    start_on: date | None = None
    end_on: date | None = None


class MeetingCreate(SQLModel):
    held_on: date
    place: str = ""
    topics: str = ""
    minutes: str = ""
    attendee_ids: list[StrictId] = []  # members (their user ids) present


class ResolutionCreate(SQLModel):
    text: str = ""
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstain: int | None = None
    subject_type: str | None = None
    subject_id: StrictId | None = None


class MemberPublic(SQLModel):
    id: int
    user_id: int
    name: str  # masked for a reader who is not staff of the village
    title: str
    start_on: date
    end_on: date | None
    active: bool


class ResolutionPublic(SQLModel):
    id: int
    position: int
    text: str
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome: str
    outcome_label: str
    subject_type: str | None
    subject_id: int | None
    subject_link: str | None = None  # the page of what it decides (a 村规民约 amendment)


class MeetingPublic(SQLModel):
    id: int
    council_id: int
    kind: str
    council: str
    village_id: int
    held_on: date
    place: str
    topics: str
    minutes: str
    expected: int
    attendance: int
    quorum: bool
    attendees: list[str]
    status: str
    status_label: str
    disclosure_id: int | None
    published_at: datetime | None
    resolutions: list[ResolutionPublic]


class CouncilPublic(SQLModel):
    id: int
    village_id: int
    kind: str
    name: str
    note: str
    rule: str
    members: list[MemberPublic]
