"""The one state machine of a service order: a table of transitions (from-state, action, to-state, who may), and the
single function that makes one, recorded on the order's timeline and in the audit log.

Every change of an order's status goes through `transition`; a step the table does not hold is 409 invalid_state,
a step by someone the table does not name is 403, and a step the table names them for but 回避 forbids (issue #15:
serving one's own household or an order one placed; deciding the credit of one's own household, of an order one
placed or did) is 403 conflict_of_interest: each row says whose credit its step decides (`recuse`). Two steps at once
cannot both pass: the status moves with a conditional UPDATE on the order's version, so the second finds the order
changed and is refused (invalid_state)."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.assist.models import helper_mark
from app.audit.service import record_action
from app.errors import Forbidden, InvalidState
from app.inbox.models import MessageKind
from app.inbox.service import notify
from app.org.access import ADMINS, OFFICIALS, Actor, may_decide_for, require_may_decide_for
from app.org.models import Role, User
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

def is_station(actor: Actor | None, order: ServiceOrder) -> bool:
    """Whether the actor runs the station the order is with: the village's officials for the village's 站; for a
    service of the township 所 or county 中心 not handed down, the town admin of that township or the county admin
    (a role held on that very unit: town_admin only ever sits on a township, county_admin on the county)."""
    if actor is None:
        return False
    if order.station_id == order.village_id:
        return actor.can(order.village_id, STATION)
    return actor.holds_at(order.station_id, ADMINS)


def station(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    return is_station(actor, order)


def higher_station(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The 所 or 中心 an order is with (handing it down to the village's 站)."""
    return order.station_id != order.village_id and is_station(actor, order)


