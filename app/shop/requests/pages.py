"""扫码兑换 pages: the shop's poster and stable address (/s/{id}), the villager's basket and 核销码, their list,
the counter's 核销 (scan or type the code, the basket, confirm / drop an item / refuse), the shop's request list."""

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.deps import (
    ActorDep,
    CodeFailuresDep,
    CodeTriesDep,
    HtmxDep,
    SecretDep,
    SessionDep,
    SettingsDep,
    read_claims,
)
from app.errors import NotFound, ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id, in_range
from app.ledger.service import household_balance
from app.org.access import OFFICIALS, VILLAGE_STAFF, Actor, acting_household
from app.org.service import village_name
from app.shop.access import is_staff, managed_shop, overseen_shop, staffed_shop, visible_shop
from app.shop.catalogue.basket import MAX_QUANTITY
from app.shop.catalogue.models import BasketLine
from app.shop.catalogue.service import goods_public, list_goods
from app.shop.models import Shop
from app.shop.picking import agreed_total, pick_shop, tab_for
from app.shop.qr import qr_svg
from app.shop.redemption.counter import counting_code_failures, throttle_code_tries
from app.shop.redemption.models import Redemption
from app.shop.redemption.receipts import receipt
from app.shop.redemption.service import counter_queue
from app.shop.requests import codes, reading, service
from app.shop.requests.models import STATUS_LABELS, RequestStatus, ShopRequest
from app.timeutil import as_utc, local, utcnow

public = APIRouter(include_in_schema=False)
router = APIRouter()
POLL_SECONDS = 2
# 核销 of a basket above this many points asks the attendant once, saying what will happen (issue #18). A fixed
# figure, not the village's award limit: that limit is about crediting a household from the fund, this is about
# handing over goods that cannot be taken back at the counter; about four days' shopping for a household.
LARGE_BASKET_POINTS = 100
STOP_POLLING = 286  # htmx stops polling an element whose answer has this status
NO_STORE = {"Cache-Control": "no-store"}


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


# --- the poster's address: public, so that a phone camera or WeChat can open it signed out -------------------------

@public.get("/s/{shop_id}")
def shop_address(shop_id: Id, request: Request) -> Response:
    """The stable address printed in the shop's QR: signed in → the shop's page; else sign in, then back here."""
    claims, _ = read_claims(request)
    if claims is None:
        return RedirectResponse(f"/login?next=/s/{shop_id}", status_code=303)
    return RedirectResponse(f"/shop/order/{shop_id}", status_code=303)


def poster_url(request: Request, settings, shop_id: int) -> str:
    """The shop's address for its QR: https when this server has TLS (uvicorn's own or the proxy's)."""
    base = str(request.base_url).rstrip("/")
    if settings.cookie_secure or request.url.scheme == "https":
        base = "https://" + base.split("://", 1)[1]
    return f"{base}/s/{shop_id}"


@router.get("/shop/poster")
def poster(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
           shop_id: Id | None = None) -> Response:
    shop, _ = pick_shop(session, actor, shop_id, managed_shop)
    url = poster_url(request, settings, shop.id)
    return render(request, "shop/requests/poster.html", {
        "tab": tab_for(actor), "shop": shop, "village": village_name(session, shop.village_id), "url": url,
        "qr_data_uri": _data_uri(qr_svg(url))})


# --- the villager: the shop's page, the basket, the 核销码 -----------------------------------------------------------

def _order_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    try:
        return visible_shop(session, actor, shop_id)
    except NotFound:
        if session.get(Shop, shop_id) is not None:
            raise NotFound("这是其他村的积分超市，只有本村村民可以在这里兑换。请扫本村超市的二维码。") from None
        raise


@router.get("/shop/order/{shop_id}")
def order_page(request: Request, actor: ActorDep, session: SessionDep, shop_id: Id) -> Response:
    shop = _order_shop(session, actor, shop_id)
    household = acting_household(session, actor)
    if household is not None and household.village_id != shop.village_id:
        raise NotFound("这是其他村的积分超市，只有本村村民可以在这里兑换。请扫本村超市的二维码。")
    open_requests = []
    if household is not None:
        page = reading.household_requests(session, household_id=household.id, status=RequestStatus.pending,
                                          limit=5, cursor=None)
        open_requests = [r for (r,) in page.items if r.shop_id == shop.id]
    goods = sorted(list_goods(session, shop=shop), key=lambda g: (g.stock <= 0, g.name, g.id))
    return render(request, "shop/requests/order.html", {
        "tab": "home", "shop": shop, "household": household, "village": village_name(session, shop.village_id),
        "balance": household_balance(session, household_id=household.id) if household else None,
        "goods": [goods_public(g) for g in goods], "open_requests": open_requests,
        "max_quantity": MAX_QUANTITY, "minutes": service.request_minutes(session, village_id=shop.village_id)})


