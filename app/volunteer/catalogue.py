"""The menu (services of the village station, and of the township 所 and county 中心 above it), volunteer teams and
each village's rules for service orders."""

from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Forbidden, NotFound, ValidationFailed
from app.idempotency import create_once
from app.ids import in_range
from app.ledger.policy import village_policy
from app.org.access import (
    ADMINS,
    COUNTY_ADMINS,
    NOT_IN_A_VILLAGE,
    OFFICIALS,
    Actor,
    acting_household,
    covers_unit,
    get_visible,
    runs_station,
    station_unit,
    village_for,
)
from app.org.models import OrgKind, OrgUnit, Role, RoleAssignment, User
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.org.starters import register_village_starter
from app.text import clean_text
from app.volunteer.models import (
    CATEGORIES,
    SERVICE_TARGET,
    TEAM_TARGET,
    Level,
    ServiceSettings,
    VolunteerAction,
    VolunteerService,
    VolunteerTeam,
    VolunteerTeamMember,
)

MAX_HOURS = 24


def to_minutes(hours: float | int | None, *, label: str = "服务时长") -> int:
    """Hours as typed (1, 1.5) to whole minutes; 0 < hours ≤ 24. The range is checked before any arithmetic, so
    nan (no comparison holds), inf, 1e308 and a 400-digit integer are refused in words, never overflowed."""
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
        raise ValidationFailed(f"{label}应为 0 到 {MAX_HOURS} 之间的小时数")
    minutes = round(hours * 60)
    if not 0 < minutes <= MAX_HOURS * 60:
        raise ValidationFailed(f"{label}应为 0 到 {MAX_HOURS} 之间的小时数")
    return minutes


