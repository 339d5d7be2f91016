"""The catalogue's JSON API: shops, goods, photos, stock."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from app.deps import ActorDep, IdempotencyKey, SessionDep
from app.ids import Id
from app.images import process_photo
from app.paging import page_list
from app.shop.access import managed_shop, shop_goods, visible_shop
from app.shop.catalogue import service
from app.shop.catalogue.models import GoodsCreate, GoodsPublic, GoodsUpdate, StockChange
from app.shop.lifecycle.service import shop_public

router = APIRouter(tags=["shop"])
MAX_UPLOAD = 5 * 1024 * 1024 + 1


@router.get("/shops")
def list_shops(actor: ActorDep, session: SessionDep, limit: int | None = None, cursor: str | None = None) -> dict:
    page = page_list(service.list_shops(session, actor=actor), limit=limit, cursor=cursor)
    return {"items": [shop_public(s) for s in page.items],
            "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/goods")
def list_goods(shop_id: Id, actor: ActorDep, session: SessionDep, q: str | None = None,
               include_inactive: bool = False, limit: int | None = None, cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id) if include_inactive else visible_shop(session, actor, shop_id)
    page = service.page_goods(session, shop=shop, include_inactive=include_inactive, q=q, limit=limit,
                                cursor=cursor)
    return {"items": [service.goods_public(g) for (g,) in page.items], "next_cursor": page.next_cursor}


@router.post("/shops/{shop_id}/goods", status_code=201, response_model=GoodsPublic)
def create_goods(shop_id: Id, body: GoodsCreate, actor: ActorDep, session: SessionDep,
                 idempotency_key: IdempotencyKey = None) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = service.create_goods(session, actor=actor, shop=shop, name=body.name, points_price=body.points_price,
                                   stock=body.stock, low_stock_threshold=body.low_stock_threshold,
                                   idempotency_key=idempotency_key)
    session.commit()
    return service.goods_public(goods)


@router.patch("/shops/{shop_id}/goods/{goods_id}", response_model=GoodsPublic)
def update_goods(shop_id: Id, goods_id: Id, body: GoodsUpdate, actor: ActorDep, session: SessionDep
                 ) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = service.update_goods(session, actor=actor, shop=shop,
                                   goods=shop_goods(session, shop=shop, goods_id=goods_id),
                                   **body.model_dump(exclude_unset=True))
    session.commit()
    return service.goods_public(goods)


@router.put("/shops/{shop_id}/goods/{goods_id}/photo", response_model=GoodsPublic)
def upload_photo(shop_id: Id, goods_id: Id, photo: Annotated[UploadFile, File()], actor: ActorDep,
                 session: SessionDep) -> GoodsPublic:
    data = photo.file.read(MAX_UPLOAD)  # a sync route: Pillow's work runs in the thread pool, not the event loop
    shop = managed_shop(session, actor, shop_id)
    goods = shop_goods(session, shop=shop, goods_id=goods_id)
    session.commit()  # end the short look-up: the photo is decoded holding no lock and no connection
    service.set_goods_photo(session, actor=actor, shop=shop, goods=goods, photo=process_photo(data))
    session.commit()
    return service.goods_public(goods)


@router.post("/shops/{shop_id}/goods/{goods_id}/stock", response_model=GoodsPublic)
def change_stock(shop_id: Id, goods_id: Id, body: StockChange, actor: ActorDep, session: SessionDep,
                 idempotency_key: IdempotencyKey = None) -> GoodsPublic:
    shop = managed_shop(session, actor, shop_id)
    goods = shop_goods(session, shop=shop, goods_id=goods_id)
    service.change_stock(session, actor=actor, shop=shop, goods=goods, kind=body.kind, quantity=body.quantity,
                           reason=body.reason, idempotency_key=idempotency_key)
    session.commit()
    return service.goods_public(goods)


@router.get("/shops/{shop_id}/goods/{goods_id}/movements")
def stock_movements(shop_id: Id, goods_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
                    cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id)
    page = service.stock_history(session, goods=shop_goods(session, shop=shop, goods_id=goods_id),
                                   limit=limit, cursor=cursor)
    return {"items": [m for (m,) in page.items], "next_cursor": page.next_cursor}


@router.get("/shops/{shop_id}/low-stock")
def low_stock(shop_id: Id, actor: ActorDep, session: SessionDep, limit: int | None = None,
              cursor: str | None = None) -> dict:
    shop = managed_shop(session, actor, shop_id)
    page = page_list(service.low_stock(session, shop=shop), limit=limit, cursor=cursor)
    return {"items": [service.goods_public(g) for g in page.items], "next_cursor": page.next_cursor}
