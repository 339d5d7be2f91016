"""What waits for the village's staff, counted for 首页: objections to answer, awards to approve, orders to
dispatch and overdue ones, and (an official with a household) disclosures not yet read. A handful of grouped COUNT
queries whatever the number of villages: the town admin sees them per village."""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from app.disclosure.service import unread_count
from app.evaluation.models import EvaluationRound, Objection, RoundStatus
from app.ledger.models import AwardRequest
from app.ledger.policy import PENDING
from app.org.access import OFFICIALS, VILLAGE_STAFF, Actor
from app.org.models import OrgUnit
from app.volunteer.views import station_waiting

MAX_VILLAGES = 60  # a county admin's table stops here; its villages' own officials see the rest


@dataclass
class VillageWaiting:
    village_id: int
    name: str
    objections: int = 0
    awards: int = 0
    undispatched: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.objections + self.awards + self.undispatched + self.overdue


def _grouped(session: Session, column, stmt) -> dict[int, int]:
    return dict(session.exec(stmt.group_by(column)).all())


def staff_waiting(session: Session, *, actor: Actor) -> list[VillageWaiting]:
    """Per village the actor runs or oversees (by name), what waits to be acted on there."""
    villages = sorted(actor.villages(VILLAGE_STAFF))[:MAX_VILLAGES]
    if not villages:
        return []
    names = dict(session.exec(select(OrgUnit.id, OrgUnit.name).where(col(OrgUnit.id).in_(villages))).all())
    objections = _grouped(session, Objection.village_id, select(Objection.village_id, func.count()).join(
        EvaluationRound, col(EvaluationRound.id) == Objection.round_id).where(
        col(Objection.village_id).in_(villages), col(Objection.answer).is_(None),
        EvaluationRound.status == RoundStatus.notice))
    awards = _grouped(session, AwardRequest.village_id, select(AwardRequest.village_id, func.count()).where(
        col(AwardRequest.village_id).in_(villages), AwardRequest.status == PENDING))
    orders = station_waiting(session, village_ids=villages)
    rows = [VillageWaiting(v, names.get(v, ""), objections.get(v, 0), awards.get(v, 0),
                           orders[v]["undispatched"], orders[v]["overdue"]) for v in villages]
    return sorted(rows, key=lambda r: (-r.total, r.name))


def home_waiting(session: Session, *, actor: Actor) -> dict:
    """首页's figures: one village's counts for an official (with his household's unread disclosures), a table of
    villages for the town (county) admin."""
    rows = staff_waiting(session, actor=actor)
    official = actor.has_role(OFFICIALS)
    return {"rows": rows, "per_village": not official and len(rows) > 0, "official": official,
            "one": rows[0] if official and rows else None,
            "unread": unread_count(session, actor=actor) if official and actor.user.household_id else 0}