def hours(minutes: int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


# --- the village's rules ---------------------------------------------------------------------------------------

LIMITS = {"points_per_hour": (0, 1000, "每小时积分"), "monthly_cap": (0, 100_000, "每月积分上限"),
          "dispatch_hours": (1, 720, "派单时限（小时）"), "complete_days": (1, 60, "完成时限（天）"),
          "rate_days": (1, 60, "评价时限（天）")}
# The rules the town bounds (PUT /villages/{id}/service-bounds): rule → the bound's key in the village's policy.
TOWN_BOUNDS = {"points_per_hour": "max_points_per_hour", "monthly_cap": "max_service_cap"}

SERVICE_RULES = declare_kind(SettingsKind(
    name="service", model=ServiceSettings, writers=OFFICIALS, forbidden="只有村干部可以修改服务规则",
    label=VolunteerAction.settings_update.label,
    rules={**{key: Rule(low, high, label) for key, (low, high, label) in LIMITS.items()},
           "wish_minutes": Rule(1, MAX_HOURS * 60, "心愿单标准时长（分钟）")}))


def settings_for(session: Session, *, village_id: int) -> ServiceSettings:
    """The village's rules (the defaults until an official changes them)."""
    return read_settings(session, SERVICE_RULES, village_id)


def town_bounds(session: Session, *, village_id: int) -> dict[str, int]:
    """How far the town lets the village's officials raise its service points: {rule: bound}."""
    policy = village_policy(session, village_id=village_id)
    return {rule: getattr(policy, key) for rule, key in TOWN_BOUNDS.items()}


def points_rule(session: Session, *, village_id: int) -> tuple[int, int]:
    """Points per hour and the monthly cap a confirmed order is credited by: the village's rules, within the
    town's bounds even where the town lowered them after the village set its rules."""
    rules, bounds = settings_for(session, village_id=village_id), town_bounds(session, village_id=village_id)
    return (min(rules.points_per_hour, bounds["points_per_hour"]), min(rules.monthly_cap, bounds["monthly_cap"]))


def within_town_bounds(session: Session, village_id: int, values: dict[str, int]) -> None:
    """Points per hour and the monthly cap no higher than the town lets the village set them."""
    bounds = town_bounds(session, village_id=village_id)
    for key, value in values.items():
        if key in bounds and value > bounds[key]:
            raise ValidationFailed(f"{LIMITS[key][2]}不能超过乡镇设定的 {bounds[key]} 分", field=key)


def update_settings(session: Session, *, actor: Actor, village_id: int, values: dict) -> ServiceSettings:
    """An official sets the village's points per hour, monthly cap (each within the town's bound) and time
    limits; the wish's standard duration is typed in hours."""
    values = dict(values)
    if values.get("wish_hours") is not None:
        actor.require(village_id, OFFICIALS, SERVICE_RULES.forbidden)  # refused before the hours are read
        values["wish_minutes"] = to_minutes(values["wish_hours"], label="心愿单标准时长")
    values.pop("wish_hours", None)
    return write_settings(session, actor=actor, kind=SERVICE_RULES, village_id=village_id, values=values,
                          check=within_town_bounds)


# --- the menu --------------------------------------------------------------------------------------------------

def offering_units(session: Session, *, village_id: int) -> list[int]:
    """The village and the township and county above it: whose services its villagers may order."""
    units, current = [], session.get(OrgUnit, village_id)
    while current is not None:
        units.append(current.id)
        current = session.get(OrgUnit, current.parent_id) if current.parent_id else None
    return units


def menu(session: Session, *, village_id: int) -> list[VolunteerService]:
    """The services a village's villagers may order: the station's own first, then the 所's and the 中心's."""
    units = offering_units(session, village_id=village_id)
    rows = session.exec(select(VolunteerService).where(VolunteerService.org_id.in_(units),
                                                       VolunteerService.active)).all()
    rank = {Level.village: 0, Level.township: 1, Level.county: 2}
    return sorted(rows, key=lambda s: (rank.get(s.level, 3), s.category, s.id))


def menu_service(session: Session, *, village_id: int, service_id: int) -> VolunteerService:
    service = session.get(VolunteerService, service_id) if in_range(service_id) else None
    if service is None or not service.active or service.org_id not in offering_units(session, village_id=village_id):
        raise NotFound("找不到该服务项目")
    return service


def _offering_org(session: Session, *, actor: Actor, village_id: int, level: str) -> int:
    """Who offers a new service: the village station (its officials), the 所 (the town admin), the 中心 (county)."""
    units = offering_units(session, village_id=village_id)
    if level == Level.village:
        actor.require(village_id, OFFICIALS, "只有村干部可以添加本村的服务项目")
        return village_id
    if level == Level.township and len(units) > 1:
        actor.require(village_id, ADMINS, "只有乡镇管理员可以添加镇实践所的服务项目")
        return units[1]
    if level == Level.county and len(units) > 2:
        actor.require(village_id, COUNTY_ADMINS, "只有县管理员可以添加县实践中心的服务项目")
        return units[2]
    raise ValidationFailed("服务层级无效")


def create_service(session: Session, *, actor: Actor, village_id: int, name: str, category: str, description: str,
                   provider: str, standard_hours: float, level: str, idempotency_key: str | None
                   ) -> VolunteerService:
    """Add a service to the menu of a village (or of every village under the 所 / 中心)."""
    org_id = _offering_org(session, actor=actor, village_id=village_id, level=level)
    name = clean_text(name, label="服务名称", max_length=40)
    category = category if category in CATEGORIES else "其他"
    description = clean_text(description, label="服务说明", max_length=300, required=False, multiline=True)
    provider = clean_text(provider, label="服务提供方", max_length=60, required=False)
    minutes = to_minutes(standard_hours, label="标准时长")

    def action() -> VolunteerService:
        service = VolunteerService(org_id=org_id, level=level, name=name, category=category,
                                   description=description, provider=provider, standard_minutes=minutes)
        session.add(service)
        session.flush()
        record_action(session, actor_id=actor.id, action=VolunteerAction.service_create, village_id=village_id,
                      target_type=SERVICE_TARGET, target_id=service.id, target_label=name,
                      detail={"level": level, "category": category})
        return service

    return create_once(session, scope=f"user:{actor.id}:volunteer-service", key=idempotency_key,
                       payload={"org_id": org_id, "name": name, "category": category, "description": description,
                                "provider": provider, "minutes": minutes}, model=VolunteerService, action=action)


# A new village station's menu (the demo's, as a template): name, category, description, standard hours. The
# station edits it like any service it adds; the provider is the village's 新时代文明实践站 until it names a team.
DEFAULT_MENU = [
    ("理发", "生活服务", "上门为老人、行动不便的村民理发", 1),
    ("代购药品", "医疗健康", "按药方或清单到卫生院、药店代买药品送上门", 2),
    ("陪同就医", "医疗健康", "陪老人到乡镇卫生院或县医院看病、取药", 4),
    ("家电维修", "维修帮忙", "电视、电饭锅、电灯等小家电的检查和维修", 2),
    ("读报聊天", "文化陪伴", "给独居老人读报、聊天、讲讲村里的新鲜事", 1),
    ("打扫卫生", "生活服务", "帮独居老人打扫房间和院子", 2),
    ("代办证件", "政策宣讲", "帮忙准备材料，代办社保、医保、证件等", 2),
]


def seed_menu(session: Session, *, village: OrgUnit) -> list[VolunteerService]:
    """Give a village station the template menu (once: a station with services of its own keeps them)."""
    if session.exec(select(VolunteerService.id).where(VolunteerService.org_id == village.id)).first() is not None:
        return []
    provider = f"{village.name}新时代文明实践站"[:60]
    made = [VolunteerService(org_id=village.id, level=Level.village, name=name, category=category,
                             description=description, provider=provider, standard_minutes=hours * 60)
            for name, category, description, hours in DEFAULT_MENU]
    session.add_all(made)
    session.flush()
    return made


@register_village_starter
def _start(session: Session, *, village: OrgUnit, actor_id: int | None) -> None:
    seed_menu(session, village=village)


# --- volunteers and teams of each station: the village's 站, the township's 所, the county's 中心 (issue #20) ----

STATION_SUFFIX = {OrgKind.county: "新时代文明实践中心", OrgKind.township: "新时代文明实践所",
                  OrgKind.village: "新时代文明实践站"}


def station_name(session: Session, org_id: int) -> str:
    """示范村新时代文明实践站, 清河镇新时代文明实践所, 振风县新时代文明实践中心."""
    unit = session.get(OrgUnit, org_id)
    return f"{unit.name}{STATION_SUFFIX.get(OrgKind(unit.kind), '')}" if unit is not None else ""


def station_volunteers(session: Session, *, org_id: int) -> list[User]:
    """Users holding the volunteer role on the station's own unit (a village's, a township's or the county's)."""
    return list(session.exec(
        select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == Role.volunteer, RoleAssignment.org_id == org_id, User.active)
        .order_by(User.id)))


