"""Service orders: 点单 → 派单 / 抢单 → 接单 → 完成 → 评单, each step through the state machine (machine.py), and
the hours → points credit, exactly once per order, when the service is confirmed."""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.assist.access import active_appointment
from app.errors import DomainError, Forbidden, InvalidState, NotFound, ValidationFailed
from app.idempotency import Created, create_once, run_idempotent
from app.ids import int_within
from app.org.access import ADMINS, OFFICIALS, VILLAGE_STAFF, Actor, get_visible, load_actor, own_household
from app.org.models import Household, User
from app.shop.redemption.paycodes import check_card
from app.text import clean_reason, clean_text
from app.timeutil import as_utc, utcnow
from app.volunteer import catalogue
from app.volunteer.machine import (
    VOLUNTEERS,
    is_station,
    may,
    may_serve,
    record_creation,
    require_may_serve,
    require_step,
    station_volunteer,
    team_members_left,
    transition,
)
from app.volunteer.models import (
    Approval,
    OrderStatus,
    ServiceOrder,
    ServiceOrderPhoto,
    ServiceSettings,
    VolunteerTeamMember,
)
from app.volunteer.points import settle, update_order

S = OrderStatus


# --- who sees an order ----------------------------------------------------------------------------------------

def team_ids_of(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(VolunteerTeamMember.team_id).where(VolunteerTeamMember.user_id == user_id)))


def oversees(actor: Actor, order: ServiceOrder) -> bool:
    """Staff who read the order in full and the books around it: the station it is with, and the town and county
    admins over its village. A village's officials read a 所 / 中心 order placed in their village only as the pool
    shows it (service, 村民小组, time, state) until it is handed down to their 站: who it is for and what ails
    them is for the level that serves it (issue #20)."""
    return is_station(actor, order) or actor.can(order.village_id, ADMINS)


def sees_in_full(session: Session, actor: Actor, order: ServiceOrder) -> bool:
    """Who may read an order (often about health: 血压, 降压药) in full — PIPL's minimum necessary: the station it
    is with and the admins over it, the household it is for, whoever placed it, the volunteer it is sent to or who
    took it, the members of the team it is sent to. Not every volunteer of the village."""
    if oversees(actor, order):
        return True
    if actor.id in (order.requester_id, order.volunteer_id) or actor.user.household_id == order.household_id:
        return True
    return order.team_id is not None and order.team_id in team_ids_of(session, actor.id)


def in_pool(actor: Actor, order: ServiceOrder) -> bool:
    """An open order a volunteer of its station (the village's 站, or the 所 / 中心 it is with) may take: seen as
    the pool shows it (the service, the 村民小组, the time wished), without the address, the person's name or what
    they wrote, until it is theirs."""
    return order.status == S.open and station_volunteer(None, actor, order)


def visible_order(session: Session, actor: Actor, order_id: int) -> ServiceOrder:
    """An order the actor may read in full or take from the pool; any other is not found."""
    return get_visible(session, actor, ServiceOrder, order_id, roles=VILLAGE_STAFF,
                       also=lambda o: sees_in_full(session, actor, o) or in_pool(actor, o), missing=_missing(actor))


def full_order(session: Session, actor: Actor, order_id: int) -> ServiceOrder:
    """An order the actor may read in full (its photo): the pool's view is not enough."""
    return get_visible(session, actor, ServiceOrder, order_id, roles=(),
                       also=lambda o: sees_in_full(session, actor, o), missing=_missing(actor))


def _missing(actor: Actor) -> str:
    # A volunteer opening an order another volunteer took a moment ago learns only that it is not in the pool.
    return "找不到该服务订单（可抢的单可能已被其他志愿者接走）" if actor.has_role(VOLUNTEERS) else "找不到该服务订单"


# --- 点单 --------------------------------------------------------------------------------------------------------

