"""Organisation tree, households and the people in them."""

from datetime import datetime
from enum import StrEnum

from pydantic import StrictBool
from sqlalchemy import String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from app.audit.registry import AuditAction, declare_actions, declare_target
from app.ids import Id
from app.timeutil import ts_column, utcnow


class OrgKind(StrEnum):
    county = "county"
    township = "township"
    village = "village"
    group = "group"  # 村民小组: a part of a village (no records of its own)


ORG_KIND_LABELS = {OrgKind.county: "县", OrgKind.township: "乡镇", OrgKind.village: "村", OrgKind.group: "村民小组"}

class Role(StrEnum):
    villager = "villager"
    attendant = "attendant"
    volunteer = "volunteer"
    official = "official"
    committee = "committee"
    town_admin = "town_admin"
    county_admin = "county_admin"


ROLE_LABELS = {
    Role.villager: "村民",
    Role.attendant: "超市管理员",
    Role.volunteer: "志愿者",
    Role.official: "村干部",
    Role.committee: "评比委员",
    Role.town_admin: "乡镇管理员",
    Role.county_admin: "县管理员",
}


@declare_actions
class OrgAction(AuditAction):
    household_create = "household.create", "登记农户"
    household_update = "household.update", "修改农户"
    member_create = "member.create", "添加成员"
    member_update = "member.update", "修改成员"
    member_deactivate = "member.deactivate", "停用成员"
    member_reset_password = "member.reset_password", "重置密码"
    # Every village rule (app/org/settings.py): detail {"kind", "changed": {field: [before, after]}}. The actions
    # written before it (shop_settings.update, shop_request.minutes, service_settings.update, points.award_limits,
    # points.village_bounds) stay declared so that old lines still read.
    village_settings = "village.settings", "修改村里的规则"
    # The county's tree and who runs it (app/org/units.py): detail {"kind", "parent_id"} / {"before", "after"} /
    # {"role", "org_id", "shop_id"?}.
    unit_create = "org_unit.create", "新建组织"
    unit_rename = "org_unit.rename", "组织改名"
    staff_appoint = "staff.appoint", "任命职务"
    staff_remove = "staff.remove", "免去职务"
    # A roster imported from a workbook (app/org/roster.py): one line for the whole file, detail {"households",
    # "members", "file"}.
    roster_import = "roster.import", "导入花名册"


HOUSEHOLD_TARGET = declare_target("household", "农户")
USER_TARGET = declare_target("user", "成员")
VILLAGE_TARGET = declare_target("village", "村")
ORG_UNIT_TARGET = declare_target("org_unit", "组织")



class OrgUnit(SQLModel, table=True):
    __tablename__ = "org_units"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=String(16))
    name: str = Field(sa_type=String(100))
    parent_id: int | None = Field(default=None, foreign_key="org_units.id", index=True)


class Household(SQLModel, table=True):
    __tablename__ = "households"

    id: int | None = Field(default=None, primary_key=True)
    village_id: int = Field(foreign_key="org_units.id", index=True)
    head_name: str = Field(sa_type=String(50))
    address: str = Field(default="", sa_type=String(200))
    group_id: int | None = Field(default=None, foreign_key="org_units.id")  # its 村民小组, if the village has them
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(50))
    phone: str | None = Field(default=None, sa_type=String(11), unique=True)
    password_hash: str | None = Field(default=None, sa_type=String(200))
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    relation: str = Field(default="", sa_type=String(20), sa_column_kwargs={"server_default": ""})  # 与户主关系
    active: bool = True
    token_version: int = 0
    # Set by a reset: the password is a one-time one, and nothing but choosing a new one works until then.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # 长辈模式: bigger text and targets, one column, four tiles on 首页 — the same pages with static/elder.css on.
    elder_mode: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class PasswordResetNotice(SQLModel, table=True):
    """「密码已由 张书记（村干部）于 … 重置」 for one member of the household, shown on their 首页 until seen. Names and
    the role are kept as they were at the reset."""

    __tablename__ = "password_reset_notices"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)  # who is told
    member_id: int = Field(foreign_key="users.id")  # whose password was reset
    member_name: str = Field(sa_type=String(50))
    reset_by_id: int = Field(foreign_key="users.id")
    reset_by_name: str = Field(sa_type=String(50))
    reset_by_role: str = Field(sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())
    seen_at: datetime | None = Field(default=None, sa_column=ts_column(nullable=True))


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "org_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(sa_type=String(20))
    org_id: int = Field(foreign_key="org_units.id", index=True)


# --- API shapes ---------------------------------------------------------------------------------------------

class MemberCreate(SQLModel):
    name: str
    phone: str | None = None
    password: str | None = None


class MemberUpdate(SQLModel):
    name: str | None = None
    phone: str | None = None


class PasswordReset(SQLModel):
    password: str


class PasswordChange(SQLModel):
    password: str
    current_password: str | None = None  # not asked after a reset (the one-time password was just used)


class ElderModeChange(SQLModel):
    on: StrictBool  # 长辈模式 on (true) or off (false)


class Deactivation(SQLModel):
    reason: str


class HouseholdCreate(SQLModel):
    head_name: str
    address: str = ""
    village_id: Id | None = None
    members: list[MemberCreate] = Field(default_factory=list, max_length=20)


class HouseholdUpdate(SQLModel):
    head_name: str | None = None
    address: str | None = None


class MemberPublic(SQLModel):
    id: int
    name: str
    phone: str | None
    active: bool
    must_change_password: bool = False


class HouseholdPublic(SQLModel):
    id: int
    village_id: int
    head_name: str
    address: str
    balance: int
    members: list[MemberPublic]


class HouseholdSummary(SQLModel):
    id: int
    village_id: int
    head_name: str
    address: str
    balance: int


class RolePublic(SQLModel):
    role: str
    org_id: int


class UserPublic(SQLModel):
    id: int
    name: str
    phone: str | None
    roles: list[RolePublic]
    village_id: int | None
    household_id: int | None
    must_change_password: bool = False  # true: every call but /me, /me/password and logout answers 403
                                        # password_change_required until a new password is set
    elder_mode: bool = False  # 长辈模式 is on for this user (PUT /me/elder-mode)


class OrgUnitCreate(SQLModel):
    kind: OrgKind
    name: str
    parent_id: Id


class OrgUnitRename(SQLModel):
    name: str


class OrgUnitPublic(SQLModel):
    id: int
    kind: str
    name: str
    parent_id: int | None


class OrgUnitDetail(OrgUnitPublic):
    children: list[OrgUnitPublic]


class StaffCreate(SQLModel):
    phone: str
    name: str
    role: Role
    shop_id: Id | None = None


class StaffAppointed(SQLModel):
    user_id: int
    role: str
    org_id: int
    one_time_password: str | None = None  # a new user's, shown this once: it must be changed at the first sign-in


class StaffPublic(SQLModel):
    user_id: int
    name: str
    phone: str | None
    role: str
    shop_id: int | None = None


class LoginRequest(SQLModel):
    phone: str
    password: str


class LoginResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserPublic
