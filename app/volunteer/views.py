"""Read models of service orders, shaped for the API and the pages: an order as they show it (with its
timeline), the lists each role works from, badge counts, a volunteer's hours and record, the village's public
ratings."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, col, func, select

from app.ledger.models import AwardRequest, TxnKind
from app.ledger.policy import PENDING, REFUSED
from app.org.access import ADMINS, OFFICIALS, VILLAGE_STAFF, Actor
from app.org.models import OrgUnit, User
from app.org.service import mask_name
from app.org.settings import read_many
from app.paging import Page, page_desc
from app.timeutil import as_utc, utcnow
from app.volunteer import catalogue
from app.volunteer.catalogue import hours
from app.volunteer.machine import TRANSITIONS, VOLUNTEERS, declined_since_sent
from app.volunteer.models import (
    FINISHED,
    STATUS_LABELS,
    Approval,
    EventPublic,
    OrderPublic,
    OrderStatus,
    ServiceOrder,
    ServiceOrderEvent,
    VolunteerService,
    VolunteerTeam,
)
from app.volunteer.points import credit_state
from app.volunteer.service import overdue, oversees, sees_in_full, team_ids_of

S = OrderStatus
EVENT_LABELS = {"create": "点单", **{a: t.label for a, t in TRANSITIONS.items()}}


def _people(session: Session, ids: set[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i}
    return {u.id: u for u in session.exec(select(User).where(User.id.in_(ids)))} if ids else {}


GROUP = re.compile(r"([一二三四五六七八九十百\d]+组)")


def village_group(address: str) -> str:
    """The 村民小组 in an address ("示范村一组 12 号" → "一组"): where the pool says an order is, no closer."""
    found = GROUP.search(address or "")
    return found.group(1) if found else ""


@dataclass(frozen=True)
class View:
    """How a viewer reads an order: in full, or as the open pool shows it; and the served household's names as
    they are (staff, the household, whoever placed it) or through `mask_name` (the volunteer)."""

    full: bool = True
    names: bool = True

    @classmethod
    def of(cls, session: Session, viewer: Actor | None, order: ServiceOrder) -> "View":
        if viewer is None or oversees(viewer, order):
            return cls()
        own = viewer.user.household_id == order.household_id or viewer.id == order.requester_id
        return cls(full=sees_in_full(session, viewer, order), names=own)

    def name(self, name: str) -> str:
        return name if self.names else mask_name(name)


def events(session: Session, order: ServiceOrder, view: View = View()) -> list[EventPublic]:
    rows = session.exec(select(ServiceOrderEvent).where(ServiceOrderEvent.order_id == order.id)
                        .order_by(ServiceOrderEvent.id)).all()
    people = _people(session, {e.actor_id for e in rows})

    def actor(e: ServiceOrderEvent) -> str | None:
        person = people.get(e.actor_id)
        if person is None:
            return "系统" if e.actor_id is None else None
        return view.name(person.name) if person.household_id == order.household_id else person.name

    def note(e: ServiceOrderEvent) -> str:
        if e.action == "create" and order.for_name and not view.names:  # "为 王奶奶 代点单"
            return e.note.replace(order.for_name, mask_name(order.for_name))
        return e.note

    return [EventPublic(action=e.action, label=EVENT_LABELS.get(e.action, e.action), from_status=e.from_status,
                        to_status=e.to_status, actor=actor(e), note=note(e), created_at=e.created_at) for e in rows]


def order_public(session: Session, order: ServiceOrder, *, viewer: Actor | None = None, with_events: bool = False,
                 now: datetime | None = None) -> OrderPublic:
    """The order as `viewer` may read it (None: in full, for the system)."""
    view = View.of(session, viewer, order)
    people = _people(session, {order.requester_id, order.volunteer_id})
    requester = people.get(order.requester_id)
    volunteer = people.get(order.volunteer_id) if order.volunteer_id else None
    team = session.get(VolunteerTeam, order.team_id) if order.team_id else None
    rules = catalogue.settings_for(session, village_id=order.village_id)
    credit = credit_state(session, order)
    shown = dict(
        id=order.id, village_id=order.village_id, station_id=order.station_id,
        station=catalogue.station_name(session, order.station_id), status=order.status,
        status_label=STATUS_LABELS[order.status],
        service_id=order.service_id, title=order.title, preferred_time=order.preferred_time,
        group=village_group(order.address), standard_hours=hours(order.standard_minutes),
        overdue=bool(overdue(order, rules, now or utcnow())), created_at=order.created_at,
        changed_at=order.changed_at)
    if not view.full:  # the open pool: what a volunteer needs to decide, nothing about the person
        return OrderPublic(**shown, description="", address="", household_id=None, for_name="", requester_id=None,
                           requester="", on_behalf=False, team_id=None, team=None, volunteer_user_id=None,
                           volunteer=None, hours=None, credited_hours=None, approval=order.approval, note="",
                           photo_url=None, stars=None, comment="", points=None, credit_status=None)
    requester_name = requester.name if requester else ""
    return OrderPublic(
        **shown, description=order.description, address=order.address, household_id=order.household_id,
        for_name=view.name(order.for_name) if order.for_name else "", requester_id=order.requester_id,
        requester=requester_name if order.on_behalf else view.name(requester_name), on_behalf=order.on_behalf,
        helper=requester_name if order.helper_id else "",
        team_id=order.team_id, team=team.name if team else None, volunteer_user_id=order.volunteer_id,
        volunteer=volunteer.name if volunteer else None, hours=hours(order.claimed_minutes),
        credited_hours=hours(order.credited_minutes), approval=order.approval, note=order.note,
        photo_url=f"/service/orders/{order.id}/photo.jpg" if order.photo_id else None, stars=order.stars,
        comment=order.comment, points=order.points, credit_status=credit.status if credit else None,
        credit_refusal=credit.refusal_reason if credit else "",
        events=events(session, order, view) if with_events else [])


# --- lists -------------------------------------------------------------------------------------------------------

def volunteer_stations(actor: Actor) -> list[int]:
    """The stations whose open pool the actor serves: the units they hold the volunteer role on (a village, a
    township, the county)."""
    return sorted({a.org_id for a in actor.roles if a.role in VOLUNTEERS})


def visible_orders_stmt(session: Session, actor: Actor):
    """Every order the actor may see: the village's staff all of their villages' (a village's officials read a
    所 / 中心 order of their village as the pool shows it); others their household's and their own, and
    (volunteers) their stations' open pool and what was sent to them or their teams."""
    mine = [ServiceOrder.requester_id == actor.id]
    if actor.user.household_id:
        mine.append(ServiceOrder.household_id == actor.user.household_id)
    staff = sorted(actor.villages(VILLAGE_STAFF))
    if staff:
        mine.append(ServiceOrder.village_id.in_(staff))
    stations = volunteer_stations(actor)
    if stations:
        teams = sorted(team_ids_of(session, actor.id))
        mine.append(ServiceOrder.station_id.in_(stations) & (ServiceOrder.status == S.open))
        mine.append(ServiceOrder.volunteer_id == actor.id)
        if teams:
            mine.append(ServiceOrder.team_id.in_(teams))
    return select(ServiceOrder).where(or_(*mine))