def place_order(session: Session, *, actor: Actor, service_id: int | None, wish: str, description: str,
                address: str, preferred_time: str, household_id: int | None, for_name: str,
                idempotency_key: str | None, now: datetime | None = None) -> ServiceOrder:
    """A villager orders a service from the menu (or describes a wish); a helper (a volunteer of the village), an
    official, or the household's 帮办员 may order for another household of the village, and the order says so."""
    household = _ordering_household(session, actor=actor, household_id=household_id)
    rules = catalogue.settings_for(session, village_id=household.village_id)
    description = clean_text(description, label="需求说明", max_length=500, required=False, multiline=True)
    if service_id is not None:
        service = catalogue.menu_service(session, village_id=household.village_id, service_id=service_id)
        title, standard, station_id = service.name, service.standard_minutes, service.org_id
    else:  # a wish: the village's 站 takes it
        title, standard = clean_text(wish, label="想要的服务", max_length=40), rules.wish_minutes
        station_id = household.village_id
    address = clean_text(address, label="服务地址", max_length=200, required=False) or household.address
    preferred_time = clean_text(preferred_time, label="希望时间", max_length=60, required=False)
    for_name = clean_text(for_name, label="服务对象", max_length=50, required=False)
    on_behalf = actor.user.household_id != household.id
    if on_behalf and not for_name:
        for_name = household.head_name

    # The household's 帮办员 ordering for it: the order, its timeline and the audit log say 由帮办员某某代办.
    helper_id = actor.id if on_behalf and active_appointment(session, actor, household.id) is not None else None

    def action() -> ServiceOrder:
        order = ServiceOrder(village_id=household.village_id, station_id=station_id, service_id=service_id, title=title,
                             description=description, address=address, preferred_time=preferred_time,
                             standard_minutes=standard, household_id=household.id, for_name=for_name,
                             requester_id=actor.id, on_behalf=on_behalf, helper_id=helper_id,
                             created_at=now or utcnow())
        order.changed_at = order.created_at
        # Who ordered for their own household has seen it; an order placed for them is news to the household.
        order.requester_seen_at = None if on_behalf else order.created_at
        session.add(order)
        session.flush()
        record_creation(session, order=order, actor=actor)
        return order

    return create_once(session, scope=f"user:{actor.id}:service-order", key=idempotency_key,
                       payload={"service_id": service_id, "title": title, "description": description,
                                "address": address, "preferred_time": preferred_time, "household_id": household.id,
                                "for_name": for_name}, model=ServiceOrder, action=action)


def _ordering_household(session: Session, *, actor: Actor, household_id: int | None) -> Household:
    if household_id is None or household_id == actor.user.household_id:
        return own_household(session, actor, "您的账号还没有关联农户；请由村干部或志愿者代为点单")
    return get_visible(session, actor, Household, household_id, roles=OFFICIALS | VOLUNTEERS,
                       also=lambda h: active_appointment(session, actor, h.id) is not None, missing="找不到该农户")


# --- the steps ---------------------------------------------------------------------------------------------------

def dispatch(session: Session, *, actor: Actor, order: ServiceOrder, volunteer_user_id: int | None,
             team_id: int | None) -> ServiceOrder:
    """The station the order is with sends it to one of its volunteers or teams (派单; again: 改派): the village's
    站 to the village's, the 所 / 中心 to the township's / county's."""
    if (volunteer_user_id is None) == (team_id is None):
        raise ValidationFailed("请选择一位志愿者或一支志愿队")
    action = "dispatch" if order.status == S.open else "redispatch"
    require_step(session, actor, order, action)
    if volunteer_user_id is not None:
        to = catalogue.station_volunteer(session, org_id=order.station_id, user_id=volunteer_user_id)
        require_may_serve(session, load_actor(session, to), order)
        changes, note = {"volunteer_id": to.id, "team_id": None}, f"派给 {to.name}"
    else:
        team = catalogue.station_team(session, org_id=order.station_id, team_id=team_id)
        changes, note = {"volunteer_id": None, "team_id": team.id}, f"派给 {team.name}"
    transition(session, order=order, action=action, actor=actor, note=note,
               changes={**changes, "dispatched_at": utcnow(), "accepted_at": None})
    return order


def dispatchable_volunteers(session: Session, *, order: ServiceOrder) -> list[User]:
    """The station's volunteers it may send the order to (回避: not its household's, not its placer)."""
    return [user for user in catalogue.station_volunteers(session, org_id=order.station_id)
            if may_serve(session, load_actor(session, user), order)]


def hand_down(session: Session, *, actor: Actor, order: ServiceOrder, note: str = "") -> ServiceOrder:
    """The 所 or 中心 an open order is with hands it down to the village's 站, whose officials dispatch it from
    then on to the village's volunteers (转交村实践站)."""
    require_step(session, actor, order, "hand_down")
    note = clean_text(note, label="转交说明", max_length=200, required=False)
    transition(session, order=order, action="hand_down", actor=actor, note=note or "转交村实践站派单",
               changes={"station_id": order.village_id})
    return order


