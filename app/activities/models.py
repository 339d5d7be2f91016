"""文明实践活动 (issue #22 item 4): group activities a village 站, a township 所 or the county 中心 publishes, the
villagers' and volunteers' sign-ups, attendance (a rotating QR the organiser shows, or a list), and the photos
published after closing."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictBool, StrictInt
from sqlalchemy import CheckConstraint, Column, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import Id, StrictId
from app.timeutil import ts_column, utcnow

KINDS = ("卫生大扫除", "义诊", "文艺演出", "政策宣讲", "志愿服务", "其他")
MAX_PLACES = 10_000
MAX_POINTS = 200  # per participant: a credit above the village's limits waits for a second person anyway
MAX_PHOTOS = 12


class ActivityStatus(StrEnum):
    open = "open"  # published: sign-ups, check-in
    closed = "closed"  # attendance became points, once
    cancelled = "cancelled"


STATUS_LABELS = {ActivityStatus.open: "报名中", ActivityStatus.closed: "已结束", ActivityStatus.cancelled: "已取消"}


class SignupStatus(StrEnum):
    signed = "signed"
    cancelled = "cancelled"


class CheckinWay(StrEnum):
    qr = "qr"  # the participant scanned the organiser's rotating code
    by_list = "list"  # the organiser ticked the name
    walk_in = "walk_in"  # scanned the code without signing up, while places remained


CHECKIN_LABELS = {CheckinWay.qr: "扫码签到", CheckinWay.by_list: "名单签到", CheckinWay.walk_in: "现场报名签到"}


@declare_actions
class ActivityAction(AuditAction):
    activity_create = "activity.create", "发布文明实践活动"
    activity_signup = "activity.signup", "报名活动"
    activity_withdraw = "activity.withdraw", "取消报名"
    activity_checkin = "activity.checkin", "扫码签到"
    activity_attendance = "activity.attendance", "登记到场"
    activity_close = "activity.close", "结束活动"
    activity_photo = "activity.photo", "上传活动照片"


ACTIVITY_TARGET = declare_target("activity", "文明实践活动")


class Activity(SQLModel, table=True):
    """One group activity of a 站 (a village), 所 (a township) or 中心 (the county): the villages under `org_id`
    see it. `taken` counts the live sign-ups (a walk-in included), never above `places`."""

    __tablename__ = "activities"
    __table_args__ = (CheckConstraint("taken >= 0 AND taken <= places", name="places_taken"),
                      CheckConstraint("points >= 0", name="points_non_negative"))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org_units.id", index=True)
    title: str = Field(sa_type=String(40))
    kind: str = Field(default="其他", sa_type=String(20))
    place: str = Field(sa_type=String(100))
    description: str = Field(default="", sa_type=String(500))
    starts_at: datetime = Field(sa_column=ts_column())
    places: int
    taken: int = 0
    points: int = 0  # per participant, to the participant's household
    minutes: int | None = None  # volunteer hours a volunteer's attendance counts, if any
    walk_ins: bool = True  # someone not signed up may check in by the code while places remain
    status: str = Field(default=ActivityStatus.open, sa_type=String(10))
    organiser_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    closed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    closed_by_id: int | None = Field(default=None, foreign_key="users.id")


class ActivitySignup(SQLModel, table=True):
    """A person's sign-up (one row a person and activity: cancelling and signing up again reuse it), and whether
    they came. `household_id` is where their points go (their household when they signed up)."""

    __tablename__ = "activity_signups"
    __table_args__ = (UniqueConstraint("activity_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activities.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="households.id")
    status: str = Field(default=SignupStatus.signed, sa_type=String(10))
    checked_in_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    checkin_way: str | None = Field(default=None, sa_type=String(10))
    checked_in_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ActivityPhoto(SQLModel, table=True):
    __tablename__ = "activity_photos"

    id: int | None = Field(default=None, primary_key=True)
    activity_id: int = Field(foreign_key="activities.id", index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(sa_type=String(30))
    uploaded_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


# --- API shapes ---------------------------------------------------------------------------------------------------

class ActivityCreate(SQLModel):
    title: str = Field(max_length=200)
    starts_at: datetime
    place: str = Field(max_length=400)
    places: StrictInt
    points: StrictInt = 0
    kind: str = Field(default="其他", max_length=40)
    description: str = Field(default="", max_length=2000)
    hours: float | None = None  # volunteer hours a volunteer's attendance counts
    walk_ins: StrictBool = True
    org_id: Id | None = None  # the 站 / 所 / 中心 publishing it; else the publisher's own


class Attendance(SQLModel):
    user_ids: list[StrictId] = Field(max_length=MAX_PLACES)
    absent_user_ids: list[StrictId] = Field(default_factory=list, max_length=MAX_PLACES)  # ticked off again


class Checkin(SQLModel):
    token: str = Field(max_length=200)


class SignupPublic(SQLModel):
    user_id: int
    name: str
    household_id: int | None
    status: str  # signed / cancelled
    attended: bool
    checkin_way: str | None
    checked_in_at: datetime | None
    points: int | None = None  # after closing: what the household was credited for this person
    credit_status: str | None = None  # posted, pending (a second person decides), refused


class ActivityPublic(SQLModel):
    id: int
    org_id: int
    organiser: str  # the 站 / 所 / 中心
    title: str
    kind: str
    place: str
    description: str
    starts_at: datetime
    places: int
    taken: int
    points: int
    hours: float | None
    walk_ins: bool
    status: str
    status_label: str
    my_signup: SignupPublic | None  # the caller's own
    may_organise: bool
    signups: list[SignupPublic] | None = None  # for the organiser
    no_shows: list[SignupPublic] | None = None  # after closing, for the organiser
    photo_urls: list[str] = Field(default_factory=list)
    closed_at: datetime | None
    created_at: datetime


class CheckinCode(SQLModel):
    token: str
    url: str
    expires_at: datetime