def list_orders(session: Session, *, actor: Actor, status: str | None, limit: int | None, cursor: str | None
                ) -> Page:
    stmt = visible_orders_stmt(session, actor)
    if status:
        stmt = stmt.where(ServiceOrder.status.in_(status.split(",")))
    return page_desc(session, stmt, ServiceOrder.id, limit=limit, cursor=cursor)


def my_orders(session: Session, *, actor: Actor, limit: int = 50) -> list[ServiceOrder]:
    """What the villager ordered (or was ordered for their household), newest first."""
    cond = [ServiceOrder.requester_id == actor.id]
    if actor.user.household_id:
        cond.append(ServiceOrder.household_id == actor.user.household_id)
    return list(session.exec(select(ServiceOrder).where(or_(*cond)).order_by(ServiceOrder.id.desc()).limit(limit)))


def offered_to(session: Session, actor: Actor, villages: list[int]) -> list[ServiceOrder]:
    """Dispatched orders waiting for this volunteer: sent to them, or to a team of theirs that they have not
    declined since it was sent (the team's others still may take it)."""
    teams = sorted(team_ids_of(session, actor.id))
    sent = session.exec(select(ServiceOrder).where(
        ServiceOrder.status == S.dispatched, ServiceOrder.village_id.in_(villages),
        or_(ServiceOrder.volunteer_id == actor.id, ServiceOrder.team_id.in_(teams) if teams else False))
        .order_by(ServiceOrder.id))
    sent = list(sent)
    declined = declined_since_sent(session, [o.id for o in sent if o.volunteer_id is None])  # team orders: one read
    return [o for o in sent if o.volunteer_id == actor.id or actor.id not in declined.get(o.id, set())]


