"""Who may do what where: every role and tenancy check goes through here.

Two helpers carry tenancy for every domain:
- `get_visible(session, actor, Model, id, roles=…)` loads one object of a village the actor may see, else 404;
- `in_villages(stmt, actor, Model.village_id, roles=…)` narrows a query to the villages the actor may see.
Two more answer "which household, which village" for a request:
- `acting_household(session, actor)` (None without one) / `own_household(…)` (refused without one);
- `village_for(actor, village_id, roles=…)`: the village named if the actor covers it (else 404), or their own.
A domain names who may see or change its records with the role sets below and writes no tenancy code of its own.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlmodel import Session, select

from app.errors import ConflictOfInterest, Forbidden, NotFound, ValidationFailed
from app.ids import MAX_ID, in_range  # noqa: F401 - MAX_ID is imported from here too
from app.org.models import (
    ORG_KIND_LABELS,
    ROLE_LABELS,
    Household,
    OrgKind,
    OrgUnit,
    Role,
    RoleAssignment,
    User,
)

# Named role sets (a role covers its own village, or every village below its township or county).
EVERYONE = frozenset(Role)  # anyone who belongs to the village or oversees it
OFFICIALS = frozenset({Role.official})  # run the village: households, awards, corrections
VILLAGE_STAFF = frozenset({Role.official, Role.town_admin, Role.county_admin})  # read a village's records and books
ATTENDANTS = frozenset({Role.attendant})
ADMINS = frozenset({Role.town_admin, Role.county_admin})  # over the villages' officials
COUNTY_ADMINS = frozenset({Role.county_admin})
PLAIN_MEMBER = frozenset({Role.villager})
COMMITTEE = frozenset({Role.committee})  # the village's 评比委员: score households in an evaluation round
SHOP_KEEPERS = OFFICIALS  # open a village's shop, rename, pause, resume and close it (issue #17)
LIST_KEEPERS = OFFICIALS  # publish a new version of the village's 小微权力清单

RoleSet = Iterable[str] | str
M = TypeVar("M")
NO_VILLAGE = "找不到该村"
NOT_IN_A_VILLAGE = "您的账号还没有关联村"  # a user of no household and no village role


def _roles(roles: RoleSet) -> Iterable[str]:
    return (roles,) if isinstance(roles, str) else roles


@dataclass
class Actor:
    """A signed-in user with the villages each of their roles covers."""

    user: User
    roles: list[RoleAssignment]
    covered: dict[str, set[int]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id  # type: ignore[return-value]

    def villages(self, roles: RoleSet = EVERYONE) -> set[int]:
        """Villages where the actor holds any of `roles` (directly or from a higher level)."""
        found: set[int] = set()
        for role in _roles(roles):
            found |= self.covered.get(role, set())
        return found

    def first_village(self, roles: RoleSet = EVERYONE) -> int | None:
        return min(self.villages(roles), default=None)

    def has_role(self, roles: RoleSet) -> bool:
        wanted = set(_roles(roles))
        return any(assignment.role in wanted for assignment in self.roles)

    def can(self, village_id: int | None, roles: RoleSet) -> bool:
        return village_id is not None and village_id in self.villages(roles)

    def holds_at(self, org_id: int | None, roles: RoleSet) -> bool:
        """Whether the actor holds one of `roles` on this very unit (not from a unit above it)."""
        wanted = set(_roles(roles))
        return org_id is not None and any(a.role in wanted and a.org_id == org_id for a in self.roles)

    def require(self, village_id: int | None, roles: RoleSet, message: str | None = None) -> None:
        if not self.can(village_id, roles):
            raise Forbidden(message)

    def require_any(self, roles: RoleSet, message: str | None = None) -> None:
        if not self.has_role(roles):
            raise Forbidden(message)


def load_actor(session: Session, user: User) -> Actor:
    """The user with their roles and the villages each covers: one read for roles held in a village (most are),
    more only for a township's or county's (the villages below it)."""
    found = list(session.exec(select(RoleAssignment, OrgUnit.kind)
                              .outerjoin(OrgUnit, OrgUnit.id == RoleAssignment.org_id)
                              .where(RoleAssignment.user_id == user.id)))
    return actor_with(session, user, found)


def actor_with(session: Session, user: User, found: list[tuple[RoleAssignment, str | None]]) -> Actor:
    """`load_actor` from the user's role assignments already read, each with its unit's kind (the sign-in check
    reads them with the user: app.auth.service.token_holder)."""
    covered: dict[str, set[int]] = {}
    for assignment, kind in found:
        villages = ({assignment.org_id} if kind == OrgKind.village else set() if kind is None
                    else villages_under(session, assignment.org_id))
        covered.setdefault(assignment.role, set()).update(villages)
    return Actor(user=user, roles=[assignment for assignment, _ in found], covered=covered)


def villages_under(session: Session, org_id: int) -> set[int]:
    """The village ids at or below an org unit."""
    unit = session.get(OrgUnit, org_id)
    if unit is None:
        return set()
    if unit.kind == OrgKind.village:
        return {unit.id}  # type: ignore[arg-type]
    frontier, villages = [unit.id], set()
    while frontier:
        children = list(session.exec(select(OrgUnit).where(OrgUnit.parent_id.in_(frontier))))
        villages |= {c.id for c in children if c.kind == OrgKind.village}
        frontier = [c.id for c in children if c.kind != OrgKind.village]
    return villages


# --- the two tenancy helpers ----------------------------------------------------------------------------------

def get_visible(session: Session, actor: Actor, model: type[M], obj_id: int, *, roles: RoleSet = EVERYONE,
                village: Callable[[M], int | None] | None = None, also: Callable[[M], bool] | None = None,
                missing: str = "找不到该记录") -> M:
    """One `model` row whose village the actor covers with `roles` (or that `also` lets through), else not found.

    `village` says where a row belongs when it has no `village_id` of its own (a redemption: its shop's village).
    Another village's row is "not found", never "forbidden": its existence is not for outsiders to learn."""
    obj = session.get(model, obj_id) if in_range(obj_id) else None
    if obj is None:
        raise NotFound(missing)
    village_id = village(obj) if village is not None else obj.village_id  # type: ignore[attr-defined]
    if actor.can(village_id, roles) or (also is not None and also(obj)):
        return obj
    raise NotFound(missing)


def in_villages(stmt: Select, actor: Actor, column: Any, roles: RoleSet = EVERYONE) -> Select:
    """`stmt` narrowed to rows whose `column` (a village id) is a village the actor covers with `roles`."""
    return stmt.where(column.in_(sorted(actor.villages(roles))))


# --- households -----------------------------------------------------------------------------------------------

def visible_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor is one of its members or staff covering its village; else not found."""
    return get_visible(session, actor, Household, household_id, roles=VILLAGE_STAFF,
                       also=lambda h: actor.user.household_id == h.id, missing="找不到该农户")


def managed_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor is an official of its village; others get not found / forbidden."""
    household = visible_household(session, actor, household_id)
    actor.require(household.village_id, OFFICIALS)
    return household


def staff_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor is staff covering its village (an official, the town or county admin)."""
    return get_visible(session, actor, Household, household_id, roles=VILLAGE_STAFF, missing="找不到该农户")


def member_of(session: Session, household: Household, user_id: int) -> User:
    user = session.get(User, user_id) if in_range(user_id) else None
    if user is None or user.household_id != household.id:
        raise NotFound("找不到该成员")
    return user


# --- the acting household and the village a request is about (the one answer every domain asks for) ----------

def acting_household(session: Session, actor: Actor) -> Household | None:
    """The signed-in user's own household; None for a user without one (a town admin, an attendant from outside)."""
    household_id = actor.user.household_id
    return session.get(Household, household_id) if household_id else None


def own_household(session: Session, actor: Actor, message: str = "您的账号还没有关联农户") -> Household:
    """The signed-in user's own household (pay code, receipts, an order for themselves); users without one are
    refused with `message`."""
    household = acting_household(session, actor)
    if household is None:
        raise Forbidden(message)
    return household


def home_village(actor: Actor, household: Household | None = None, roles: RoleSet = EVERYONE) -> int | None:
    """The actor's own village: their `household`'s (from `acting_household`), else the lowest village they cover
    with `roles`; None when they have neither."""
    return household.village_id if household is not None else actor.first_village(roles)


def village_for(actor: Actor, village_id: int | None = None, roles: RoleSet = EVERYONE, *,
                household: Household | None = None, refuse: str | None = None) -> int:
    """The village a request is about.

    Named (`village_id`): that village, if the actor covers it with `roles`. Another village is not found (as in
    `get_visible`); with `refuse`, the actor's own village where they lack `roles` is refused (403) in those words.
    Not named: `home_village` — the household's village, else the lowest the actor covers with `roles`; an actor
    with none is refused with `refuse`, else not found."""
    if village_id is None:
        found = home_village(actor, household, roles)
        if found is None:
            raise Forbidden(refuse) if refuse is not None else NotFound(NO_VILLAGE)
        return found
    if actor.can(village_id, roles):
        return village_id
    if refuse is not None and actor.can(village_id, EVERYONE):
        raise Forbidden(refuse)
    raise NotFound(NO_VILLAGE)


def member_village(session: Session, actor: Actor) -> int | None:
    """The village a user belongs to (their profile's): their household's, else the village of a village-level
    role; None for staff of a township or county alone."""
    if actor.user.household_id:
        household = acting_household(session, actor)
        return household.village_id if household else None
    for assignment in actor.roles:
        unit = session.get(OrgUnit, assignment.org_id)
        if unit is not None and unit.kind == OrgKind.village:
            return unit.id
    return None


# --- 回避 (recusal): nobody decides a credit to their own household -----------------------------------------------

def may_decide_for(actor: Actor | None, household_id: int | None, *, involved: Iterable[int | None] = ()) -> bool:
    """Whether `actor` may take part in a decision that credits `household_id`: not while a member of that
    household, nor when already `involved` in it as another party (who proposed the credit, placed the order, did
    the service): a second decision must come from a second person. `None` is the system acting on a rule."""
    if actor is None:
        return True
    if household_id is not None and actor.user.household_id == household_id:
        return False
    return actor.id not in set(involved)


def require_may_decide_for(actor: Actor | None, household_id: int | None, *, involved: Iterable[int | None] = (),
                           message: str | None = None) -> None:
    """Refuse (403 conflict_of_interest) a decision `may_decide_for` does not allow: the one rule every door that
    credits points calls before it decides."""
    if not may_decide_for(actor, household_id, involved=involved):
        raise ConflictOfInterest(message)


# --- the county's tree and who runs it (issue #17) -------------------------------------------------------------

# A new unit of each kind: the kind of unit it goes under, and who may make (or rename) it there.
UNIT_MAKERS = {
    OrgKind.township: (OrgKind.county, COUNTY_ADMINS),
    OrgKind.village: (OrgKind.township, ADMINS),
    OrgKind.group: (OrgKind.village, OFFICIALS),
}
# (the kind of unit, a role held there) → who may appoint someone to it, or remove them.
APPOINTERS = {
    (OrgKind.township, Role.town_admin): COUNTY_ADMINS,
    (OrgKind.village, Role.official): ADMINS,
    (OrgKind.village, Role.committee): OFFICIALS,
    (OrgKind.village, Role.volunteer): OFFICIALS,
    (OrgKind.village, Role.attendant): OFFICIALS,
    # Volunteers of the township 所 and the county 中心 (issue #20): they serve every village below.
    (OrgKind.township, Role.volunteer): ADMINS,
    (OrgKind.county, Role.volunteer): COUNTY_ADMINS,
}
# Who reads a unit's staff list: those who appoint there, and the unit's own officials (town admins of a township).
STAFF_READERS = {OrgKind.county: COUNTY_ADMINS, OrgKind.township: ADMINS, OrgKind.village: VILLAGE_STAFF,
                 OrgKind.group: VILLAGE_STAFF}
NO_UNIT = "找不到该组织"


def unit_line(session: Session, unit: OrgUnit) -> set[int]:
    """The unit's id and the ids of every unit above it."""
    return units_over(session, [unit.id])  # type: ignore[list-item]


def covers_unit(session: Session, actor: Actor, unit: OrgUnit, roles: RoleSet = EVERYONE) -> bool:
    """Whether the actor holds one of `roles` on the unit or on a unit above it."""
    line, wanted = unit_line(session, unit), set(_roles(roles))
    return any(a.role in wanted and a.org_id in line for a in actor.roles)


def visible_unit(session: Session, actor: Actor, unit_id: int, roles: RoleSet = EVERYONE) -> OrgUnit:
    """A unit the actor holds a role on (or above) with `roles`; any other is not found."""
    unit = session.get(OrgUnit, unit_id) if in_range(unit_id) else None
    if unit is None or not covers_unit(session, actor, unit, roles):
        raise NotFound(NO_UNIT)
    return unit


def parent_for_new_unit(session: Session, actor: Actor, *, kind: str, parent_id: int) -> OrgUnit:
    """Where a new unit of `kind` goes: a parent of the right kind that the actor may make it under. Those who may
    make no such unit anywhere are refused; a parent they do not cover is not found."""
    if kind not in UNIT_MAKERS:
        raise ValidationFailed("只能新建乡镇、村或村民小组", field="kind")
    parent_kind, makers = UNIT_MAKERS[OrgKind(kind)]
    actor.require_any(makers, f"您不能新建{ORG_KIND_LABELS[OrgKind(kind)]}")
    parent = visible_unit(session, actor, parent_id, makers)
    if parent.kind != parent_kind:
        raise ValidationFailed(f"{ORG_KIND_LABELS[OrgKind(kind)]}要建在{ORG_KIND_LABELS[parent_kind]}下",
                               field="parent_id")
    return parent


def renamable_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit the actor may rename: the same people who may make a unit of its kind there."""
    unit = visible_unit(session, actor, unit_id)
    rule = UNIT_MAKERS.get(OrgKind(unit.kind))
    if rule is None or not covers_unit(session, actor, unit, rule[1]):
        raise Forbidden(f"您不能修改{ORG_KIND_LABELS[OrgKind(unit.kind)]}的名称")
    return unit


def staffed_unit(session: Session, actor: Actor, unit_id: int, *, role: str, user_id: int | None = None) -> OrgUnit:
    """A unit where the actor may appoint (or remove) someone to `role`, by the APPOINTERS table; not found for a
    unit they do not see, refused where they may not, and always for themselves (`user_id`)."""
    unit = visible_unit(session, actor, unit_id)
    appointers = APPOINTERS.get((OrgKind(unit.kind), Role(role)))
    if appointers is None:
        raise ValidationFailed(f"{ORG_KIND_LABELS[OrgKind(unit.kind)]}不设{ROLE_LABELS[Role(role)]}", field="role")
    if not covers_unit(session, actor, unit, appointers):
        raise Forbidden(f"您不能任免{unit.name}的{ROLE_LABELS[Role(role)]}")
    if user_id is not None:
        refuse_self(actor, user_id)
    return unit


def refuse_self(actor: Actor, user_id: int | None) -> None:
    """Nobody appoints or removes themselves."""
    if user_id == actor.id:
        raise Forbidden("不能任免自己")


def staff_list_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit whose staff the actor may list: those who appoint there and the unit's own officials."""
    unit = visible_unit(session, actor, unit_id)
    if not covers_unit(session, actor, unit, STAFF_READERS[OrgKind(unit.kind)]):
        raise Forbidden("只有干部和管理员可以查看职务名单")
    return unit


# --- the 新时代文明实践 stations: a village's 站, a township's 所, the county's 中心 (issue #20) -------------------

# Who runs each level's station (dispatches its orders, forms its teams): the role held on that very unit.
STATION_KEEPERS = {OrgKind.village: OFFICIALS, OrgKind.township: frozenset({Role.town_admin}),
                   OrgKind.county: COUNTY_ADMINS}
STATION_KINDS = {OrgKind.county: "县实践中心", OrgKind.township: "镇实践所", OrgKind.village: "村实践站"}


def runs_station(actor: Actor, unit: OrgUnit) -> bool:
    """Whether the actor runs the unit's station: an official of the village, the town admin of the township, the
    county admin of the county (a county admin is not the 所 of a township below)."""
    return unit.kind in STATION_KEEPERS and actor.holds_at(unit.id, STATION_KEEPERS[OrgKind(unit.kind)])


def station_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A station the actor runs; a unit they do not see is not found, one they see but do not run is refused."""
    unit = visible_unit(session, actor, unit_id)
    if not runs_station(actor, unit):
        label = STATION_KINDS.get(OrgKind(unit.kind), "实践站")
        raise Forbidden(f"只有{unit.name}的{_keeper_label(unit) if unit.kind in FUND_KEEPERS else ''}可以管理{label}")
    return unit


def own_stations(session: Session, actor: Actor) -> list[OrgUnit]:
    """The township 所 and county 中心 the actor runs (a town or county admin's), highest first."""
    rank = {OrgKind.county: 0, OrgKind.township: 1}
    units = [unit for a in actor.roles if a.role in ADMINS and (unit := session.get(OrgUnit, a.org_id)) is not None
             and unit.kind in rank and runs_station(actor, unit)]
    return sorted({u.id: u for u in units}.values(), key=lambda u: (rank[OrgKind(u.kind)], u.id))


# --- funds: 三级配套, allocations, donations (issue #17) -----------------------------------------------------------

TOWN_ADMINS = frozenset({Role.town_admin})
# Who books what a level puts in itself (本级配套) and what was donated to it: that level's own people.
FUND_KEEPERS = {OrgKind.county: COUNTY_ADMINS, OrgKind.township: TOWN_ADMINS, OrgKind.village: OFFICIALS}
# Who allocates from a fund to the units below it (a village's fund pays households, not units).
ALLOCATORS = {OrgKind.county: COUNTY_ADMINS, OrgKind.township: TOWN_ADMINS}
# Who reads a fund and its records: its keepers and those above them.
FUND_READERS = {OrgKind.county: COUNTY_ADMINS, OrgKind.township: ADMINS, OrgKind.village: VILLAGE_STAFF}
NO_FUND = "村民小组没有积分资金"


def fund_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A county, township or village whose fund the actor may read; a unit they do not see is not found."""
    unit = visible_unit(session, actor, unit_id)
    if unit.kind not in FUND_READERS:
        raise NotFound(NO_FUND)
    if not covers_unit(session, actor, unit, FUND_READERS[OrgKind(unit.kind)]):
        raise Forbidden("只有干部和管理员可以查看积分资金")
    return unit


def may_keep_fund(session: Session, actor: Actor, unit: OrgUnit) -> bool:
    return unit.kind in FUND_KEEPERS and covers_unit(session, actor, unit, FUND_KEEPERS[OrgKind(unit.kind)])


def may_allocate_from(session: Session, actor: Actor, unit: OrgUnit) -> bool:
    return unit.kind in ALLOCATORS and covers_unit(session, actor, unit, ALLOCATORS[OrgKind(unit.kind)])


def kept_fund_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A unit whose own input and donations the actor may book: the county admin the county's, a town admin their
    township's, an official their village's. A unit they do not see is not found; one they see, refused."""
    unit = fund_unit(session, actor, unit_id)
    if not may_keep_fund(session, actor, unit):
        raise Forbidden(f"{unit.name}的配套和捐赠由{unit.name}自己的{_keeper_label(unit)}登记")
    return unit


def allocation_units(session: Session, actor: Actor, *, from_id: int, to_id: int) -> tuple[OrgUnit, OrgUnit]:
    """The fund an allocation leaves and the unit it goes to: the county admin from the county to any of its
    townships and villages, a town admin from their township to its villages. A unit the actor does not see is not
    found; a fund they may not allocate from, refused; a unit not below the fund, refused as a mistake."""
    source = fund_unit(session, actor, from_id)
    if source.kind not in ALLOCATORS:
        raise ValidationFailed("村积分资金只用于给农户发积分，不能往下拨付", field="from_org_id")
    if not may_allocate_from(session, actor, source):
        raise Forbidden(f"{source.name}积分资金由{_keeper_label(source)}拨付")
    target = visible_unit(session, actor, to_id)
    if target.kind not in (OrgKind.township, OrgKind.village) or target.id == source.id \
            or source.id not in unit_line(session, target):
        raise ValidationFailed(f"只能拨付给{source.name}下属的乡镇或村", field="to_org_id")
    return source, target


def rate_village(actor: Actor, village_id: int) -> int:
    """A village whose 元 per point the actor sets: its officials only (another village is not found)."""
    return village_for(actor, village_id, OFFICIALS, refuse="积分折合金额由村干部设置")


def own_fund_unit(session: Session, actor: Actor) -> OrgUnit:
    """The highest unit whose fund the actor keeps (the county admin's county, a town admin's township, an
    official's village): where their 积分资金 link leads."""
    rank = {OrgKind.county: 0, OrgKind.township: 1, OrgKind.village: 2}
    kept = [unit for a in actor.roles if (unit := session.get(OrgUnit, a.org_id)) is not None
            and unit.kind in FUND_KEEPERS and a.role in FUND_KEEPERS[OrgKind(unit.kind)]]
    if not kept:
        raise Forbidden("只有干部和管理员可以查看积分资金")
    return min(kept, key=lambda unit: (rank[OrgKind(unit.kind)], unit.id))


def _keeper_label(unit: OrgUnit) -> str:
    return {OrgKind.county: "县管理员", OrgKind.township: "乡镇管理员", OrgKind.village: "村干部"}[OrgKind(unit.kind)]


# --- the roster (issue #17 item 3): households imported from a workbook and exported to one -------------------

# Who imports and exports a village's roster: its officials, and the town and county admins over it (the county admin
# setting up a county registers its households too).
ROSTER_KEEPERS = VILLAGE_STAFF


# Who registers a household (one at a time, or a roster): the same people as the roster's.
HOUSEHOLD_REGISTRARS = ROSTER_KEEPERS


def registering_village(actor: Actor, village_id: int | None) -> int:
    """The village a new household goes into: named, or the registrar's only one (an admin over several must name
    it); another village is not found, anyone else refused."""
    refuse = "只有村干部和乡镇、县管理员可以登记农户"
    if village_id is None and len(actor.villages(HOUSEHOLD_REGISTRARS)) > 1:
        raise ValidationFailed("请选择村", field="village_id")
    return village_for(actor, village_id, HOUSEHOLD_REGISTRARS, refuse=refuse)


def roster_village(actor: Actor, village_id: int | None) -> int:
    """The village whose roster the actor imports or exports: named, or their own; another village is not found, a
    villager or other staff of the village are refused."""
    return village_for(actor, village_id, ROSTER_KEEPERS, refuse="只有村干部和乡镇、县管理员可以导入或导出花名册")


# --- password resets ------------------------------------------------------------------------------------------

def password_resetters(member: Actor) -> frozenset[str]:
    """Who may reset a member's password: the village's officials (or above) for a plain villager; for anyone who
    holds a staff role — official, attendant, volunteer, committee — the town or county admin; for an admin, the
    county admin."""
    held = {assignment.role for assignment in member.roles}
    if held <= PLAIN_MEMBER:
        return VILLAGE_STAFF
    return COUNTY_ADMINS if held & ADMINS else ADMINS


def resettable_member(session: Session, actor: Actor, household: Household, user_id: int) -> tuple[User, str]:
    """A member of `household` whose password the actor may reset, and the role the actor does it as (the lowest
    that allows it); any other member is refused with the reason."""
    user = member_of(session, household, user_id)
    if actor.id == user.id:
        raise Forbidden("自己的密码请在“我的”里修改")
    target = load_actor(session, user)
    allowed = password_resetters(target)
    if not all(actor.can(village_id, allowed) for village_id in {household.village_id} | target.villages()):
        if not actor.can(household.village_id, VILLAGE_STAFF):
            raise Forbidden("只有村干部可以重置成员的密码")
        raise Forbidden("管理员的密码须由县管理员重置" if allowed == COUNTY_ADMINS else
                        "该成员有职务（志愿者、超市管理员、评比委员或村干部），密码须由乡镇管理员重置")
    return user, min((role for role in allowed if actor.can(household.village_id, {role})), key=_RANK.__getitem__)


def can_reset_password(session: Session, actor: Actor, household: Household, member: User) -> bool:
    try:
        resettable_member(session, actor, household, member.id)  # type: ignore[arg-type]
    except (Forbidden, NotFound):
        return False
    return True


_RANK = {Role.official: 0, Role.town_admin: 1, Role.county_admin: 2}


# --- the 人员管理 pages: what the actor may do on a unit (issue #17) ---------------------------------------------

MANAGERS = frozenset({Role.county_admin, Role.town_admin, Role.official})  # those with a 人员管理 page


def home_unit(session: Session, actor: Actor) -> OrgUnit:
    """The unit whose 人员管理 page is the actor's own: the highest they manage (the county admin's county, the town
    admin's township, the official's village); others are refused."""
    order = {Role.county_admin: 0, Role.town_admin: 1, Role.official: 2}
    held = sorted((a for a in actor.roles if a.role in MANAGERS), key=lambda a: (order[a.role], a.org_id))
    unit = session.get(OrgUnit, held[0].org_id) if held else None
    if unit is None:
        raise Forbidden("人员管理只对县、乡镇管理员和村干部开放")
    return unit


def creatable_kinds(session: Session, actor: Actor, unit: OrgUnit) -> list[OrgKind]:
    """The kinds of unit the actor may add under `unit` (UNIT_MAKERS)."""
    return [kind for kind, (parent_kind, makers) in UNIT_MAKERS.items()
            if unit.kind == parent_kind and covers_unit(session, actor, unit, makers)]


def appointable_roles(session: Session, actor: Actor, unit: OrgUnit) -> list[Role]:
    """The roles the actor may appoint (and remove) on `unit` (APPOINTERS)."""
    return [role for (kind, role), appointers in APPOINTERS.items()
            if unit.kind == kind and covers_unit(session, actor, unit, appointers)]


def may_rename(session: Session, actor: Actor, unit: OrgUnit) -> bool:
    rule = UNIT_MAKERS.get(OrgKind(unit.kind))
    return rule is not None and covers_unit(session, actor, unit, rule[1])


# --- 志愿者注册: who applies and who decides ---------------------------------------------------------------------

VOLUNTEER_APPOINTERS = APPOINTERS[(OrgKind.village, Role.volunteer)]  # the station: they also decide applications


def applicant_village(session: Session, actor: Actor) -> int:
    """The village a villager applies to volunteer in: their own household's (others are refused)."""
    household = own_household(session, actor, "只有本村村民可以申请成为志愿者")
    return household.village_id


def application_village(actor: Actor, village_id: int) -> int:
    """The village whose 志愿者注册 the actor reviews: the station (its officials); another village is not found."""
    return village_for(actor, village_id, VOLUNTEER_APPOINTERS, refuse="只有村干部可以审核志愿者申请")


def refuse_own_application(actor: Actor, applicant_id: int) -> None:
    """Nobody approves (or declines) their own application."""
    if applicant_id == actor.id:
        raise Forbidden("不能审核自己的申请")


# --- 文明实践活动 (issue #22 item 4): who publishes for which unit, who sees and runs an activity ------------

# The unit an activity is published for → who publishes (and runs) it there: the village 站's officials, the
# township 所's town admin, the county 中心's county admin (an admin above a township may act for its 所).
ACTIVITY_PUBLISHERS = {OrgKind.village: OFFICIALS, OrgKind.township: ADMINS, OrgKind.county: COUNTY_ADMINS}
# Who may sign up: the people of the villages it covers (a household there), and their volunteers.
VOLUNTEERS = frozenset({Role.volunteer})


def publishing_unit(session: Session, actor: Actor, org_id: int | None) -> OrgUnit:
    """The 站 / 所 / 中心 a new activity is published for: the unit named, if the actor publishes there (one they do not
    see is not found), else their own — an official's village, a town admin's township, the county admin's county.
    Anyone else (a villager, a volunteer, an attendant) is refused."""
    refuse = "只有村实践站、镇实践所和县实践中心的工作人员可以发布活动"
    if org_id is None:
        rank = {Role.official: 0, Role.town_admin: 1, Role.county_admin: 2}
        own = sorted((a for a in actor.roles if a.role in rank), key=lambda a: (rank[a.role], a.org_id))
        unit = session.get(OrgUnit, own[0].org_id) if own else None
        if unit is None:
            raise Forbidden(refuse)
    else:
        unit = visible_unit(session, actor, org_id)
    if unit.kind not in ACTIVITY_PUBLISHERS or not covers_unit(session, actor, unit,
                                                                   ACTIVITY_PUBLISHERS[OrgKind(unit.kind)]):
        raise Forbidden(refuse)
    return unit


def may_run_activity(session: Session, actor: Actor, org_id: int) -> bool:
    """Whether the actor runs activities of this unit (check-in, attendance, closing, photos): its publishers."""
    unit = session.get(OrgUnit, org_id)
    return (unit is not None and unit.kind in ACTIVITY_PUBLISHERS
            and covers_unit(session, actor, unit, ACTIVITY_PUBLISHERS[OrgKind(unit.kind)]))


def get_visible_under(session: Session, actor: Actor, model: type[M], obj_id: int, *, roles: RoleSet = EVERYONE,
                      missing: str = "找不到该记录") -> M:
    """One `model` row that belongs to an org unit (`org_id`: a village, a township or the county) covering a
    village the actor covers with `roles`, else not found — `get_visible` for what a 所 or 中心 owns."""
    obj = session.get(model, obj_id) if in_range(obj_id) else None
    if obj is None or not actor.villages(roles) & villages_under(session, obj.org_id):  # type: ignore[attr-defined]
        raise NotFound(missing)
    return obj


def units_over(session: Session, village_ids: Iterable[int]) -> set[int]:
    """These units (villages, for the activities they see) and every unit above them: their townships, the county."""
    found, frontier = set(village_ids), set(village_ids)
    while frontier:
        parents = set(session.exec(select(OrgUnit.parent_id).where(OrgUnit.id.in_(sorted(frontier)),
                                                                   OrgUnit.parent_id.is_not(None))))
        frontier = parents - found
        found |= parents
    return found


def participant_village(session: Session, actor: Actor, org_id: int) -> int:
    """The village under `org_id` a person takes part from: their household's, else one where they volunteer.
    Others (staff of no household there, another township's villagers) are refused."""
    covered = villages_under(session, org_id)
    household = acting_household(session, actor)
    if household is not None and household.village_id in covered:
        return household.village_id
    volunteering = actor.villages(VOLUNTEERS) & covered
    if volunteering:
        return min(volunteering)
    raise Forbidden("只有活动所在村的村民和志愿者可以报名")


# --- exports (issue #20): a unit's households, ledger entries, evaluation results and volunteer hours ------------

# Who exports a unit's records: the staff of that unit and those above it (as the funds are read).
EXPORTERS = {OrgKind.county: COUNTY_ADMINS, OrgKind.township: ADMINS, OrgKind.village: VILLAGE_STAFF}
NO_EXPORT = "村民小组没有单独的导出：请在所属的村导出"
_EXPORT_RANK = (Role.county_admin, Role.town_admin, Role.official)


def export_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A county, township or village whose records the actor may export; a unit they do not see is not found,
    one they see without being its staff (a villager, a volunteer) is refused."""
    unit = visible_unit(session, actor, unit_id)
    if unit.kind not in EXPORTERS:
        raise NotFound(NO_EXPORT)
    if not covers_unit(session, actor, unit, EXPORTERS[OrgKind(unit.kind)]):
        raise Forbidden("只有村干部和乡镇、县管理员可以导出数据")
    return unit


def export_role(session: Session, actor: Actor, unit: OrgUnit) -> Role:
    """The highest role by which the actor exports the unit's records (for the file's 导出人)."""
    line = unit_line(session, unit)
    held = {Role(a.role) for a in actor.roles if a.org_id in line}
    return next(role for role in _EXPORT_RANK if role in held and role in EXPORTERS[OrgKind(unit.kind)])


def may_export(session: Session, actor: Actor, unit: OrgUnit) -> bool:
    """Whether the actor may export the unit's records (for the link on its page)."""
    return unit.kind in EXPORTERS and covers_unit(session, actor, unit, EXPORTERS[OrgKind(unit.kind)])


# --- dashboards (issue #20) -----------------------------------------------------------------------------------------

# Who reads a unit's dashboard: its staff or those above it (the county admin every unit, a town admin its township
# and villages, an official or committee member their village).
DASHBOARD_READERS = frozenset({Role.county_admin, Role.town_admin, Role.official, Role.committee})
DASHBOARD_KINDS = (OrgKind.county, OrgKind.township, OrgKind.village)


def dashboard_unit(session: Session, actor: Actor, unit_id: int) -> OrgUnit:
    """A county, township or village whose dashboard the actor may read: a unit they do not see (another township,
    a 村民小组) is not found; one they belong to without a staff role (a villager's own village) is refused."""
    unit = visible_unit(session, actor, unit_id)
    if unit.kind not in DASHBOARD_KINDS:
        raise NotFound(NO_UNIT)
    if not covers_unit(session, actor, unit, DASHBOARD_READERS):
        raise Forbidden("统计看板只对村干部、评比委员和乡镇、县管理员开放")
    return unit


def home_dashboard_unit(session: Session, actor: Actor) -> OrgUnit:
    """The highest unit whose dashboard the actor reads (the county admin's county, the town admin's township, the
    official's or committee member's village); others are refused."""
    order = {Role.county_admin: 0, Role.town_admin: 1, Role.official: 2, Role.committee: 3}
    held = sorted((a for a in actor.roles if a.role in DASHBOARD_READERS), key=lambda a: (order[a.role], a.org_id))
    unit = session.get(OrgUnit, held[0].org_id) if held else None
    if unit is None:
        raise Forbidden("统计看板只对村干部、评比委员和乡镇、县管理员开放")
    return unit
