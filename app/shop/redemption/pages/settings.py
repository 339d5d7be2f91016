"""Shop pages by area — what the village sets for its shops: above how many points a redemption by pay code waits
for the villager to confirm on their own phone (issue #7, item 8), and the most one offline code pays for (离线码,
issue #21 item 3)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.deps import ActorDep, HtmxDep, SessionDep
from app.errors import ValidationFailed
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.org.access import OFFICIALS, Actor
from app.org.service import village_name
from app.shop.access import visible_shop
from app.shop.models import Shop
from app.shop.picking import pick_shop, tab_for
from app.shop.redemption import confirmations, offline

router = APIRouter()
SAVED = "已保存"


def set_by_officials(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose village's settings the actor may change: the village's officials."""
    shop = visible_shop(session, actor, shop_id)
    actor.require(shop.village_id, OFFICIALS, "只有村干部可以修改大额兑换确认")
    return shop


@router.get("/shop/settings")
def settings_page(request: Request, actor: ActorDep, session: SessionDep, shop_id: Id | None = None,
                  done: str = "") -> Response:
    shop, shops = pick_shop(session, actor, shop_id, set_by_officials)
    return _page(request, session, actor, shop, shops, done=SAVED if done == "saved" else "")


@router.post("/shop/settings")
def save_settings(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  shop_id: Annotated[Id, Form()], confirm_above: Annotated[str, Form()] = "") -> Response:
    shop = set_by_officials(session, actor, shop_id)
    try:
        amount = form_int(confirm_above)  # unreadable is -1: refused below in plain words
        confirmations.set_confirm_above(session, actor=actor, village_id=shop.village_id, amount=amount)
    except ValidationFailed as exc:  # the form again, the message beside the field
        session.rollback()
        return _page(request, session, actor, shop, [shop], error=exc, typed=confirm_above)
    session.commit()
    return redirect_after_post(f"/shop/settings?shop_id={shop.id}&done=saved", htmx=htmx)


@router.post("/shop/settings/offline-cap")
def save_offline_cap(request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                     shop_id: Annotated[Id, Form()], offline_cap: Annotated[str, Form()] = "") -> Response:
    shop = set_by_officials(session, actor, shop_id)
    try:
        offline.set_offline_cap(session, actor=actor, village_id=shop.village_id, cap=form_int(offline_cap))
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, actor, shop, [shop], error=exc, typed_cap=offline_cap)
    session.commit()
    return redirect_after_post(f"/shop/settings?shop_id={shop.id}&done=saved", htmx=htmx)


def _page(request: Request, session: Session, actor: Actor, shop: Shop, shops: list[Shop], *, done: str = "",
          error: ValidationFailed | None = None, typed: str | None = None, typed_cap: str | None = None) -> Response:
    current = confirmations.confirm_above(session, village_id=shop.village_id)
    cap = offline.offline_cap(session, village_id=shop.village_id)
    field = "offline_cap" if typed_cap is not None else "confirm_above"
    return render(request, "shop/settings.html", {
        "tab": tab_for(actor), "shop": shop, "shops": shops, "done": done, "confirm_above": current,
        "typed": typed if typed is not None else str(current), "village": village_name(session, shop.village_id),
        "offline_cap": cap, "typed_cap": typed_cap if typed_cap is not None else str(cap),
        "errors": {field: error.message} if error else {}}, status_code=422 if error else 200)