def village_volunteers(session: Session, *, village_id: int) -> list[User]:
    """Users holding the volunteer role in the village (directly)."""
    return station_volunteers(session, org_id=village_id)


def station_volunteer(session: Session, *, org_id: int, user_id: int) -> User:
    found = next((u for u in station_volunteers(session, org_id=org_id) if u.id == user_id), None)
    if found is None:
        raise ValidationFailed("该成员不是本实践站的志愿者")
    return found


def list_teams(session: Session, *, org_id: int) -> list[tuple[VolunteerTeam, list[User]]]:
    """A station's teams with their members (two queries)."""
    teams = list(session.exec(select(VolunteerTeam).where(VolunteerTeam.org_id == org_id)
                              .order_by(VolunteerTeam.id)))
    members: dict[int, list[User]] = {t.id: [] for t in teams}
    if teams:
        for team_id, user in session.exec(
                select(VolunteerTeamMember.team_id, User).join(User, VolunteerTeamMember.user_id == User.id)
                .where(VolunteerTeamMember.team_id.in_(list(members))).order_by(User.id)):
            members[team_id].append(user)
    return [(team, members[team.id]) for team in teams]


def visible_team(session: Session, actor: Actor, team_id: int) -> VolunteerTeam:
    """A village's team for those of the village; a 所's or 中心's for those of the unit or above it."""
    team = session.get(VolunteerTeam, team_id) if in_range(team_id) else None
    if team is not None and team.village_id is None:
        unit = session.get(OrgUnit, team.org_id)
        if unit is not None and covers_unit(session, actor, unit):
            return team
        raise NotFound("找不到该志愿队")
    return get_visible(session, actor, VolunteerTeam, team_id, missing="找不到该志愿队")


