"""The one state machine of a service order: a table of transitions (from-state, action, to-state, who may), and the
single function that makes one, recorded on the order's timeline and in the audit log.

Every change of an order's status goes through `transition`; a step the table does not hold is 409 invalid_state,
a step by someone the table does not name is 403. Two steps at once cannot both pass: the status moves with a
conditional UPDATE on the order's version, so the second finds the order changed and is refused (invalid_state)."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Forbidden, InvalidState
from app.org.access import OFFICIALS, Actor
from app.org.models import Role
from app.timeutil import utcnow
from app.volunteer.models import (
    ORDER_TARGET,
    OrderStatus,
    ServiceOrder,
    ServiceOrderEvent,
    VolunteerAction,
    VolunteerTeamMember,
)

S = OrderStatus
STATION = OFFICIALS  # the village's 新时代文明实践站 is run by its officials
VOLUNTEERS = frozenset({Role.volunteer})


# --- who may: each a test of (actor, order); None as actor is the system (the scheduled confirmation) ------------

def station(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    return actor is not None and actor.can(order.village_id, STATION)


def system_or_station(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    return actor is None or station(session, actor, order)


def requester(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The one who ordered it, or any member of the household it is for."""
    return actor is not None and (actor.id == order.requester_id or actor.user.household_id == order.household_id)


def village_volunteer(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    return actor is not None and actor.can(order.village_id, VOLUNTEERS)


def assignee(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The volunteer it was dispatched to, or (dispatched to a team) a member of that team."""
    if actor is None or not village_volunteer(session, actor, order):
        return False
    if order.volunteer_id is not None:
        return order.volunteer_id == actor.id
    return order.team_id is not None and session.exec(
        select(VolunteerTeamMember.id).where(VolunteerTeamMember.team_id == order.team_id,
                                             VolunteerTeamMember.user_id == actor.id)).first() is not None


def doer(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The volunteer who accepted it."""
    return actor is not None and order.volunteer_id == actor.id



@dataclass(frozen=True)
class Transition:
    action: str
    source: frozenset[str]
    target: str | None  # None: the status stays (核定时长)
    who: Callable[[Session, Actor | None, ServiceOrder], bool]
    audit: VolunteerAction
    label: str
    refusal: str  # said to someone the table does not name


def _t(action, source, target, who, audit, refusal) -> Transition:
    return Transition(action, frozenset(source), target, who, audit, audit.label, refusal)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("dispatch", {S.open}, S.dispatched, station, VolunteerAction.order_dispatch, "只有村实践站（村干部）可以派单"),
    _t("redispatch", {S.dispatched, S.accepted}, S.dispatched, station, VolunteerAction.order_redispatch,
       "只有村实践站（村干部）可以改派"),
    _t("reject", {S.open}, S.rejected, station, VolunteerAction.order_reject, "只有村实践站（村干部）可以不予受理"),
    _t("take", {S.open}, S.accepted, village_volunteer, VolunteerAction.order_take, "只有本村志愿者可以抢单"),
    _t("accept", {S.dispatched}, S.accepted, assignee, VolunteerAction.order_accept, "这张单没有派给您"),
    _t("decline", {S.dispatched, S.accepted}, S.open, assignee, VolunteerAction.order_decline, "这张单没有派给您"),
    _t("cancel", {S.open, S.dispatched, S.accepted}, S.cancelled, station, VolunteerAction.order_cancel,
       "只有村实践站（村干部）可以取消"),
    _t("withdraw", {S.open, S.dispatched}, S.cancelled, requester, VolunteerAction.order_withdraw,
       "只有点单的村民可以取消"),
    _t("complete", {S.accepted}, S.completed, doer, VolunteerAction.order_complete, "只有接单的志愿者可以完成"),
    _t("rate", {S.completed}, S.rated, requester, VolunteerAction.order_rate, "只有点单的村民可以评价"),
    _t("confirm", {S.completed}, S.confirmed, system_or_station, VolunteerAction.order_confirm,
       "只有村实践站（村干部）可以确认"),
    _t("approve_hours", {S.completed, S.rated, S.confirmed}, None, station, VolunteerAction.order_approve_hours,
       "只有村实践站（村干部）可以核定时长"),
)}

# `decline` of an accepted order is also the volunteer's: "I cannot go after all" puts it back to the station.
_ASSIGNEE_OR_DOER = {"decline"}


def may(session: Session, actor: Actor | None, order: ServiceOrder, action: str) -> bool:
    """Whether the table lets this actor take this step now (for showing the buttons)."""
    t = TRANSITIONS[action]
    return order.status in t.source and _allowed(session, t, actor, order)


def _allowed(session: Session, t: Transition, actor: Actor | None, order: ServiceOrder) -> bool:
    if t.action in _ASSIGNEE_OR_DOER and order.status == S.accepted:
        return doer(session, actor, order)
    return t.who(session, actor, order)


def allowed_actions(session: Session, actor: Actor | None, order: ServiceOrder) -> list[str]:
    return [a for a in TRANSITIONS if may(session, actor, order, a)]


def require_step(session: Session, actor: Actor | None, order: ServiceOrder, action: str) -> Transition:
    """Check a step before its details are looked at, so that a wrong step is refused for what it is."""
    t = TRANSITIONS[action]
    if order.status not in t.source:
        raise InvalidState(f"订单当前状态不能{t.label}")
    if not _allowed(session, t, actor, order):
        raise Forbidden(t.refusal)
    return t


def record_creation(session: Session, *, order: ServiceOrder, actor: Actor) -> ServiceOrderEvent:
    """The timeline's first line (点单, or 代点单 for someone else)."""
    note = f"为 {order.for_name} 代点单" if order.on_behalf else ""
    event = ServiceOrderEvent(order_id=order.id, action="create", from_status="", to_status=order.status,
                              actor_id=actor.id, note=note, created_at=order.created_at)
    session.add(event)
    record_action(session, actor_id=actor.id, action=VolunteerAction.order_create, village_id=order.village_id,
                  target_type=ORDER_TARGET, target_id=order.id, target_label=f"#{order.id} {order.title}",
                  reason=note, detail={"on_behalf": order.on_behalf})
    session.flush()
    return event


def transition(session: Session, *, order: ServiceOrder, action: str, actor: Actor | None, note: str = "",
               changes: dict | None = None, audit_detail: dict | None = None) -> ServiceOrderEvent:
    """Take one step of the table: check it, move the status (and `changes`) with a conditional update, write the
    timeline and the audit log. Out of order → InvalidState; not the actor's step → Forbidden."""
    t = require_step(session, actor, order, action)
    before, now = order.status, utcnow()
    target = t.target or before
    values = {"status": target, "version": order.version + 1, "changed_at": now, **(changes or {})}
    moved = session.execute(
        update(ServiceOrder).where(ServiceOrder.id == order.id, ServiceOrder.version == order.version,
                                   ServiceOrder.status == before)
        .values(**values).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # another step came first (two volunteers grabbing one order)
        session.expire(order)
        raise InvalidState("订单刚刚有了变化，请刷新后再看")
    session.expire(order)  # the row as it now is (held: no one else changes it until we commit)
    event = ServiceOrderEvent(order_id=order.id, action=action, from_status=before, to_status=target,
                              actor_id=actor.id if actor else None, note=note, created_at=now)
    session.add(event)
    record_action(session, actor_id=actor.id if actor else None, action=t.audit, village_id=order.village_id,
                  target_type=ORDER_TARGET, target_id=order.id, target_label=f"#{order.id} {order.title}",
                  reason=note, detail={"from": before, "to": target, **(audit_detail or {})})
    session.flush()
    return event