def system_or_station(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    return actor is None or station(session, actor, order)


def requester(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The one who ordered it, or any member of the household it is for."""
    return actor is not None and (actor.id == order.requester_id or actor.user.household_id == order.household_id)


def party(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """Someone the order is about: who ordered it, the household it is for, who did it (回避 leaves the first two
    only where they are the served household: `credited` below)."""
    return requester(session, actor, order) or doer(session, actor, order)


def station_volunteer(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """A volunteer of the station the order is with: the village's for its 站, the township's for a 所 service, the
    county's for a 中心 service (the open pool of each level is its own volunteers')."""
    return actor is not None and actor.holds_at(order.station_id, VOLUNTEERS)


def assignee(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The volunteer it was dispatched to, or (dispatched to a team) a member of that team who has not declined it
    since it was sent."""
    if actor is None or not station_volunteer(session, actor, order):
        return False
    if order.volunteer_id is not None:
        return order.volunteer_id == actor.id
    return order.team_id is not None and actor.id in team_members_left(session, order)


def team_members_left(session: Session, order: ServiceOrder) -> set[int]:
    """The members of the order's team who have not declined it since it was last sent (派单 or 改派): a team dispatch
    that one member declines stays with the others (issue #20)."""
    if order.team_id is None:
        return set()
    members = set(session.exec(select(VolunteerTeamMember.user_id).where(
        VolunteerTeamMember.team_id == order.team_id)))
    return members - declined_since_sent(session, [order.id]).get(order.id, set())


def declined_since_sent(session: Session, order_ids: list[int]) -> dict[int, set[int]]:
    """Per order, who has declined it since it was last sent (派单 or 改派): one read of their timelines' sends and
    declines, for one order's step or a volunteer's list of team orders alike."""
    found: dict[int, set[int]] = {}
    for order_id, action, actor_id in session.exec(
            select(ServiceOrderEvent.order_id, ServiceOrderEvent.action, ServiceOrderEvent.actor_id)
            .where(col(ServiceOrderEvent.order_id).in_(order_ids),
                   col(ServiceOrderEvent.action).in_((*SENDS, *DECLINES)))
            .order_by(ServiceOrderEvent.id)):
        declined = found.setdefault(order_id, set())
        if action in SENDS:
            declined.clear()
        elif actor_id is not None:
            declined.add(actor_id)
    return found


def doer(session: Session, actor: Actor | None, order: ServiceOrder) -> bool:
    """The volunteer who accepted it."""
    return actor is not None and order.volunteer_id == actor.id


# --- 回避: whose credit a step decides, and who is in it already: (household, involved user ids) -----------------

Parties = tuple[int | None, list[int | None]]


def served(session: Session, order: ServiceOrder) -> Parties:
    """Serving an order earns its volunteer points: not for the household served, nor for the one who placed it."""
    return order.household_id, [order.requester_id]


def credited(session: Session, order: ServiceOrder) -> Parties:
    """Confirming an order (rating it, the station's confirmation, approving its hours) decides the credit of the
    volunteer's household: not by its members, the volunteer, nor by whoever placed it for someone else."""
    volunteer = session.get(User, order.volunteer_id) if order.volunteer_id else None
    placer = order.requester_id if order.on_behalf else None
    return (volunteer.household_id if volunteer else None), [order.volunteer_id, placer]


def station_decides(session: Session, order: ServiceOrder) -> Parties:
    """The station's decision: besides the volunteer's household, never on an order the official placed."""
    household, involved = credited(session, order)
    return household, [*involved, order.requester_id]


def may_serve(session: Session, volunteer: Actor, order: ServiceOrder) -> bool:
    """Whether 回避 lets this volunteer serve the order (for the station's list of whom to send it to)."""
    household, involved = served(session, order)
    return may_decide_for(volunteer, household, involved=involved)


def require_may_serve(session: Session, volunteer: Actor, order: ServiceOrder) -> None:
    household, involved = served(session, order)
    require_may_decide_for(volunteer, household, involved=involved,
                           message="按回避规定，志愿者不能服务自己家或自己代点的单，请派给其他志愿者")


@dataclass(frozen=True)
class Transition:
    action: str
    source: frozenset[str]
    target: str | None  # None: the status stays (核定时长)
    who: Callable[[Session, Actor | None, ServiceOrder], bool]
    audit: VolunteerAction
    label: str
    refusal: str  # said to someone the table does not name
    recuse: Callable[[Session, ServiceOrder], Parties] | None = None  # whose credit the step decides (回避)
    recusal: str | None = None  # said to someone 回避 keeps from it


def _t(action, source, target, who, audit, refusal, recuse=None, recusal=None) -> Transition:
    return Transition(action, frozenset(source), target, who, audit, audit.label, refusal, recuse, recusal)


SERVE_OWN = "按回避规定，不能接自己家或自己代点的服务单"


DISPATCHERS = "只有负责这张单的实践站（村干部，或镇实践所、县实践中心）可以"

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("dispatch", {S.open}, S.dispatched, station, VolunteerAction.order_dispatch, DISPATCHERS + "派单"),
    _t("redispatch", {S.dispatched, S.accepted}, S.dispatched, station, VolunteerAction.order_redispatch,
       DISPATCHERS + "改派"),
    _t("reject", {S.open}, S.rejected, station, VolunteerAction.order_reject, DISPATCHERS + "不予受理"),
    _t("hand_down", {S.open}, S.open, higher_station, VolunteerAction.order_hand_down,
       "只有这项服务所属的镇实践所或县实践中心可以转交村实践站"),
    _t("take", {S.open}, S.accepted, station_volunteer, VolunteerAction.order_take,
       "只有负责这张单的实践站的志愿者可以抢单",
       served, SERVE_OWN),
    _t("accept", {S.dispatched}, S.accepted, assignee, VolunteerAction.order_accept, "这张单没有派给您",
       served, SERVE_OWN),
    _t("decline", {S.dispatched, S.accepted}, S.open, assignee, VolunteerAction.order_decline, "这张单没有派给您"),
    # A member of the team it was sent to declines, and others of the team have not: it stays with them.
    _t("decline_team", {S.dispatched, S.accepted}, S.dispatched, assignee, VolunteerAction.order_decline_team,
       "这张单没有派给您"),
    _t("cancel", {S.open, S.dispatched, S.accepted}, S.cancelled, station, VolunteerAction.order_cancel,
       DISPATCHERS + "取消"),
    _t("withdraw", {S.open, S.dispatched}, S.cancelled, requester, VolunteerAction.order_withdraw,
       "只有点单的村民可以取消"),
    _t("complete", {S.accepted}, S.completed, doer, VolunteerAction.order_complete, "只有接单的志愿者可以完成",
       served, SERVE_OWN),
    _t("rate", {S.completed}, S.rated, party, VolunteerAction.order_rate, "只有接受服务的家庭可以评价",
       credited, "按回避规定，评单须由接受服务的家庭本人来评（代点单的人、志愿者及其家人不能评）"),
    _t("rate_card", {S.completed}, S.rated, station, VolunteerAction.order_rate_card,
       DISPATCHERS + "登记户卡评价", station_decides,
       "按回避规定，自己代点的单或积分记入自己家的服务单，须由其他村干部登记"),
    _t("confirm", {S.completed}, S.confirmed, system_or_station, VolunteerAction.order_confirm,
       DISPATCHERS + "确认", station_decides,
       "按回避规定，自己代点的单或积分记入自己家的服务单，须由其他村干部确认"),
    _t("approve_hours", {S.completed, S.rated, S.confirmed}, None, station, VolunteerAction.order_approve_hours,
       DISPATCHERS + "核定时长", station_decides,
       "按回避规定，自己代点的单或积分记入自己家的服务单，须由其他村干部核定时长"),
)}