async def basket_form(request: Request) -> tuple[list[BasketLine], str | None]:
    """The basket's fields (q_<goods id> = quantity; blank or 0 left out) and the form key, read on the event loop
    so that the route itself runs in the thread pool like every other database route."""
    form = await request.form()
    items = []
    for name, value in form.items():
        if name.startswith("q_") and name[2:].isdigit() and len(name) < 14 and isinstance(value, str):
            quantity = form_int(value, blank=0)
            if quantity != 0:
                if not in_range(int(name[2:])):
                    raise ValidationFailed("商品不存在或不属于本店，请刷新商品列表")
                items.append(BasketLine(goods_id=int(name[2:]), quantity=quantity))
    key = form.get("form_key")
    return items, key if isinstance(key, str) and key else None


@router.post("/shop/order/{shop_id}")
def submit_order(actor: ActorDep, session: SessionDep, secret: SecretDep, htmx: HtmxDep, shop_id: Id,
                 basket: Annotated[tuple[list[BasketLine], str | None], Depends(basket_form)]) -> Response:
    items, key = basket
    shop = _order_shop(session, actor, shop_id)
    req = service.create_request(session, actor=actor, shop=shop, items=items, idempotency_key=key, secret=secret)
    session.commit()
    return redirect_after_post(f"/shop/order/{shop.id}/requests/{req.id}", htmx=htmx)


def _code_context(session: Session, actor: Actor, shop: Shop, req: ShopRequest, *, secret: str) -> dict:
    view = reading.public(session, req, viewer=actor, secret=secret)
    context = {"shop": shop, "req": view, "status_label": STATUS_LABELS.get(view.status, view.status),
               "poll_seconds": POLL_SECONDS,
               "balance": household_balance(session, household_id=req.household_id),
               "ttl": max(0, int((as_utc(req.expires_at) - utcnow()).total_seconds()))}
    if view.code:
        context |= {"code_groups": codes.group_digits(view.code), "qr_data_uri": _data_uri(qr_svg(view.code))}
    if req.redemption_id:
        context["receipt"] = receipt(session, session.get(Redemption, req.redemption_id), reader=actor)
    return context


@router.get("/shop/order/{shop_id}/requests/{request_id}")
def request_page(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep, shop_id: Id,
                 request_id: Id) -> Response:
    shop = _order_shop(session, actor, shop_id)
    req = reading.own_request(session, actor=actor, shop=shop, request_id=request_id)
    return render(request, "shop/requests/code.html", {"tab": "home", **_code_context(session, actor, shop, req,
                                                                                        secret=secret)}, no_store=True)


@router.get("/shop/order/{shop_id}/requests/{request_id}/state")
def request_state(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep, shop_id: Id,
                  request_id: Id, shown: int | None = None) -> Response:
    """Polled by the 核销码 screen: 204 while nothing changed; a consent question; the receipt or the end."""
    shop = _order_shop(session, actor, shop_id)
    req = reading.own_request(session, actor=actor, shop=shop, request_id=request_id)
    status = reading.status_of(req)
    if status == RequestStatus.pending and not req.needs_consent:
        return Response(status_code=200, content=b"", headers=NO_STORE)  # nothing to show yet
    answer = 200 if status == RequestStatus.pending else STOP_POLLING
    response = render(request, "shop/requests/_state.html", _code_context(session, actor, shop, req, secret=secret),
                      status_code=answer)
    response.headers.update(NO_STORE)
    if status not in (RequestStatus.pending, RequestStatus.fulfilled):
        response.headers["HX-Refresh"] = "true"  # the code, its countdown and 取消 go: the page shows the end
    elif req.needs_consent and shown != req.total_points:
        response.headers["HX-Refresh"] = "true"  # an item dropped: show the new basket and total, then ask
    return response


@router.post("/shop/order/{shop_id}/requests/{request_id}/cancel")
def cancel(actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Id, request_id: Id) -> Response:
    shop = _order_shop(session, actor, shop_id)
    service.cancel_request(session, actor=actor, shop=shop, request_id=request_id)
    session.commit()
    return redirect_after_post(f"/shop/order/{shop.id}/requests/{request_id}", htmx=htmx)


@router.post("/shop/order/{shop_id}/requests/{request_id}/consent")
def agree(actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Id, request_id: Id,
          total_points: Annotated[str, Form()] = "") -> Response:
    """同意: the form carries the total it showed; another total now is refused (409 total_changed)."""
    shop = _order_shop(session, actor, shop_id)
    reading.own_request(session, actor=actor, shop=shop, request_id=request_id)  # another's request: 404 first
    service.consent(session, actor=actor, shop=shop, request_id=request_id, total_points=agreed_total(total_points))
    session.commit()
    return redirect_after_post(f"/shop/order/{shop.id}/requests/{request_id}", htmx=htmx)


@router.get("/my/requests")
def my_requests(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep) -> Response:
    """The villager's 兑换单: open ones first (with their code screen a tap away), then the past ones."""
    household = acting_household(session, actor)
    rows = []
    if household is not None:
        page = reading.household_requests(session, household_id=household.id, status=None, limit=50, cursor=None)
        rows = reading.public_many(session, [r for (r,) in page.items], viewer=actor, secret=secret)
    return render(request, "shop/requests/mine.html", {
        "tab": "home", "household": household, "open": [r for r in rows if r.status == RequestStatus.pending],
        "past": [r for r in rows if r.status != RequestStatus.pending], "labels": STATUS_LABELS})


@router.get("/scan")
def scan_page(request: Request, actor: ActorDep) -> Response:
    """扫一扫: the camera reads a shop's poster and opens its page."""
    return render(request, "shop/requests/scan.html", {"tab": "home"})


# --- the shop's staff and the village's officials ----------------------------------------------------------------

@router.get("/shop/requests")
def shop_request_list(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
                      shop_id: Id | None = None, status: str = "pending") -> Response:
    shop, shops = pick_shop(session, actor, shop_id, overseen_shop)
    status = status if status in RequestStatus.__members__ or status == "all" else "pending"
    page = reading.shop_requests(session, shop=shop, status=None if status == "all" else status, limit=50,
                                 cursor=None)
    rows = reading.public_many(session, [r for (r,) in page.items], viewer=actor, secret=secret)
    return render(request, "shop/requests/list.html", {
        "tab": tab_for(actor), "shop": shop, "shops": shops, "rows": rows, "status": status, "labels": STATUS_LABELS,
        "staff": is_staff(session, actor, shop), "official": actor.can(shop.village_id, VILLAGE_STAFF),
        "minutes": service.request_minutes(session, village_id=shop.village_id),
        "can_set_minutes": actor.can(shop.village_id, OFFICIALS)})


@router.get("/shop/requests/month")
def month_summary(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep, shop_id: Id,
                  month: str = "") -> Response:
    """扫码兑换 in the month's settlement: how many requests ended how (loaded into the settlement page)."""
    shop = overseen_shop(session, actor, shop_id)
    month = month or local(utcnow(), settings.timezone).strftime("%Y-%m")
    outcomes = reading.month_outcomes(session, shop=shop, month=month, tz=settings.timezone)
    return render(request, "shop/requests/_month.html", {"shop": shop, "month": month, "outcomes": outcomes,
                                                         "labels": STATUS_LABELS})


@router.post("/shop/requests/minutes")
def set_minutes(actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Annotated[Id, Form()],
                minutes: Annotated[str, Form()] = "") -> Response:
    shop = overseen_shop(session, actor, shop_id)
    service.set_request_minutes(session, actor=actor, village_id=shop.village_id, minutes=form_int(minutes))
    session.commit()
    return redirect_after_post(f"/shop/requests?shop_id={shop.id}&status=all", htmx=htmx)


# --- at the counter: 核销 ---------------------------------------------------------------------------------------