def volunteer_queues(session: Session, *, actor: Actor) -> dict[str, list[ServiceOrder]]:
    """接单: sent to me (or my team), the open pool of my stations (a township volunteer's: the 所's orders in
    every village of the township), what I am doing."""
    villages = sorted(actor.villages(VOLUNTEERS))
    pool = select(ServiceOrder).where(ServiceOrder.status == S.open,
                                      ServiceOrder.station_id.in_(volunteer_stations(actor)))
    doing = select(ServiceOrder).where(ServiceOrder.status == S.accepted, ServiceOrder.volunteer_id == actor.id)
    done = select(ServiceOrder).where(ServiceOrder.status.in_([S.completed, *FINISHED]),
                                      ServiceOrder.volunteer_id == actor.id).order_by(ServiceOrder.id.desc()).limit(10)
    return {"sent": offered_to(session, actor, villages),
            "pool": list(session.exec(pool.order_by(ServiceOrder.id))),
            "doing": list(session.exec(doing.order_by(ServiceOrder.id))), "done": list(session.exec(done))}


def station_board(session: Session, *, station_id: int, now: datetime | None = None) -> dict:
    """A station's board (the village's 站, the township's 所, the county's 中心): its new orders, dispatched, in
    progress, waiting for rating, hours to approve; overdue ones flagged by each order's village's time limits."""
    now = now or utcnow()
    active = list(session.exec(select(ServiceOrder).where(
        ServiceOrder.station_id == station_id,
        or_(ServiceOrder.status.in_([S.open, S.dispatched, S.accepted, S.completed]),
            ServiceOrder.approval == Approval.pending)).order_by(ServiceOrder.id)))
    rules = read_many(session, catalogue.SERVICE_RULES, sorted({o.village_id for o in active}))
    board: dict[str, list] = {"open": [], "dispatched": [], "accepted": [], "completed": [], "approval": []}
    for order in active:
        row = (order, overdue(order, rules[order.village_id], now))
        if order.approval == Approval.pending:
            board["approval"].append(row)
        if order.status in board:
            board[order.status].append(row)
    board["overdue"] = sum(1 for rows in (board["open"], board["dispatched"], board["accepted"], board["completed"])
                           for _, late in rows if late)
    board["due_confirm"] = sum(1 for o, late in board["completed"] if late)
    return board


def village_board(session: Session, *, village_id: int, now: datetime | None = None) -> dict:
    """The village 站's board, its rules and the town's bounds on them, and the 所 / 中心 orders placed in the
    village that those levels are handling (read-only here: their state, not who they are for)."""
    board = station_board(session, station_id=village_id, now=now)
    board["rules"] = catalogue.settings_for(session, village_id=village_id)
    board["bounds"] = catalogue.town_bounds(session, village_id=village_id)
    board["above"] = list(session.exec(select(ServiceOrder).where(
        ServiceOrder.village_id == village_id, ServiceOrder.station_id != village_id,
        ServiceOrder.status.in_([S.open, S.dispatched, S.accepted, S.completed])).order_by(ServiceOrder.id)))
    return board


def village_names(session: Session, board: dict) -> dict[int, str]:
    """The villages of a 所's or 中心's board rows, by id (where each order is served)."""
    ids = {o.village_id for key in ("open", "dispatched", "accepted", "completed", "approval") for o, _ in board[key]}
    return dict(session.exec(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).all()) if ids else {}


# --- badges ---------------------------------------------------------------------------------------------------------

def badges(session: Session, *, actor: Actor) -> dict[str, int]:
    """What needs this person, and only that (issue #18): the volunteer's orders offered to them (or their team)
    or accepted by them and not done; the station's orders to dispatch, overdue or with hours to approve; the
    villager's orders waiting for their rating."""
    counts = {"volunteer": 0, "station": 0, "mine": 0}
    volunteer_villages = sorted(actor.villages(VOLUNTEERS))
    if volunteer_villages:
        doing = session.exec(select(func.count(ServiceOrder.id)).where(
            ServiceOrder.village_id.in_(volunteer_villages), ServiceOrder.status == S.accepted,
            ServiceOrder.volunteer_id == actor.id)).one()
        counts["volunteer"] = doing + len(offered_to(session, actor, volunteer_villages))
    station = sorted(actor.villages(OFFICIALS))
    if station:
        counts["station"] = sum(v["needs"] for v in station_waiting(session, village_ids=station).values())
    levels = sorted({a.org_id for a in actor.roles if a.role in ADMINS})
    if levels:  # the 所 / 中心 the town or county admin runs
        counts["station"] += sum(v["needs"] for v in station_waiting(session, village_ids=levels).values())
    to_rate = [ServiceOrder.requester_id == actor.id, ServiceOrder.on_behalf.is_(False)]
    cond = [and_(*to_rate)]
    if actor.user.household_id:
        cond.append(ServiceOrder.household_id == actor.user.household_id)
    counts["mine"] = session.exec(select(func.count(ServiceOrder.id)).where(
        ServiceOrder.status == S.completed, or_(*cond),
        or_(ServiceOrder.volunteer_id.is_(None), ServiceOrder.volunteer_id != actor.id))).one()
    counts["total"] = counts["volunteer"] + counts["station"] + counts["mine"]
    return counts