def station_team(session: Session, *, org_id: int, team_id: int) -> VolunteerTeam:
    team = session.get(VolunteerTeam, team_id) if in_range(team_id) else None
    if team is None or team.org_id != org_id:
        raise ValidationFailed("找不到该志愿队")
    return team


def team_unit(session: Session, *, actor: Actor, village_id: int | None, org_id: int | None) -> OrgUnit:
    """The station a new team is of: the 所 or 中心 named by `org_id` (its town / county admin), else the village
    (its officials). A unit the actor does not see is not found."""
    if org_id is None:
        village = service_village(session, actor, village_id)
        actor.require(village, OFFICIALS, "只有村干部可以成立志愿队")
        return session.get(OrgUnit, village)
    return station_unit(session, actor, org_id)


def create_team(session: Session, *, actor: Actor, unit: OrgUnit, name: str, description: str,
                member_ids: list[int], idempotency_key: str | None) -> VolunteerTeam:
    """The station's staff form a volunteer team of the station's volunteers (a village's officials, the 所's
    town admin, the 中心's county admin: `team_unit`)."""
    if not runs_station(actor, unit):
        raise Forbidden("只有村干部可以成立志愿队" if unit.kind == OrgKind.village
                        else "只有实践所、实践中心的管理员可以成立志愿队")
    name = clean_text(name, label="志愿队名称", max_length=40)
    description = clean_text(description, label="志愿队说明", max_length=200, required=False)
    members = sorted({station_volunteer(session, org_id=unit.id, user_id=uid).id for uid in member_ids})
    village_id = unit.id if unit.kind == OrgKind.village else None

    def action() -> VolunteerTeam:
        team = VolunteerTeam(org_id=unit.id, village_id=village_id, name=name, description=description)
        session.add(team)
        session.flush()
        for uid in members:
            session.add(VolunteerTeamMember(team_id=team.id, user_id=uid))
        record_action(session, actor_id=actor.id, action=VolunteerAction.team_create, village_id=village_id,
                      target_type=TEAM_TARGET, target_id=team.id, target_label=name,
                      detail={"members": len(members), "org_id": unit.id})
        return team

    return create_once(session, scope=f"user:{actor.id}:volunteer-team", key=idempotency_key,
                       payload={"org_id": unit.id, "name": name, "members": members}, model=VolunteerTeam,
                       action=action)


def add_team_member(session: Session, *, actor: Actor, team: VolunteerTeam, user_id: int) -> VolunteerTeam:
    unit = session.get(OrgUnit, team.org_id)
    if not runs_station(actor, unit):
        raise Forbidden("只有村干部可以调整志愿队" if team.village_id else "只有实践所、实践中心的管理员可以调整志愿队")
    user = station_volunteer(session, org_id=team.org_id, user_id=user_id)
    exists = session.exec(select(VolunteerTeamMember).where(VolunteerTeamMember.team_id == team.id,
                                                            VolunteerTeamMember.user_id == user.id)).first()
    if exists is None:
        session.add(VolunteerTeamMember(team_id=team.id, user_id=user.id))
        record_action(session, actor_id=actor.id, action=VolunteerAction.team_member_add, village_id=team.village_id,
                      target_type=TEAM_TARGET, target_id=team.id, target_label=team.name, detail={"name": user.name})
        session.flush()
    return team


def service_village(session: Session, actor: Actor, village_id: int | None = None) -> int:
    """The village whose menu, rules and ratings a request is about: the one named (one the actor belongs to or
    oversees), else the actor's household's, else the first they serve (`village_for`)."""
    household = acting_household(session, actor) if village_id is None else None
    return village_for(actor, village_id, household=household, refuse=NOT_IN_A_VILLAGE)
