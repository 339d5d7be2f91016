"""Pages at the counter: the villager's pay code (积分码) and the attendant's 收银台."""

import base64

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.deps import ActorDep, SessionDep, SettingsDep, WriteSessionDep
from app.errors import Forbidden
from app.htmx import render
from app.ids import AfterId, Id
from app.org.access import Actor, own_household
from app.org.models import Household
from app.shop import goods as catalogue
from app.shop import paycodes, service
from app.shop.access import is_staff, staffed_shop
from app.shop.qr import qr_svg
from app.timeutil import as_utc, utcnow

router = APIRouter()
# What counter.js may accept, read from the page so that the script never copies the server's numbers.
COUNTER_LIMITS = {"pay_code_length": paycodes.PAY_CODE_LENGTH, "card_length": paycodes.CARD_LENGTH,
                  "max_quantity": service.MAX_QUANTITY}
CODE_REFRESH_SECONDS = 45  # well before the 60-second life of a code runs out
RECEIPT_POLL_SECONDS = 2
STOP_POLLING = 286  # htmx stops polling an element whose answer has this status
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/pay")
def pay_page(request: Request, actor: ActorDep, session: WriteSessionDep) -> Response:
    household = session.get(Household, actor.user.household_id) if actor.user.household_id else None
    context: dict = {"tab": "home", "household": household}
    if household is not None:
        context |= {"balance": paycodes.payer_balance(session, household_id=household.id),
                    "after_id": service.latest_redemption_id(session, household_id=household.id),
                    "poll_seconds": RECEIPT_POLL_SECONDS, **_fresh_code(request, session, actor, household)}
    return _no_store(render(request, "shop/pay/page.html", context))


@router.get("/pay/code")
def pay_code_partial(request: Request, actor: ActorDep, session: WriteSessionDep) -> Response:
    household = own_household(session, actor)
    return _no_store(render(request, "shop/pay/_code.html", _fresh_code(request, session, actor, household)))


@router.get("/pay/receipts")
def pay_receipts(request: Request, actor: ActorDep, session: SessionDep, after_id: AfterId = 0) -> Response:
    """204 while nothing new; the newest receipt (and the end of polling) once the attendant has confirmed."""
    household = own_household(session, actor)
    found = service.household_redemptions_after(session, household_id=household.id, after_id=after_id)
    if not found:
        return Response(status_code=204, headers=NO_STORE)
    receipt = service.receipt(session, found[-1])
    return _no_store(render(request, "shop/pay/_receipt.html", {"receipt": receipt}, status_code=STOP_POLLING))


@router.get("/counter")
def counter_page(request: Request, actor: ActorDep, session: SessionDep, settings: SettingsDep,
                 shop_id: Id | None = None) -> Response:
    if shop_id is not None:
        shop = staffed_shop(session, actor, shop_id)
    else:
        shops = [s for s in catalogue.list_shops(session, actor=actor) if is_staff(session, actor, s)]
        if not shops:
            raise Forbidden("只有超市收银员可以使用收银台")
        if len(shops) > 1:
            return render(request, "shop/counter/choose.html", {"tab": "home", "shops": shops})
        shop = shops[0]
    goods = sorted(catalogue.list_goods(session, shop=shop), key=lambda g: (g.stock <= 0, g.name, g.id))
    return render(request, "shop/counter/page.html", {
        "tab": "home", "shop": shop, "goods": [catalogue.goods_public(g) for g in goods],
        "timezone": settings.timezone, "limits": COUNTER_LIMITS})


def _fresh_code(request: Request, session: Session, actor: Actor, household: Household) -> dict:
    """Issue a new pay code (committed: the attendant's scan must find it) and what the screen shows of it."""
    code, row = paycodes.issue_pay_code(session, user_id=actor.id, household=household,
                                        secret=request.app.state.secret)
    session.commit()
    ttl = max(0, int((as_utc(row.expires_at) - utcnow()).total_seconds()))
    return {"code": code, "code_groups": " ".join(code[i:i + 4] for i in range(0, len(code), 4)),
            "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode(),
            "ttl": ttl, "refresh_seconds": min(CODE_REFRESH_SECONDS, max(ttl - 10, 1))}


def _no_store(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response
