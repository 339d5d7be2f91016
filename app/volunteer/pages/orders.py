"""服务 pages for everyone: the tab, the menu, 点单, an order and its steps, the photo, the badge."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import select

from app.assist.access import helped_households
from app.deps import ActorDep, CodeTriesDep, HtmxDep, SecretDep, SessionDep, SettingsDep, WriteSessionDep
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.org.access import (
    NOT_IN_A_VILLAGE,
    OFFICIALS,
    VOLUNTEER_APPOINTERS,
    Actor,
    acting_household,
    own_stations,
)
from app.org.models import Household
from app.org.switch import VillageSwitch, switch_village
from app.shop.redemption.counter import throttle_code_tries
from app.volunteer import applications, catalogue, service, views
from app.volunteer.contact import served_phone
from app.volunteer.machine import VOLUNTEERS, allowed_actions
from app.volunteer.models import LEVEL_LABELS, STATUS_LABELS
from app.volunteer.points import may_approve_credit

router = APIRouter()
DONE = {"create": "已点单，村里会尽快安排志愿者", "dispatch": "已派单", "redispatch": "已改派", "reject": "已不予受理",
        "take": "抢单成功，请按约定时间上门", "accept": "已接单，请按约定时间上门", "decline": "已退回村里重新安排",
        "cancel": "订单已取消", "withdraw": "订单已取消", "complete": "已提交完成，等待村民评价",
        "rate": "谢谢您的评价", "rate_card": "已凭户卡记下村民的评价", "confirm": "已确认服务",
        "approve_hours": "已核定服务时长", "hand_down": "已转交村实践站，由村里派单",
        "photo": "照片已上传"}


def form_hours(value: str) -> float:
    try:
        return float((value or "").strip())
    except ValueError:
        return -1.0


def may_order(actor: Actor) -> bool:
    """Who is offered 我要点单: a villager for their household, an official or volunteer for an elderly one."""
    return bool(actor.user.household_id) or actor.has_role(OFFICIALS | VOLUNTEERS)


def service_switch(session, actor: Actor, village_id: int | None, *, none_ok: bool = False) -> VillageSwitch:
    """The village whose services a 服务 page shows: `?village_id=` for someone over several, else their own (as
    `catalogue.service_village`: one of no village is refused, or with `none_ok` shown none)."""
    return switch_village(session, actor, village_id, household=acting_household(session, actor),
                          refuse=NOT_IN_A_VILLAGE, none_ok=none_ok)


@router.get("/service")
def hub(request: Request, actor: ActorDep, session: SessionDep, village_id: Id | None = None) -> Response:
    """The 服务 tab: what each of the viewer's roles does here; the village's services for whoever oversees it."""
    mine = views.my_orders(session, actor=actor, limit=20)
    queues = views.volunteer_queues(session, actor=actor) if actor.has_role(VOLUNTEERS) else None
    context = {"tab": "service", "mine": mine, "unseen": views.unseen(mine), "queues": queues,
               "groups": {o.id: views.village_group(o.address) for o in (queues or {}).get("pool", [])},
               "badges": views.badges(session, actor=actor), "is_station": actor.has_role(OFFICIALS),
               "centres": [catalogue.station_name(session, u.id) for u in own_stations(session, actor)][:1],
               "can_order": may_order(actor), "switch": service_switch(session, actor, village_id, none_ok=True),
               "labels": STATUS_LABELS, **_volunteer_signup(session, actor)}
    return render(request, "volunteer/hub.html", context)


def _volunteer_signup(session, actor) -> dict:
    """志愿者注册 on the tab: a villager not yet a volunteer may apply; the station sees how many wait."""
    can_apply = bool(actor.user.household_id) and not actor.has_role(VOLUNTEERS)
    return {"can_apply": can_apply,
            "applying": applications.open_application(session, user_id=actor.id) if can_apply else None,
            "applications": applications.count_waiting(session, village_ids=actor.villages(VOLUNTEER_APPOINTERS))}


@router.get("/service/menu")
def menu(request: Request, actor: ActorDep, session: SessionDep, household_id: Id | None = None,
         village_id: Id | None = None) -> Response:
    switch = service_switch(session, actor, village_id)
    return render(request, "volunteer/menu.html", {
        "tab": "service", "services": catalogue.menu(session, village_id=switch.village_id), "levels": LEVEL_LABELS,
        "household_id": household_id, "hours": catalogue.hours, "can_order": may_order(actor), "switch": switch})


@router.get("/service/order/new")
def new_order(request: Request, actor: ActorDep, session: SessionDep, service_id: Id | None = None,
              household_id: Id | None = None) -> Response:
    village = catalogue.service_village(session, actor)
    chosen = catalogue.menu_service(session, village_id=village, service_id=service_id) if service_id else None
    helper = actor.has_role(OFFICIALS | VOLUNTEERS)
    households = list(session.exec(select(Household).where(Household.village_id == village)
                                   .order_by(Household.id))) if helper else helped_households(session, actor)
    own = acting_household(session, actor)
    return render(request, "volunteer/new_order.html", {
        "tab": "service", "service": chosen, "households": households, "own": own,
        "household_id": household_id or (own.id if own else None), "hours": catalogue.hours})


@router.post("/service/orders")
def create_order(actor: ActorDep, session: SessionDep, htmx: HtmxDep, service_id: Annotated[str, Form()] = "",
                 wish: Annotated[str, Form()] = "", description: Annotated[str, Form()] = "",
                 address: Annotated[str, Form()] = "", preferred_time: Annotated[str, Form()] = "",
                 household_id: Annotated[str, Form()] = "", for_name: Annotated[str, Form()] = "",
                 form_key: Annotated[str, Form()] = "") -> Response:
    sid, hid = form_int(service_id, blank=0), form_int(household_id, blank=0)
    order = service.place_order(session, actor=actor, service_id=sid if sid > 0 else None, wish=wish,
                                description=description, address=address, preferred_time=preferred_time,
                                household_id=hid if hid > 0 else None, for_name=for_name,
                                idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/service/orders/{order.id}?done=create", htmx=htmx)


@router.get("/service/orders/{order_id}")
def order_page(order_id: Id, request: Request, actor: ActorDep, session: WriteSessionDep, done: str = "") -> Response:
    order = service.visible_order(session, actor, order_id)
    views.mark_seen(session, actor=actor, order=order)
    session.commit()
    steps = allowed_actions(session, actor, order)
    station = "dispatch" in steps or "redispatch" in steps
    shown = views.order_public(session, order, viewer=actor, with_events=True)
    return render(request, "volunteer/order.html", {
        "tab": "service", "order": shown, "steps": steps,
        "contact": served_phone(session, order, viewer=actor, full_view=shown.household_id is not None),
        "volunteers": service.dispatchable_volunteers(session, order=order) if station else [],
        "teams": catalogue.list_teams(session, org_id=order.station_id) if station else [],
        "can_approve": may_approve_credit(session, actor=actor, order=order), "done": DONE.get(done, ""),
        "above_hint": order.station_id != order.village_id and actor.can(order.village_id, OFFICIALS)})


def _after(order_id: int, done: str, htmx) -> Response:
    return redirect_after_post(f"/service/orders/{order_id}?done={done}", htmx=htmx)


@router.post("/service/orders/{order_id}/dispatch")
def dispatch(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
             to: Annotated[str, Form()] = "") -> Response:
    order = service.visible_order(session, actor, order_id)
    kind, _, raw = to.partition(":")
    target = form_int(raw)
    action = "dispatch" if order.status == "open" else "redispatch"
    service.dispatch(session, actor=actor, order=order, volunteer_user_id=target if kind == "user" else None,
                     team_id=target if kind == "team" else None)
    session.commit()
    return _after(order_id, action, htmx)


@router.post("/service/orders/{order_id}/hand-down")
def hand_down(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              note: Annotated[str, Form()] = "") -> Response:
    service.hand_down(session, actor=actor, order=service.visible_order(session, actor, order_id), note=note)
    session.commit()
    return _after(order_id, "hand_down", htmx)


@router.post("/service/orders/{order_id}/reject")
def reject(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           reason: Annotated[str, Form()] = "") -> Response:
    service.reject(session, actor=actor, order=service.visible_order(session, actor, order_id), reason=reason)
    session.commit()
    return _after(order_id, "reject", htmx)


@router.post("/service/orders/{order_id}/accept")
def accept(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    order = service.visible_order(session, actor, order_id)
    action = "take" if order.status == "open" else "accept"
    service.accept(session, actor=actor, order=order)
    session.commit()
    return _after(order_id, action, htmx)


@router.post("/service/orders/{order_id}/decline")
def decline(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
            reason: Annotated[str, Form()] = "") -> Response:
    service.decline(session, actor=actor, order=service.visible_order(session, actor, order_id), reason=reason)
    session.commit()
    return _after(order_id, "decline", htmx)


@router.post("/service/orders/{order_id}/cancel")
def cancel(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
           reason: Annotated[str, Form()] = "") -> Response:
    service.cancel(session, actor=actor, order=service.visible_order(session, actor, order_id), reason=reason)
    session.commit()
    return _after(order_id, "cancel", htmx)


@router.post("/service/orders/{order_id}/complete")
def complete(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
             hours: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
             photo: Annotated[UploadFile | None, File()] = None) -> Response:
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None and photo.filename else b""
    order = service.visible_order(session, actor, order_id)
    session.commit()  # the photo is decoded holding no lock and no connection
    picture = process_photo(data) if data else None
    service.complete(session, actor=actor, order=order, hours=form_hours(hours), note=note, photo=picture)
    session.commit()
    return _after(order_id, "complete", htmx)


@router.post("/service/orders/{order_id}/photo")
def add_photo(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
              photo: Annotated[UploadFile | None, File()] = None) -> Response:
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None else b""
    order = service.visible_order(session, actor, order_id)
    session.commit()
    service.attach_photo(session, actor=actor, order=order, photo=process_photo(data))
    session.commit()
    return _after(order_id, "photo", htmx)


@router.post("/service/orders/{order_id}/rate")
def rate(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, stars: Annotated[str, Form()] = "",
         comment: Annotated[str, Form()] = "", form_key: Annotated[str, Form()] = "") -> Response:
    service.rate(session, actor=actor, order=service.visible_order(session, actor, order_id),
                 stars=form_int(stars), comment=comment, idempotency_key=form_key or None)
    session.commit()
    return _after(order_id, "rate", htmx)


@router.post("/service/orders/{order_id}/rate-by-card")
def rate_by_card(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, settings: SettingsDep,
                 secret: SecretDep, code_tries: CodeTriesDep, card_code: Annotated[str, Form()] = "",
                 pin: Annotated[str, Form()] = "",
                 stars: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "") -> Response:
    order = service.visible_order(session, actor, order_id)
    throttle_code_tries(code_tries, actor.id)
    refusal = service.rate_with_card(session, actor=actor, order=order, card_code=card_code, pin=pin,
                                     stars=form_int(stars), comment=comment, secret=secret,
                                     tz=settings.timezone)
    session.commit()  # a wrong PIN is counted even though the answer is a refusal
    if refusal is not None:
        raise refusal
    return _after(order_id, "rate_card", htmx)


@router.post("/service/orders/{order_id}/confirm")
def confirm(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep) -> Response:
    service.confirm(session, actor=actor, order=service.visible_order(session, actor, order_id))
    session.commit()
    return _after(order_id, "confirm", htmx)


@router.post("/service/orders/{order_id}/approve-hours")
def approve_hours(order_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  hours: Annotated[str, Form()] = "") -> Response:
    service.approve_hours(session, actor=actor, order=service.visible_order(session, actor, order_id),
                          hours=form_hours(hours))
    session.commit()
    return _after(order_id, "approve_hours", htmx)


@router.get("/service/orders/{order_id}/photo.jpg")
def order_photo(order_id: Id, actor: ActorDep, session: SessionDep) -> Response:
    photo = service.order_photo(session, order=service.full_order(session, actor, order_id))
    return Response(photo.data, media_type=photo.content_type, headers={"Cache-Control": "private, no-store"})


@router.get("/service/badge")
def badge(request: Request, actor: ActorDep, session: SessionDep) -> Response:
    """The 服务 tab's badge: what waits for this person (the tab bar loads it)."""
    response = render(request, "_tab_badge.html", {"count": views.badges(session, actor=actor)["total"],
                                                    "label": "条待处理"})
    response.headers["Cache-Control"] = "no-store"
    return response


