"""What a new village starts with (issue #17 item 6): each domain registers a starter — the criteria catalogue
(app.evaluation.criteria), the service menu (app.volunteer.catalogue), the 小微权力清单 (app.disclosure.powers) —
and whoever makes a village (`POST /org-units`, `python -m app create-admin --tree`) calls `start_village`. The
org package imports no domain: app/domains.py imports the modules that register, so they are always registered."""

from collections.abc import Callable
from typing import Protocol

from sqlmodel import Session

from app.org.models import OrgKind, OrgUnit


class VillageStarter(Protocol):
    def __call__(self, session: Session, *, village: OrgUnit, actor_id: int | None) -> None: ...


_STARTERS: list[VillageStarter] = []


def register_village_starter(starter: Callable) -> Callable:
    """Register what every new village gets from a domain (once per function; usable as a decorator). A starter
    gives a village that already has its own nothing more."""
    if starter not in _STARTERS:
        _STARTERS.append(starter)
    return starter


def start_village(session: Session, village: OrgUnit, actor_id: int | None) -> None:
    """Give a new village every registered domain's defaults, in the caller's transaction."""
    if village.kind != OrgKind.village:
        return
    for starter in _STARTERS:
        starter(session, village=village, actor_id=actor_id)
    session.flush()


def starters() -> list[VillageStarter]:
    return list(_STARTERS)
