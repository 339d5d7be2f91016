"""Shop pages by area — the catalogue: goods for villagers; goods, photos and stock for the shop's staff."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import select

from app.deps import ActorDep, HtmxDep, SessionDep
from app.forms import form_int
from app.htmx import redirect_after_post, render
from app.ids import Id
from app.images import MAX_UPLOAD_BYTES, process_photo
from app.ledger.service import household_balance
from app.org.access import SHOP_KEEPERS
from app.org.models import User
from app.org.service import village_name
from app.shop.access import managed_goods, managed_shop, opening_village, visible_shop
from app.shop.catalogue import service
from app.shop.catalogue.models import MOVEMENT_LABELS
from app.shop.picking import DONE, pick_shop, tab_for

router = APIRouter()


# --- villagers: what the shop has ----------------------------------------------------------------------------

@router.get("/shop")
def browse(request: Request, actor: ActorDep, session: SessionDep, shop_id: Id | None = None) -> Response:
    shop, shops = pick_shop(session, actor, shop_id, visible_shop)
    goods = sorted(service.list_goods(session, shop=shop), key=lambda g: g.stock <= 0)
    hid = actor.user.household_id
    balance = household_balance(session, household_id=hid) if hid else None
    return render(request, "shop/browse.html", {"tab": "home", "shop": shop, "shops": shops, "balance": balance,
                                                "goods": [service.goods_public(g) for g in goods]})


# --- staff: catalogue and stock ------------------------------------------------------------------------------

@router.get("/shop/manage")
def manage(request: Request, actor: ActorDep, session: SessionDep, shop_id: Id | None = None,
           done: str = "") -> Response:
    village_id = opening_village(session, actor) if shop_id is None else None
    if village_id is not None:  # an official whose village has no shop yet: 开设积分超市
        return render(request, "shop/open.html", {"tab": tab_for(actor), "village_id": village_id,
                                                  "village": village_name(session, village_id)})
    shop, shops = pick_shop(session, actor, shop_id, managed_shop)
    goods = service.list_goods(session, shop=shop, include_inactive=True)
    return render(request, "shop/manage.html", {"tab": tab_for(actor), "shop": shop, "shops": shops,
                                                "low": service.low_stock(session, shop=shop), "goods": goods,
                                                "can_set": actor.can(shop.village_id, SHOP_KEEPERS),
                                                "attendants": service.shop_attendants(session, shop=shop),
                                                "done": DONE.get(done, "")})


@router.post("/shop/manage/goods")
def create_goods(actor: ActorDep, session: SessionDep, htmx: HtmxDep, shop_id: Annotated[Id, Form()],
                 name: Annotated[str, Form()] = "", points_price: Annotated[str, Form()] = "",
                 stock: Annotated[str, Form()] = "", low_stock_threshold: Annotated[str, Form()] = "",
                 form_key: Annotated[str, Form()] = "") -> Response:
    shop = managed_shop(session, actor, shop_id)
    goods = service.create_goods(session, actor=actor, shop=shop, name=name, points_price=form_int(points_price),
                                   stock=form_int(stock, blank=0),
                                   low_stock_threshold=form_int(low_stock_threshold, blank=5),
                                   idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods.id}?done=create", htmx=htmx)


@router.get("/shop/manage/goods/{goods_id}")
def goods_detail(goods_id: Id, request: Request, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 done: str = "", cursor: str | None = None) -> Response:
    shop, goods = managed_goods(session, actor, goods_id)
    page = service.stock_history(session, goods=goods, limit=20, cursor=cursor)
    moves = [m for (m,) in page.items]
    ids = {m.actor_id for m in moves if m.actor_id}
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    return render(request, "shop/goods.html", {
        "tab": tab_for(actor), "shop": shop, "goods": goods, "photo": service.goods_public(goods).image_url,
        "moves": moves, "names": names, "labels": MOVEMENT_LABELS, "next_cursor": page.next_cursor,
        "done": DONE.get(done, "")}, htmx=htmx, partial="shop/_moves.html")


@router.post("/shop/manage/goods/{goods_id}/edit")
def edit_goods(goods_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, name: Annotated[str, Form()] = "",
               points_price: Annotated[str, Form()] = "", low_stock_threshold: Annotated[str, Form()] = "") -> Response:
    shop, goods = managed_goods(session, actor, goods_id)
    service.update_goods(session, actor=actor, shop=shop, goods=goods, name=name, points_price=form_int(points_price),
                           low_stock_threshold=form_int(low_stock_threshold))
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=edit", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/active")
def switch_goods(goods_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 active: Annotated[str, Form()] = "") -> Response:
    shop, goods = managed_goods(session, actor, goods_id)
    service.update_goods(session, actor=actor, shop=shop, goods=goods, active=active == "1")
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done={'on' if active == '1' else 'off'}", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/photo")
def upload_photo(goods_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep,
                 photo: Annotated[UploadFile | None, File()] = None) -> Response:
    shop, goods = managed_goods(session, actor, goods_id)
    session.commit()  # end the short look-up: the photo is decoded holding no lock and no connection
    data = photo.file.read(MAX_UPLOAD_BYTES + 1) if photo is not None else b""
    service.set_goods_photo(session, actor=actor, shop=shop, goods=goods, photo=process_photo(data))
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=photo", htmx=htmx)


@router.post("/shop/manage/goods/{goods_id}/stock")
def change_stock(goods_id: Id, actor: ActorDep, session: SessionDep, htmx: HtmxDep, kind: Annotated[str, Form()] = "",
                 quantity: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "",
                 form_key: Annotated[str, Form()] = "") -> Response:
    shop, goods = managed_goods(session, actor, goods_id)
    service.change_stock(session, actor=actor, shop=shop, goods=goods, kind=kind, quantity=form_int(quantity),
                           reason=reason, idempotency_key=form_key or None)
    session.commit()
    return redirect_after_post(f"/shop/manage/goods/{goods_id}?done=stock", htmx=htmx)
