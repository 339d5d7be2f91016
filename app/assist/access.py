"""Which households a 帮办员 may act for, built on app/org/access.py: a helper's current appointments only (an
ended one gives nothing; another village's household, or one they do not help, is not found)."""

from sqlmodel import Session, select

from app.assist.models import HouseholdHelper
from app.errors import NotFound
from app.ids import in_range
from app.org.access import OFFICIALS, Actor, village_for
from app.org.models import Household

NO_HELPED = "找不到该农户（您不是这一户的帮办员，或帮办已结束）"
HELPER_KEEPERS = OFFICIALS  # appoint and end a village's 帮办员


def active_appointment(session: Session, actor: Actor, household_id: int) -> HouseholdHelper | None:
    """The actor's current appointment as 帮办员 of this household, if any."""
    if not in_range(household_id):
        return None
    return session.exec(
        select(HouseholdHelper).where(
            HouseholdHelper.household_id == household_id,
            HouseholdHelper.helper_id == actor.id,
            HouseholdHelper.ended_at.is_(None),
        )
    ).first()


def helped_household(session: Session, actor: Actor, household_id: int) -> tuple[Household, HouseholdHelper]:
    """A household the actor helps now, with the appointment; any other is not found."""
    appointment = active_appointment(session, actor, household_id)
    household = session.get(Household, household_id) if appointment is not None else None
    if household is None:
        raise NotFound(NO_HELPED)
    return household, appointment


def helper_village(actor: Actor, village_id: int | None) -> int:
    """The village whose 帮办员 an official keeps (another village: not found; a villager: refused)."""
    return village_for(actor, village_id, HELPER_KEEPERS, refuse="只有村干部可以任命或结束帮办员")


def appointment_for(session: Session, actor: Actor, appointment_id: int) -> HouseholdHelper:
    """An appointment the actor may end: an official of its village, or a member of the household it serves."""
    row = session.get(HouseholdHelper, appointment_id) if in_range(appointment_id) else None
    if row is None or not (actor.can(row.village_id, HELPER_KEEPERS) or actor.user.household_id == row.household_id):
        raise NotFound("找不到该帮办员")
    return row


def helped_households(session: Session, actor: Actor) -> list[Household]:
    """The households the actor helps now (the 为谁点单 choices of a 帮办员)."""
    return list(
        session.exec(
            select(Household)
            .join(HouseholdHelper, HouseholdHelper.household_id == Household.id)
            .where(HouseholdHelper.helper_id == actor.id, HouseholdHelper.ended_at.is_(None))
            .order_by(Household.id)
        )
    )