def station_waiting(session: Session, *, village_ids: list[int], now: datetime | None = None
                    ) -> dict[int, dict[str, int]]:
    """Per station (a village's 站, or a 所 / 中心 by its unit's id), what waits for it: undispatched orders
    (待派单), overdue ones (any step), hours to approve, and `needs`: the orders among them (each once). A 所's or
    中心's orders placed in a village wait for that level, not for the village's 站. Two queries whatever the
    number of stations."""
    now = now or utcnow()
    out = {v: {"undispatched": 0, "overdue": 0, "approval": 0, "needs": 0} for v in village_ids}
    if not village_ids:
        return out
    active = list(session.exec(select(ServiceOrder).where(
        ServiceOrder.station_id.in_(list(village_ids)),
        or_(ServiceOrder.status.in_([S.open, S.dispatched, S.accepted, S.completed]),
            ServiceOrder.approval == Approval.pending))))
    rules = read_many(session, catalogue.SERVICE_RULES, sorted({o.village_id for o in active}))
    for order in active:
        counts = out[order.station_id]
        late = bool(overdue(order, rules[order.village_id], now))
        counts["undispatched"] += order.status == S.open
        counts["overdue"] += late
        counts["approval"] += order.approval == Approval.pending
        counts["needs"] += order.status == S.open or late or order.approval == Approval.pending
    return out


def unseen(orders: list[ServiceOrder]) -> set[int]:
    """Which of the villager's orders changed since they last looked at them (shown as 有新进展)."""
    return {o.id for o in orders if o.requester_seen_at is None
            or as_utc(o.changed_at) > as_utc(o.requester_seen_at)}


def mark_seen(session: Session, *, actor: Actor, order: ServiceOrder) -> None:
    """The villager has looked at their order as it now is (the badge forgets it)."""
    if actor.id == order.requester_id or actor.user.household_id == order.household_id:
        seen = order.requester_seen_at
        if seen is None or as_utc(seen) < as_utc(order.changed_at):
            order.requester_seen_at = utcnow()
            session.add(order)
            session.flush()


# --- hours, record, ratings -------------------------------------------------------------------------------------

def volunteer_record(session: Session, *, user_id: int) -> dict:
    """A volunteer's confirmed services (order, date, hours, points) and totals; hours waiting for confirmation
    are counted apart, and so are points whose credit waits for a second person (issue #15)."""
    done = list(session.exec(select(ServiceOrder).where(ServiceOrder.volunteer_id == user_id,
                                                        ServiceOrder.status.in_(FINISHED))
                             .order_by(ServiceOrder.completed_at)))
    waiting = list(session.exec(select(ServiceOrder).where(ServiceOrder.volunteer_id == user_id,
                                                           ServiceOrder.status == S.completed)))
    counted = [o for o in done if o.approval != Approval.pending]
    credits = {i: status for i, status in session.exec(select(AwardRequest.source_id, AwardRequest.status).where(
        AwardRequest.source_kind == TxnKind.service, col(AwardRequest.status).in_([PENDING, REFUSED]),
        col(AwardRequest.source_id).in_([o.id for o in counted])))} if counted else {}
    waiting_credit = {i for i, status in credits.items() if status == PENDING}
    return {"orders": counted, "total_hours": hours(sum(o.credited_minutes or 0 for o in counted)) or 0,
            "total_points": sum(o.points or 0 for o in counted if o.id not in credits),  # a refused credit: none
            "pending_points": sum(o.points or 0 for o in counted if o.id in waiting_credit), "count": len(counted),
            "waiting_hours": hours(sum(o.claimed_minutes or 0 for o in waiting + [o for o in done
                                                                                   if o not in counted])) or 0}


def village_ratings(session: Session, *, village_id: int, limit: int = 30) -> list[tuple[ServiceOrder, str]]:
    """Confirmed orders of the village (rated, or confirmed by the station), newest first, with the volunteer's name:
    ratings, hours and the points they earned are public within the village."""
    rows = session.exec(select(ServiceOrder, User.name).join(User, User.id == ServiceOrder.volunteer_id)
                        .where(ServiceOrder.village_id == village_id, ServiceOrder.status.in_(FINISHED))
                        .order_by(ServiceOrder.settled_at.desc(), ServiceOrder.id.desc()).limit(limit)).all()
    return [(o, name) for o, name in rows]


def services_by_id(session: Session, ids: set[int]) -> dict[int, VolunteerService]:
    return {s.id: s for s in session.exec(select(VolunteerService).where(VolunteerService.id.in_(ids)))} if ids else {}