def reject(session: Session, *, actor: Actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The station does not take the order on, with the reason the villager reads."""
    require_step(session, actor, order, "reject")
    transition(session, order=order, action="reject", actor=actor, note=clean_reason(reason, label="不予受理的原因"))
    return order


def accept(session: Session, *, actor: Actor, order: ServiceOrder) -> ServiceOrder:
    """A volunteer accepts an order sent to them (or their team), or takes one from the open pool (抢单)."""
    action = "take" if order.status == S.open else "accept"
    transition(session, order=order, action=action, actor=actor,
               changes={"volunteer_id": actor.id, "accepted_at": utcnow()})
    return order


def decline(session: Session, *, actor: Actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The volunteer cannot do it: back to the station, with the reason — or, sent to a team whose other members
    have not declined it, back to them (still dispatched: one of them accepts it)."""
    require_step(session, actor, order, "decline")
    if team_members_left(session, order) - {actor.id}:
        transition(session, order=order, action="decline_team", actor=actor,
                   note=clean_reason(reason, label="退回原因"), changes={"volunteer_id": None, "accepted_at": None})
        return order
    transition(session, order=order, action="decline", actor=actor, note=clean_reason(reason, label="退回原因"),
               changes={"volunteer_id": None, "team_id": None, "accepted_at": None, "dispatched_at": None})
    return order


def cancel(session: Session, *, actor: Actor, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The station cancels (with a reason), or the villager withdraws before a volunteer has accepted."""
    action = "cancel" if is_station(actor, order) else "withdraw"
    require_step(session, actor, order, action)
    note = clean_reason(reason, label="取消原因") if action == "cancel" else clean_text(
        reason, label="取消原因", max_length=200, required=False)
    transition(session, order=order, action=action, actor=actor, note=note)
    return order


def complete(session: Session, *, actor: Actor, order: ServiceOrder, hours: float, note: str,
             photo: tuple[bytes, str] | None = None) -> ServiceOrder:
    """The volunteer reports the service done, with its hours; above the service's standard duration the hours
    wait for the station's approval before they count."""
    require_step(session, actor, order, "complete")
    minutes = catalogue.to_minutes(hours)
    note = clean_text(note, label="服务记录", max_length=500, required=False, multiline=True)
    above = minutes > order.standard_minutes
    changes = {"claimed_minutes": minutes, "credited_minutes": None if above else minutes,
               "approval": Approval.pending if above else Approval.none, "note": note, "completed_at": utcnow()}
    if photo is not None:
        row = ServiceOrderPhoto(data=photo[0], content_type=photo[1])
        session.add(row)
        session.flush()
        changes["photo_id"] = row.id
    words = f"{catalogue.hours(minutes):g} 小时" + ("（超过标准时长，待村里核定）" if above else "")
    transition(session, order=order, action="complete", actor=actor, note=words, changes=changes,
               audit_detail={"minutes": minutes})
    return order


def rate(session: Session, *, actor: Actor, order: ServiceOrder, stars: int, comment: str,
         idempotency_key: str | None = None) -> ServiceOrder:
    """The villager rates the service (评单): that confirms it, and the volunteer's hours count. The same form sent
    again (its key; an answer lost on the way) answers as the first did instead of "already rated"."""
    stars, comment = _rating(stars, comment)

    def action() -> Created:
        require_step(session, actor, order, "rate")
        words = f"{stars} 星" + (f"：{comment}" if comment else "")
        transition(session, order=order, action="rate", actor=actor, note=words,
                   changes={"stars": stars, "comment": comment, "settled_at": utcnow()}, audit_detail={"stars": stars})
        settle(session, order=order, actor=actor)
        return Created(id=order.id)

    run_idempotent(session, scope=f"user:{actor.id}:service-rate", key=idempotency_key,
                   payload={"order_id": order.id, "stars": stars, "comment": comment}, result_type=Created,
                   action=action)
    return order


def rate_with_card(session: Session, *, actor: Actor, order: ServiceOrder, card_code: str, pin: str, stars: int,
                   comment: str, secret: str, tz: str) -> DomainError | None:
    """评单 at the station for a household without a smartphone: the official enters the household's rating, and the
    household's card with its 卡密码 proves the household itself confirms (an order placed on its behalf is still the
    household's to confirm). Returns the card's refusal — wrong PINs are counted — for the caller to save first."""
    require_step(session, actor, order, "rate_card")
    stars, comment = _rating(stars, comment)
    card, error = check_card(session, village_id=order.village_id, card_code=card_code, pin=pin, secret=secret, tz=tz)
    if card is None:
        return error
    if card.household_id != order.household_id:
        return Forbidden("这张积分卡不是接受服务的家庭的，请用服务对象家的积分卡")
    words = "凭户卡评价：" + f"{stars} 星" + (f"：{comment}" if comment else "")
    transition(session, order=order, action="rate_card", actor=actor, note=words,
               changes={"stars": stars, "comment": comment, "settled_at": utcnow()},
               audit_detail={"stars": stars, "card_id": card.id})
    settle(session, order=order, actor=actor)
    return None


def _rating(stars: int, comment: str) -> tuple[int, str]:
    if not int_within(stars, 1, 5):
        raise ValidationFailed("请选择 1 到 5 颗星")
    return stars, clean_text(comment, label="评价", max_length=300, required=False)


def confirm(session: Session, *, actor: Actor | None, order: ServiceOrder, now: datetime | None = None
            ) -> ServiceOrder:
    """The station confirms a completed order the villager has not rated within the village's time."""
    require_step(session, actor, order, "confirm")
    rules = catalogue.settings_for(session, village_id=order.village_id)
    if as_utc(order.completed_at) + timedelta(days=rules.rate_days) > (now or utcnow()):
        raise InvalidState(f"村民还在评价期内（完成后 {rules.rate_days} 天），到期后才能由村里确认")
    transition(session, order=order, action="confirm", actor=actor, note="村民未在时限内评价，由村里确认",
               changes={"settled_at": utcnow()})
    settle(session, order=order, actor=actor)
    return order


def approve_hours(session: Session, *, actor: Actor, order: ServiceOrder, hours: float) -> ServiceOrder:
    """The station decides how many of the reported hours count (at most what was reported)."""
    require_step(session, actor, order, "approve_hours")
    if order.approval != Approval.pending:
        raise InvalidState("这张单的服务时长不需要核定")
    minutes = catalogue.to_minutes(hours)
    if minutes > (order.claimed_minutes or 0):
        raise ValidationFailed("核定时长不能超过志愿者填报的时长")
    transition(session, order=order, action="approve_hours", actor=actor,
               note=f"核定 {catalogue.hours(minutes):g} 小时（填报 {catalogue.hours(order.claimed_minutes):g} 小时）",
               changes={"credited_minutes": minutes, "approval": Approval.approved}, audit_detail={"minutes": minutes})
    settle(session, order=order, actor=actor)
    return order


def confirm_due(session: Session, *, now: datetime | None = None) -> list[int]:
    """Confirm, as the system, every completed order whose villager did not rate it within the village's time
    (`python -m app confirm-service-orders`). Returns the ids confirmed."""
    now = now or utcnow()
    done = []
    for order in session.exec(select(ServiceOrder).where(ServiceOrder.status == S.completed)
                              .order_by(ServiceOrder.id)).all():
        rules = catalogue.settings_for(session, village_id=order.village_id)
        if as_utc(order.completed_at) + timedelta(days=rules.rate_days) <= now:
            try:
                with session.begin_nested():
                    confirm(session, actor=None, order=order, now=now)
            except InvalidState:  # changed by someone else meanwhile
                continue
            done.append(order.id)
    return done


def confirm_due_in_village(session: Session, *, actor: Actor, village_id: int) -> list[int]:
    """The station's button: confirm the village's completed orders past the rating time (those 回避 keeps from
    this official are left to another official or to the scheduled confirmation)."""
    actor.require(village_id, OFFICIALS, "只有村干部可以确认服务")
    now, done = utcnow(), []
    rules = catalogue.settings_for(session, village_id=village_id)
    for order in session.exec(select(ServiceOrder).where(ServiceOrder.village_id == village_id,
                                                         ServiceOrder.station_id == village_id,
                                                         ServiceOrder.status == S.completed)).all():
        if as_utc(order.completed_at) + timedelta(days=rules.rate_days) <= now and may(session, actor, order,
                                                                                     "confirm"):
            confirm(session, actor=actor, order=order, now=now)
            done.append(order.id)
    return done


def overdue(order: ServiceOrder, rules: ServiceSettings, now: datetime) -> str:
    """Why the order is late on the station's board ('' when it is not)."""
    created = as_utc(order.created_at)
    if order.status == S.open and created + timedelta(hours=rules.dispatch_hours) < now:
        return f"超过 {rules.dispatch_hours} 小时未派单"
    if order.status in (S.open, S.dispatched, S.accepted) and created + timedelta(days=rules.complete_days) < now:
        return f"超过 {rules.complete_days} 天未完成"
    if order.status == S.completed and as_utc(order.completed_at) + timedelta(days=rules.rate_days) < now:
        return "村民未评价，可由村里确认"
    return ""


def attach_photo(session: Session, *, actor: Actor, order: ServiceOrder, photo: tuple[bytes, str]) -> ServiceOrder:
    """The volunteer adds (or replaces) the photo of a service they completed, until it is confirmed."""
    if order.volunteer_id != actor.id:
        raise Forbidden("只有完成服务的志愿者可以上传照片")
    if order.status != S.completed:
        raise InvalidState("只有待评价的服务单可以补充照片")
    row = ServiceOrderPhoto(data=photo[0], content_type=photo[1])
    session.add(row)
    session.flush()
    update_order(session, order, photo_id=row.id)
    return order


def order_photo(session: Session, *, order: ServiceOrder) -> ServiceOrderPhoto:
    photo = session.get(ServiceOrderPhoto, order.photo_id) if order.photo_id else None
    if photo is None:
        raise NotFound("这张服务单没有照片")
    return photo
