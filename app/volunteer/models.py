"""Service orders (新时代文明实践): menu, teams, orders, their timeline, photos, each village's rules."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictInt
from sqlalchemy import CheckConstraint, Column, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.audit.registry import AuditAction, declare_actions, declare_categories, declare_target
from app.ids import Id, StrictId
from app.org.models import VILLAGE_TARGET as ORG_VILLAGE_TARGET
from app.timeutil import ts_column, utcnow


class OrderStatus(StrEnum):
    open = "open"  # new: the station reviews it; volunteers of the village may take it from the pool
    dispatched = "dispatched"  # sent to a volunteer (or a team) who has not answered yet
    accepted = "accepted"
    completed = "completed"  # done, waiting for the villager's rating
    rated = "rated"  # the villager rated it: confirmed
    confirmed = "confirmed"  # the station confirmed it after the villager's time to rate ran out
    rejected = "rejected"
    cancelled = "cancelled"


STATUS_LABELS = {
    OrderStatus.open: "待派单", OrderStatus.dispatched: "已派单", OrderStatus.accepted: "服务中",
    OrderStatus.completed: "待评价", OrderStatus.rated: "已评价", OrderStatus.confirmed: "已确认",
    OrderStatus.rejected: "未受理", OrderStatus.cancelled: "已取消",
}
FINISHED = (OrderStatus.rated, OrderStatus.confirmed)  # the service is confirmed: hours count, points credited
CLOSED = (*FINISHED, OrderStatus.rejected, OrderStatus.cancelled)


class Level(StrEnum):
    village = "village"  # 新时代文明实践站
    township = "township"  # 所
    county = "county"  # 中心


LEVEL_LABELS = {Level.village: "村实践站", Level.township: "镇实践所", Level.county: "县实践中心"}
# The kind of org unit each level's station is (a village's 站, a township's 所, the county's 中心).
LEVEL_OF_KIND = {"village": Level.village, "township": Level.township, "county": Level.county}
CATEGORIES = ("生活服务", "医疗健康", "维修帮忙", "文化陪伴", "政策宣讲", "其他")


class Approval(StrEnum):
    none = "none"  # hours within the service's standard duration
    pending = "pending"  # above it: the station decides before any points
    approved = "approved"


@declare_actions
class VolunteerAction(AuditAction):
    service_create = "service.create", "新增服务项目"
    team_create = "team.create", "成立志愿队"
    team_member_add = "team.member_add", "加入志愿队"
    settings_update = "service_settings.update", "修改服务规则"
    order_create = "order.create", "点单"
    order_dispatch = "order.dispatch", "派单"
    order_redispatch = "order.redispatch", "改派"
    order_reject = "order.reject", "不予受理"
    order_accept = "order.accept", "接单"
    order_take = "order.take", "抢单"
    order_decline = "order.decline", "退回派单"
    order_decline_team = "order.decline_team", "退回派单，队里其他人可接"
    order_cancel = "order.cancel", "取消订单"
    order_withdraw = "order.withdraw", "村民取消订单"
    order_hand_down = "order.hand_down", "转交村实践站"
    order_complete = "order.complete", "完成服务"
    order_rate = "order.rate", "评单"
    order_rate_card = "order.rate_card", "凭户卡评单"  # at the station, for a household without a smartphone
    order_confirm = "order.confirm", "确认服务"
    order_approve_hours = "order.approve_hours", "核定服务时长"
    application_create = "volunteer_application.create", "申请当志愿者"
    application_decline = "volunteer_application.decline", "不同意志愿者申请"
    # an approval is the appointment itself: OrgAction.staff_appoint, detail {"application_id"}


ORDER_TARGET = declare_target("service_order", "服务订单")
SERVICE_TARGET = declare_target("volunteer_service", "服务项目")
declare_categories(SERVICE_TARGET, {c: c for c in CATEGORIES})  # the log says 生活服务, not a points category
TEAM_TARGET = declare_target("volunteer_team", "志愿队")
APPLICATION_TARGET = declare_target("volunteer_application", "志愿者申请")
VILLAGE_TARGET = ORG_VILLAGE_TARGET  # declared once, by the org (app/org/models.py)


class ServiceSettings(SQLModel, table=True):
    """A village's rules for service orders; a village without a row has the defaults."""

    __tablename__ = "service_settings"
    __table_args__ = (CheckConstraint("points_per_hour >= 0 AND monthly_cap >= 0", name="rules_non_negative"),)

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", unique=True)
    points_per_hour: int = 10
    monthly_cap: int = 200  # service points one volunteer's household may earn in a calendar month
    dispatch_hours: int = 24  # a new order should be dispatched (or taken) within this
    complete_days: int = 3  # and done within this many days of being ordered
    rate_days: int = 3  # the villager's time to rate; after it the station confirms
    wish_minutes: int = 120  # the standard duration of a wish that is not on the menu
    updated_by_id: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class VolunteerService(SQLModel, table=True):
    """One service on a menu: a village station's own, or a township's / county's, offered to all its villages."""

    __tablename__ = "volunteer_services"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org_units.id", index=True)  # the station, 所 or 中心 offering it
    level: str = Field(sa_type=String(10))
    name: str = Field(sa_type=String(40))
    category: str = Field(sa_type=String(20))
    description: str = Field(default="", sa_type=String(300))
    provider: str = Field(default="", sa_type=String(60))  # who provides it (a team, a clinic, …)
    standard_minutes: int = 60
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class VolunteerTeam(SQLModel, table=True):
    """A volunteer team of a station: a village's 站 (`village_id` set), or a township's 所 or the county's 中心
    (`village_id` NULL: the team serves every village under `org_id`)."""

    __tablename__ = "volunteer_teams"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org_units.id", index=True)  # the station's unit: village, township or county
    village_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)
    name: str = Field(sa_type=String(40))
    description: str = Field(default="", sa_type=String(200))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class VolunteerTeamMember(SQLModel, table=True):
    __tablename__ = "volunteer_team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="volunteer_teams.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)


class ApplicationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"


APPLICATION_LABELS = {ApplicationStatus.pending: "待审核", ApplicationStatus.approved: "已同意",
                      ApplicationStatus.declined: "未同意"}


class VolunteerApplication(SQLModel, table=True):
    """志愿者注册: a villager asks to volunteer in their village; the station (its officials) approves or declines.
    `open_user_id` is the applicant's id while it waits, NULL after: one open application per person (unique)."""

    __tablename__ = "volunteer_applications"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    open_user_id: int | None = Field(default=None, foreign_key="users.id", unique=True)
    skills: str = Field(sa_type=String(200))  # what they can do
    availability: str = Field(default="", sa_type=String(100))  # when they are free
    status: str = Field(default=ApplicationStatus.pending, sa_type=String(10))
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    reason: str = Field(default="", sa_type=String(200))  # why declined
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ServiceOrderPhoto(SQLModel, table=True):
    __tablename__ = "service_order_photos"

    id: int | None = Field(default=None, primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    content_type: str = Field(sa_type=String(30))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class ServiceOrder(SQLModel, table=True):
    __tablename__ = "service_orders"
    __table_args__ = (
        Index("ix_service_orders_village_id_status", "village_id", "status"),
        Index("ix_service_orders_station_id_status", "station_id", "status"),
        Index("ix_service_orders_village_id_created_at", "village_id", "created_at"),  # the dashboards' period
        CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="stars_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id")  # where the service is given (the household's village)
    # Whose order it is to dispatch: the village's 站 (= village_id), or the 所 / 中心 whose service was ordered,
    # until that level hands it down to the village station (issue #20).
    station_id: int = Field(foreign_key="org_units.id")
    service_id: int | None = Field(default=None, foreign_key="volunteer_services.id")
    title: str = Field(sa_type=String(40))  # the service's name then, or the villager's wish in a few words
    description: str = Field(default="", sa_type=String(500))
    address: str = Field(default="", sa_type=String(200))
    preferred_time: str = Field(default="", sa_type=String(60))
    standard_minutes: int = 60  # the service's standard duration when ordered
    household_id: int = Field(foreign_key="households.id", index=True)  # whose service it is
    for_name: str = Field(default="", sa_type=String(50))  # the member it is for (an elderly villager)
    requester_id: int = Field(foreign_key="users.id", index=True)  # who placed it
    on_behalf: bool = False  # placed by a helper or official for the villager
    helper_id: int | None = Field(default=None, foreign_key="users.id")  # placed by the household's 帮办员 (#21)
    status: str = Field(default=OrderStatus.open, sa_type=String(12))
    version: int = 0  # every transition moves it on: two at once cannot both pass (app/volunteer/machine.py)
    team_id: int | None = Field(default=None, foreign_key="volunteer_teams.id")
    volunteer_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    claimed_minutes: int | None = None  # the hours the volunteer reported
    credited_minutes: int | None = None  # the hours that count (the claim, or what the station approved)
    approval: str = Field(default=Approval.none, sa_type=String(10))
    note: str = Field(default="", sa_type=String(500))  # the volunteer's note on completion
    photo_id: int | None = Field(default=None, foreign_key="service_order_photos.id")
    stars: int | None = None
    comment: str = Field(default="", sa_type=String(300))
    points: int | None = None  # credited to the volunteer's household (after the village's cap)
    transaction_id: int | None = Field(default=None, foreign_key="ledger_transactions.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    changed_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    requester_seen_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    dispatched_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    accepted_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))
    settled_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))  # rated or confirmed
    credited_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))  # points decided (cap month)