@router.get("/counter/requests")
def counter_requests(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
                     shop_id: Id | None = None, opened: Annotated[Id | None, Query(alias="open")] = None
                     ) -> Response:
    """核销手机兑换单: the code field and camera, and the waiting requests (a tap shows one; its code still needed)."""
    shop, _ = pick_shop(session, actor, shop_id, staffed_shop)
    page = reading.shop_requests(session, shop=shop, status=RequestStatus.pending, limit=20, cursor=None)
    rows = reading.public_many(session, [r for (r,) in page.items], viewer=actor, secret=secret)
    shown = next((r for r in rows if r.id == opened), None)
    return render(request, "shop/requests/counter.html", {
        "tab": "home", "shop": shop, "rows": rows, "minutes_left": reading.minutes_left(rows), "opened": shown,
        "poll_seconds": POLL_SECONDS, "code_length": codes.REQUEST_CODE_LENGTH, "large_basket": LARGE_BASKET_POINTS},
        no_store=True)


def _basket(request: Request, session: Session, actor: Actor, shop: Shop, req: ShopRequest, *, code: str,
            secret: str, error: str = "") -> Response:
    view = reading.public(session, req, viewer=actor, secret=secret)
    return render(request, "shop/requests/_basket.html", {"shop": shop, "req": view, "code": code, "error": error,
                                                          "poll_seconds": POLL_SECONDS,
                                                          "large_basket": LARGE_BASKET_POINTS}, no_store=True)


@router.post("/counter/requests/lookup")
def counter_lookup(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep,
                   code_tries: CodeTriesDep, code_failures: CodeFailuresDep, shop_id: Annotated[Id, Form()],
                   code: Annotated[str, Form()] = "") -> Response:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
        req = service.pending_by_code(session, shop=shop, code=code, secret=secret)
    return _basket(request, session, actor, shop, req, code=codes.clean_request_code(code), secret=secret)


@router.get("/counter/requests/{request_id}/basket")
def counter_basket(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep, request_id: Id,
                   shop_id: Id, code: str = "") -> Response:
    """Polled while the villager is asked to agree to a new total."""
    shop = staffed_shop(session, actor, shop_id)
    req = reading.staff_request(session, actor=actor, shop=shop, request_id=request_id)
    return _basket(request, session, actor, shop, req, code=code if codes.is_request_code(code) else "",
                   secret=secret)


@router.post("/counter/requests/fulfil")
def counter_fulfil(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                   secret: SecretDep, code_tries: CodeTriesDep, code_failures: CodeFailuresDep,
                   shop_id: Annotated[Id, Form()], code: Annotated[str, Form()] = "",
                   form_key: Annotated[str, Form()] = "", request_id: Annotated[Id | None, Form()] = None) -> Response:
    shop = staffed_shop(session, actor, shop_id)
    throttle_code_tries(code_tries, actor.id)
    session.commit()
    with counter_queue(session, shop_id=shop.id, wait=settings.db_write_wait):
        with counting_code_failures(code_failures, attendant_id=actor.id, shop_id=shop.id):
            result = service.fulfil(session, actor=actor, shop=shop, code=code, idempotency_key=form_key or None,
                                    secret=secret, request_id=request_id)
        session.commit()
    return render(request, "shop/requests/_done.html", {"shop": shop, "receipt": result})


@router.post("/counter/requests/{request_id}/drop")
def counter_drop(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep, request_id: Id,
                 shop_id: Annotated[Id, Form()], goods_id: Annotated[Id, Form()],
                 code: Annotated[str, Form()] = "") -> Response:
    shop = staffed_shop(session, actor, shop_id)
    req = service.drop_item(session, actor=actor, shop=shop, request_id=request_id, goods_id=goods_id)
    session.commit()
    return _basket(request, session, actor, shop, req, code=code if codes.is_request_code(code) else "",
                   secret=secret)


@router.post("/counter/requests/{request_id}/refuse")
def counter_refuse(request: Request, actor: ActorDep, session: SessionDep, secret: SecretDep, request_id: Id,
                   shop_id: Annotated[Id, Form()], reason: Annotated[str, Form()] = "") -> Response:
    shop = staffed_shop(session, actor, shop_id)
    req = service.refuse_request(session, actor=actor, shop=shop, request_id=request_id, reason=reason)
    session.commit()
    return render(request, "shop/requests/_refused.html", {"shop": shop, "req": reading.public(
        session, req, viewer=actor, secret=secret)})
