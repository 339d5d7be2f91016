"""Shops from the app (pages): an official opens the village's shop from /shop/manage, pauses, resumes or closes
it there (the page asks before pausing or closing)."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response

from app.deps import ActorDep, HtmxDep, SessionDep
from app.htmx import redirect_after_post
from app.ids import Id
from app.shop.access import kept_shop, shop_village
from app.shop.lifecycle import service as lifecycle

router = APIRouter()


@router.post("/shop/manage/open")
def open_shop(actor: ActorDep, session: SessionDep, htmx: HtmxDep, village_id: Annotated[Id, Form()],
              name: Annotated[str, Form()] = "", partner: Annotated[str, Form()] = "",
              form_key: Annotated[str, Form()] = "") -> Response:
    shop = lifecycle.open_shop(session, actor=actor, village_id=shop_village(actor, village_id), name=name,
                               partner=partner, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/shop/manage?shop_id={shop.id}&done=opened", htmx=htmx)


@router.post("/shop/manage/{shop_id}/status")
def change_status(shop_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                  status: Annotated[str, Form()] = "") -> Response:
    shop = lifecycle.update_shop(session, actor=actor, shop=kept_shop(session, actor, shop_id), status=status)
    session.commit()
    return redirect_after_post(f"/shop/manage?shop_id={shop.id}&done={shop.status}", htmx=htmx)