# `decline` of an accepted order is also the volunteer's: "I cannot go after all" puts it back to the station (or,
# sent to a team, to the team's others).
DECLINES = ("decline", "decline_team")
SENDS = ("dispatch", "redispatch")
_ASSIGNEE_OR_DOER = set(DECLINES)
# Taken by `service.decline` for the one 退回 a volunteer is offered, never offered as a button of its own.
_CHOSEN_BY_THE_SERVICE = {"decline_team"}


def may(session: Session, actor: Actor | None, order: ServiceOrder, action: str) -> bool:
    """Whether the table lets this actor take this step now (for showing the buttons)."""
    t = TRANSITIONS[action]
    return order.status in t.source and _allowed(session, t, actor, order)


def _allowed(session: Session, t: Transition, actor: Actor | None, order: ServiceOrder) -> bool:
    return _named(session, t, actor, order) and _not_recused(session, t, actor, order)


def _named(session: Session, t: Transition, actor: Actor | None, order: ServiceOrder) -> bool:
    if t.action in _ASSIGNEE_OR_DOER and order.status == S.accepted:
        return doer(session, actor, order)
    return t.who(session, actor, order)


def _not_recused(session: Session, t: Transition, actor: Actor | None, order: ServiceOrder) -> bool:
    if t.recuse is None:
        return True
    household, involved = t.recuse(session, order)
    return may_decide_for(actor, household, involved=involved)


def allowed_actions(session: Session, actor: Actor | None, order: ServiceOrder) -> list[str]:
    """The steps this actor may take now, as the order's page offers them: one who is both the station and the one
    who ordered gets one 取消 — the station's `cancel`, the step `service.cancel` takes for them."""
    steps = [a for a in TRANSITIONS if a not in _CHOSEN_BY_THE_SERVICE and may(session, actor, order, a)]
    return [a for a in steps if not (a == "withdraw" and "cancel" in steps)]


def require_step(session: Session, actor: Actor | None, order: ServiceOrder, action: str) -> Transition:
    """Check a step before its details are looked at, so that a wrong step is refused for what it is."""
    t = TRANSITIONS[action]
    if order.status not in t.source:
        raise InvalidState(f"订单当前状态不能{t.label}")
    if not _named(session, t, actor, order):
        raise Forbidden(t.refusal)
    if t.recuse is not None:
        household, involved = t.recuse(session, order)
        require_may_decide_for(actor, household, involved=involved, message=t.recusal)
    return t


def record_creation(session: Session, *, order: ServiceOrder, actor: Actor) -> ServiceOrderEvent:
    """The timeline's first line (点单, or 代点单 for someone else)."""
    note = f"为 {order.for_name} 代点单" if order.on_behalf else ""
    if order.helper_id is not None:
        note = f"{helper_mark(actor.user.name)}：{note}"
    event = ServiceOrderEvent(order_id=order.id, action="create", from_status="", to_status=order.status,
                              actor_id=actor.id, note=note, created_at=order.created_at)
    session.add(event)
    record_action(session, actor_id=actor.id, action=VolunteerAction.order_create, village_id=order.village_id,
                  target_type=ORDER_TARGET, target_id=order.id, target_label=f"#{order.id} {order.title}",
                  reason=note, detail={"on_behalf": order.on_behalf, "helper_id": order.helper_id})
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
    tell_household(session, order=order, action=action, actor=actor)
    session.flush()
    return event


# What the served household is told of a step (消息, issue #18); steps not here tell no one.
NEWS = {"dispatch": "已派单，等志愿者接单", "hand_down": "已转交村实践站安排",
        "redispatch": "已改派给其他志愿者", "reject": "实践站未受理",
        "take": "志愿者已接单", "accept": "志愿者已接单", "complete": "服务已完成，请评价",
        "cancel": "已被实践站取消", "withdraw": "已取消"}


def tell_household(session: Session, *, order: ServiceOrder, action: str, actor: Actor | None) -> None:
    """The served household's users (and who ordered it for themselves) hear of their order's step."""
    if action in NEWS:
        notify(session, kind=MessageKind.order, household_id=order.household_id, link=f"/service/orders/{order.id}",
               user_ids=[] if order.on_behalf else [order.requester_id], skip=[actor.id if actor else None],
               text=f"您的服务单「{order.title}」{NEWS[action]}")