class ServiceOrderEvent(SQLModel, table=True):
    """One step of an order's timeline: who did what, when, with which note. Append-only."""

    __tablename__ = "service_order_events"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="service_orders.id", index=True)
    action: str = Field(sa_type=String(20))
    from_status: str = Field(sa_type=String(12))
    to_status: str = Field(sa_type=String(12))
    actor_id: int | None = Field(default=None, foreign_key="users.id")  # None: the system (a scheduled confirm)
    note: str = Field(default="", sa_type=String(300))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


make_append_only(ServiceOrderEvent.__table__)


# --- API shapes ---------------------------------------------------------------------------------------------

class ServiceCreate(SQLModel):
    name: str
    category: str = "其他"
    description: str = ""
    provider: str = ""
    standard_hours: float = 1
    level: str = Level.village  # township / county: the town or county admin, for all their villages
    village_id: Id | None = None  # for someone over several villages (the town admin); else the caller's own


class ServicePublic(SQLModel):
    id: int
    name: str
    category: str
    description: str
    provider: str
    level: str
    standard_hours: float


class TeamCreate(SQLModel):
    name: str
    description: str = ""
    member_user_ids: list[StrictId] = Field(default_factory=list, max_length=50)
    village_id: Id | None = None
    org_id: Id | None = None  # a team of the township 所 or county 中心 (its town / county admin), not a village's


class TeamMemberAdd(SQLModel):
    user_id: StrictId


class MemberBrief(SQLModel):
    id: int
    name: str


class TeamPublic(SQLModel):
    id: int
    org_id: int
    village_id: int | None
    name: str
    description: str
    members: list[MemberBrief]


class OrderCreate(SQLModel):
    service_id: StrictId | None = None
    wish: str = ""  # a need not on the menu, in a few words (with service_id absent)
    description: str = ""
    address: str = ""
    preferred_time: str = ""
    household_id: StrictId | None = None  # on behalf of this household (a helper or official)
    for_name: str = ""  # the member it is for


class Dispatch(SQLModel):
    volunteer_user_id: StrictId | None = None
    team_id: StrictId | None = None


class Reason(SQLModel):
    reason: str


class HandDown(SQLModel):
    note: str = ""


class OptionalReason(SQLModel):
    reason: str = ""


class Completion(SQLModel):
    hours: float
    note: str = ""


class Rating(SQLModel):
    stars: StrictInt
    comment: str = ""


class CardRating(Rating):
    """评单 at the station with the served household's card and 卡密码 (a household without a smartphone)."""

    card_code: str
    pin: str


class HoursApproval(SQLModel):
    hours: float


class SettingsUpdate(SQLModel):
    points_per_hour: StrictInt | None = None
    monthly_cap: StrictInt | None = None
    dispatch_hours: StrictInt | None = None
    complete_days: StrictInt | None = None
    rate_days: StrictInt | None = None
    wish_hours: float | None = None
    village_id: Id | None = None


class SettingsPublic(SQLModel):
    village_id: int
    points_per_hour: int
    monthly_cap: int
    dispatch_hours: int
    complete_days: int
    rate_days: int
    wish_hours: float


class EventPublic(SQLModel):
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str | None
    note: str
    created_at: datetime


class OrderPublic(SQLModel):
    """An order as its reader may see it: a volunteer looking at the open pool gets the service, the 村民小组
    (`group`) and the time wished — no address, person or description (those are empty, their ids null)."""

    id: int
    village_id: int
    station_id: int  # who dispatches it: the village's 站, or the 所 / 中心 whose service it is
    station: str  # 村实践站, 镇实践所 or 县实践中心
    status: str
    status_label: str
    service_id: int | None
    title: str
    description: str
    address: str
    preferred_time: str
    group: str  # the 村民小组 of the address, if it names one
    household_id: int | None
    for_name: str
    requester_id: int | None
    requester: str
    on_behalf: bool
    helper: str = ""  # 由帮办员某某代办: the household's 帮办员 who placed it (issue #21)
    team_id: int | None
    team: str | None
    volunteer_user_id: int | None
    volunteer: str | None
    standard_hours: float
    hours: float | None
    credited_hours: float | None
    approval: str
    note: str
    photo_url: str | None
    stars: int | None
    comment: str
    points: int | None
    credit_status: str | None  # the points' credit: "posted", "pending" (above the village's limits, 待审批), "refused"
    credit_refusal: str = ""  # why a second person refused the credit (then the points never post)
    overdue: bool
    created_at: datetime
    changed_at: datetime
    events: list[EventPublic] = Field(default_factory=list)


class ApplicationCreate(SQLModel):
    skills: str = Field(max_length=400)
    availability: str = Field(default="", max_length=200)


class ApplicationPublic(SQLModel):
    id: int
    village_id: int
    user_id: int
    name: str
    phone: str | None
    skills: str
    availability: str
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None
