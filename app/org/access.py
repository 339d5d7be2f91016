"""Who may do what where: every role and tenancy check goes through here."""

from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.errors import Forbidden, NotFound
from app.org.models import Household, OrgKind, OrgUnit, Role, RoleAssignment, User

# Roles that see a village's households and their books.
STAFF_READ = (Role.official, Role.town_admin, Role.county_admin)


@dataclass
class Actor:
    """A signed-in user with the villages each of their roles covers."""

    user: User
    roles: list[RoleAssignment]
    covered: dict[str, set[int]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.user.id  # type: ignore[return-value]

    def villages(self, *roles: str) -> set[int]:
        """Villages where the actor holds any of `roles` (directly or from a higher level)."""
        found: set[int] = set()
        for role in roles:
            found |= self.covered.get(role, set())
        return found

    def has_role(self, *roles: str) -> bool:
        return any(assignment.role in roles for assignment in self.roles)

    def can(self, village_id: int | None, *roles: str) -> bool:
        return village_id is not None and village_id in self.villages(*roles)

    def require(self, village_id: int | None, *roles: str) -> None:
        if not self.can(village_id, *roles):
            raise Forbidden()

    def require_any(self, *roles: str) -> None:
        if not self.has_role(*roles):
            raise Forbidden()


def load_actor(session: Session, user: User) -> Actor:
    roles = list(session.exec(select(RoleAssignment).where(RoleAssignment.user_id == user.id)))
    covered: dict[str, set[int]] = {}
    for assignment in roles:
        covered.setdefault(assignment.role, set()).update(villages_under(session, assignment.org_id))
    return Actor(user=user, roles=roles, covered=covered)


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


def visible_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor is one of its members or staff covering its village; else not found."""
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("找不到该农户")
    if actor.user.household_id == household.id or actor.can(household.village_id, *STAFF_READ):
        return household
    raise NotFound("找不到该农户")


def managed_household(session: Session, actor: Actor, household_id: int) -> Household:
    """The household if the actor is an official of its village; others get not found / forbidden."""
    household = visible_household(session, actor, household_id)
    actor.require(household.village_id, Role.official)
    return household


def member_of(session: Session, household: Household, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.household_id != household.id:
        raise NotFound("找不到该成员")
    return user


def own_household(session: Session, actor: Actor) -> Household:
    """The signed-in user's own household (pay code, receipts); users without one are refused."""
    household = session.get(Household, actor.user.household_id) if actor.user.household_id else None
    if household is None:
        raise Forbidden("您的账号还没有关联农户")
    return household
