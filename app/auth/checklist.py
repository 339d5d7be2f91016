"""The first hour, guided (issue #17 item 7): on 首页, each administrator sees what their unit still needs before it
can run — a county admin the townships, villages, officials and funds; a town admin its villages, their officials and
funds; an official the roster, the shop, the committee, the volunteers and the criteria. Each item links to the page
that does it and ticks itself when the tables say it is done; a unit with everything done shows nothing.

Read-only, a handful of counting queries per unit; it reads the domains' tables (models only) and writes nothing."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.evaluation.models import Criterion
from app.ledger.funds import fund_figures
from app.org.access import Actor
from app.org.models import Household, OrgKind, OrgUnit, Role, RoleAssignment
from app.shop.models import Shop


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    href: str
    detail: str = ""  # what stands now, e.g. 「3 个村中 2 个已有村干部」


@dataclass(frozen=True)
class Checklist:
    unit: OrgUnit
    steps: list[Step]

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)


# The role whose 首页 shows a unit's checklist, and the kind of unit it holds.
_OWNERS = ((Role.county_admin, OrgKind.county), (Role.town_admin, OrgKind.township), (Role.official, OrgKind.village))


def setup_checklists(session: Session, actor: Actor) -> list[Checklist]:
    """The checklists of the units this actor runs that still have something to do."""
    lists: list[Checklist] = []
    for role, kind in _OWNERS:
        for org_id in sorted({a.org_id for a in actor.roles if a.role == role}):
            unit = session.get(OrgUnit, org_id)
            if unit is None or unit.kind != kind:
                continue
            steps = _village_steps(session, unit) if kind == OrgKind.village else _area_steps(session, unit)
            if not all(step.done for step in steps):
                lists.append(Checklist(unit=unit, steps=steps))
    return lists


def _area_steps(session: Session, unit: OrgUnit) -> list[Step]:
    """A county's or township's: its units below, an official in every village, points in its fund."""
    page = f"/org/units/{unit.id}"
    steps: list[Step] = []
    villages: list[int]
    if unit.kind == OrgKind.county:
        townships = _children(session, [unit.id], OrgKind.township)
        steps.append(Step("添加乡镇", bool(townships), page, f"已有 {len(townships)} 个乡镇"))
        villages = _children(session, townships, OrgKind.village)
        admins = _holders(session, townships, Role.town_admin)
        steps.append(Step("任命乡镇管理员", bool(townships) and admins >= len(townships), page,
                          f"{len(townships)} 个乡镇中 {admins} 个已有管理员"))
    else:
        villages = _children(session, [unit.id], OrgKind.village)
    steps.append(Step("添加村", bool(villages), page, f"已有 {len(villages)} 个村"))
    staffed = _holders(session, villages, Role.official)
    steps.append(Step("任命村干部", bool(villages) and staffed >= len(villages), page,
                      f"{len(villages)} 个村中 {staffed} 个已有村干部"))
    steps.append(Step("积分资金入账", _fund_received(session, unit), f"/funds/{unit.id}",
                      "三级配套、社会捐赠或上级拨付"))
    return steps


def _village_steps(session: Session, village: OrgUnit) -> list[Step]:
    """A village's: its roster, shop, committee, volunteers, criteria and fund."""
    vid = village.id
    households = _count(session, select(func.count()).select_from(Household).where(Household.village_id == vid))
    shops = _count(session, select(func.count()).select_from(Shop).where(Shop.village_id == vid))
    committee = _holders_count(session, vid, Role.committee)
    volunteers = _holders_count(session, vid, Role.volunteer)
    criteria = _count(session, select(func.count()).select_from(Criterion)
                      .where(Criterion.village_id == vid, Criterion.active))
    page = f"/org/units/{vid}"
    return [
        Step("导入农户名册", households > 0, "/admin/households/import", f"已登记 {households} 户"),
        Step("开设积分超市", shops > 0, "/shop/manage", "超市名称、合作超市、超市管理员"),
        Step("组建评比委员会", committee > 0, page, f"已有 {committee} 位评比委员"),
        Step("任命志愿者", volunteers > 0, page, f"已有 {volunteers} 位志愿者"),
        Step("确认评比细则", criteria > 0, "/evaluation/criteria", f"已有 {criteria} 条细则"),
        Step("村积分资金到账", _fund_received(session, village), f"/funds/{vid}", "乡镇或县拨付、本村配套或捐赠"),
    ]


def _children(session: Session, parents: list[int], kind: OrgKind) -> list[int]:
    if not parents:
        return []
    return list(session.exec(select(OrgUnit.id).where(OrgUnit.parent_id.in_(parents), OrgUnit.kind == kind)))


def _holders(session: Session, units: list[int], role: Role) -> int:
    """How many of `units` have at least one holder of `role`."""
    if not units:
        return 0
    return _count(session, select(func.count(func.distinct(RoleAssignment.org_id)))
                  .where(RoleAssignment.org_id.in_(units), RoleAssignment.role == role))


def _holders_count(session: Session, unit_id: int | None, role: Role) -> int:
    return _count(session, select(func.count()).select_from(RoleAssignment)
                  .where(RoleAssignment.org_id == unit_id, RoleAssignment.role == role))


def _fund_received(session: Session, unit: OrgUnit) -> bool:
    """Whether any points ever came into the unit's fund (its own budget, a donation or an allocation)."""
    return fund_figures(session, org=unit).received > 0


def _count(session: Session, stmt) -> int:  # type: ignore[no-untyped-def]
    return int(session.exec(stmt).one())
