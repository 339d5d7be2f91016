"""The village switch (村 chips on top of a village page) for those who oversee several villages — a town admin, the
county admin: which village a page shows, and the others they may switch to. The page reads `?village_id=`; the
one rule of which village that may be is `access.village_for` (another township's village is not found)."""

from dataclasses import dataclass

from sqlmodel import Session

from app.org.access import EVERYONE, Actor, RoleSet, home_village, village_for
from app.org.models import Household
from app.org.service import village_name, villages_named


@dataclass(frozen=True)
class VillageSwitch:
    """The village a page is about, its name, and the villages the viewer may switch between (empty: just one)."""

    village_id: int | None  # None only where the page allows no village (`switch_village(…, none_ok=True)`)
    name: str
    choices: list[tuple[int, str]]

    def href(self, path: str) -> str:
        """`path` staying in the chosen village (`?village_id=N` added) for someone who switches; as is for others."""
        if not self.choices:
            return path
        return f"{path}{'&' if '?' in path else '?'}village_id={self.village_id}"


def switch_village(session: Session, actor: Actor, village_id: int | None, roles: RoleSet = EVERYONE, *,
                   household: Household | None = None, refuse: str | None = None,
                   none_ok: bool = False) -> VillageSwitch:
    """The village named by `?village_id=` if the actor covers it with `roles` (another is not found), else their
    own (`village_for`), with every village they cover with `roles` when that is more than one. With `none_ok`, a
    viewer of no village at all (a town admin before the township has villages) gets no village instead of 404."""
    if none_ok and village_id is None and home_village(actor, household, roles) is None:
        return VillageSwitch(village_id=None, name="", choices=[])
    chosen = village_for(actor, village_id, roles, household=household, refuse=refuse)
    covered = actor.villages(roles)
    choices = villages_named(session, village_ids=covered) if len(covered) > 1 else []
    return VillageSwitch(village_id=chosen, name=village_name(session, chosen), choices=choices)
