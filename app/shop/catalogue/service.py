"""The shop's catalogue and stock: goods, photos, recorded stock movements (never a silent overwrite)."""

from functools import lru_cache

from sqlalchemy import bindparam, delete, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import NotFound, OutOfStock, ShopClosed, ValidationFailed
from app.idempotency import create_once
from app.ids import int_within
from app.images import Photo, shrink_clean_jpeg
from app.ledger.accounts import shop_account
from app.org.access import Actor, in_villages
from app.org.models import User
from app.paging import Page, page_desc
from app.shop.access import shows_closed
from app.shop.catalogue.models import STOCK_ACTIONS, Goods, GoodsImage, GoodsPublic, MovementKind, StockMovement
from app.shop.models import GOODS_TARGET, Shop, ShopAction, ShopStaff, ShopStatus
from app.text import clean_reason, clean_text

MAX_PRICE, MAX_STOCK = 100_000, 100_000
MANUAL_KINDS = (MovementKind.restock, MovementKind.correction, MovementKind.damage)
# Goods photos in lists: 160 px for the small squares (basket 88 px, counter 52, manage 48; sharp on 2–3× screens),
# 360 for the villagers' two-column grid (about 170 px wide at 390); the stored photo is 480.
THUMB_WIDTHS = (160, 360)


def create_shop(session: Session, *, village_id: int, name: str, partner_name: str = "",
                staff_user_ids: tuple[int, ...] = ()) -> Shop:
    """Open a shop in a village with its points account and attendants."""
    shop = Shop(village_id=village_id, name=name, partner_name=partner_name)
    session.add(shop)
    session.flush()
    shop_account(session, shop_id=shop.id, name=name, village_id=village_id)
    for user_id in staff_user_ids:
        add_shop_staff(session, shop=shop, user_id=user_id)
    session.flush()
    return shop


def add_shop_staff(session: Session, *, shop: Shop, user_id: int) -> None:
    """Put an attendant on a shop's staff (once)."""
    if not is_shop_staff(session, shop_id=shop.id, user_id=user_id):
        session.add(ShopStaff(shop_id=shop.id, user_id=user_id))


def is_shop_staff(session: Session, *, shop_id: int | None, user_id: int) -> bool:
    return session.exec(select(ShopStaff.id).where(ShopStaff.shop_id == shop_id,
                                                   ShopStaff.user_id == user_id)).first() is not None


def drop_shop_staff(session: Session, *, village_id: int, user_id: int) -> None:
    """Take an attendant off the staff of every shop of a village (their redemptions stay on record)."""
    shops = select(Shop.id).where(Shop.village_id == village_id)
    session.execute(delete(ShopStaff).where(ShopStaff.user_id == user_id, ShopStaff.shop_id.in_(shops)))


def staff_shops(session: Session, *, village_id: int) -> dict[int, int]:
    """Each attendant of a village's shops → the first shop they serve."""
    rows = session.exec(select(ShopStaff.user_id, ShopStaff.shop_id).join(Shop, Shop.id == ShopStaff.shop_id)
                        .where(Shop.village_id == village_id).order_by(ShopStaff.shop_id.desc()))
    return {user_id: shop_id for user_id, shop_id in rows}


def shop_attendants(session: Session, *, shop: Shop) -> list[User]:
    """The attendants on a shop's staff, by name."""
    return list(session.exec(select(User).join(ShopStaff, ShopStaff.user_id == User.id)
                             .where(ShopStaff.shop_id == shop.id).order_by(User.name, User.id)))


def list_shops(session: Session, *, actor: Actor) -> list[Shop]:
    """The shops of every village the actor belongs to or oversees (a closed one only to its village's staff)."""
    rows = session.exec(in_villages(select(Shop), actor, Shop.village_id).order_by(Shop.id))
    return [shop for shop in rows if shows_closed(actor, shop)]


def goods_thumb_url(image_url: str, width: int) -> str:
    """`/media/goods/N.jpg` → `/media/goods/N/<width>.jpg`: the same photo at most `width` pixels across."""
    return f"{image_url.removesuffix('.jpg')}/{width}.jpg"


def goods_public(goods: Goods) -> GoodsPublic:
    image_url = f"/media/goods/{goods.image_id}.jpg" if goods.image_id else None
    return GoodsPublic(id=goods.id, shop_id=goods.shop_id, name=goods.name, points_price=goods.points_price,
                       stock=goods.stock, low_stock_threshold=goods.low_stock_threshold, active=goods.active,
                       image_url=image_url)


def list_goods(session: Session, *, shop: Shop, include_inactive: bool = False, q: str | None = None) -> list[Goods]:
    stmt = select(Goods).where(Goods.shop_id == shop.id)
    if not include_inactive:
        stmt = stmt.where(Goods.active)
    if q and q.strip():
        stmt = stmt.where(Goods.name.like(f"%{q.strip()}%"))
    return list(session.exec(stmt.order_by(Goods.name, Goods.id)))


def page_goods(session: Session, *, shop: Shop, include_inactive: bool, q: str | None, limit: int | None,
               cursor: str | None) -> Page:
    """The shop's goods for API clients, newest first, a page at a time."""
    stmt = select(Goods).where(Goods.shop_id == shop.id)
    if not include_inactive:
        stmt = stmt.where(Goods.active)
    if q and q.strip():
        stmt = stmt.where(Goods.name.like(f"%{q.strip()}%"))
    return page_desc(session, stmt, Goods.id, limit=limit, cursor=cursor)


def _name(name: str | None) -> str:
    return clean_text(name, label="商品名称", max_length=60)


def _bounded(value: int, *, label: str, low: int, high: int) -> int:
    if not int_within(value, low, high):
        raise ValidationFailed(f"{label}应为 {low} 到 {high} 之间的整数")
    return value


def create_goods(session: Session, *, actor: Actor, shop: Shop, name: str, points_price: int, stock: int,
                 low_stock_threshold: int = 5, idempotency_key: str | None = None) -> Goods:
    """Add goods to the shop (not to a closed one); the opening stock is recorded as a movement. With a key, once."""
    if shop.status == ShopStatus.closed:
        raise ShopClosed(f"“{shop.name}”已关闭，不能再上架商品")
    payload = {"shop_id": shop.id, "name": name, "points_price": points_price, "stock": stock,
               "low_stock_threshold": low_stock_threshold}
    return create_once(session, scope=f"user:{actor.id}:goods.create", key=idempotency_key, payload=payload,
                       model=Goods, action=lambda: _create_goods(session, actor=actor, shop=shop, **payload))


def _create_goods(session: Session, *, actor: Actor, shop: Shop, shop_id: int, name: str, points_price: int,
                  stock: int, low_stock_threshold: int) -> Goods:
    goods = Goods(shop_id=shop.id, name=_name(name),
                  points_price=_bounded(points_price, label="积分价格", low=1, high=MAX_PRICE),
                  stock=0, low_stock_threshold=_bounded(low_stock_threshold, label="低库存提醒", low=0, high=MAX_STOCK))
    stock = _bounded(stock, label="库存", low=0, high=MAX_STOCK)
    session.add(goods)
    session.flush()
    if stock:
        move_stock(session, goods=goods, delta=stock, kind=MovementKind.initial, reason="上架", actor_id=actor.id)
    record_action(session, actor_id=actor.id, action=ShopAction.goods_create, village_id=shop.village_id,
                  target_type=GOODS_TARGET, target_id=goods.id, target_label=goods.name,
                  detail={"points_price": goods.points_price, "stock": stock})
    return goods


def update_goods(session: Session, *, actor: Actor, shop: Shop, goods: Goods, name: str | None = None,
                 points_price: int | None = None, low_stock_threshold: int | None = None,
                 active: bool | None = None) -> Goods:
    """Rename, reprice, or switch goods on/off for redemption."""
    before = {"name": goods.name, "points_price": goods.points_price, "active": goods.active}
    if name is not None:
        goods.name = _name(name)
    if points_price is not None:
        goods.points_price = _bounded(points_price, label="积分价格", low=1, high=MAX_PRICE)
    if low_stock_threshold is not None:
        goods.low_stock_threshold = _bounded(low_stock_threshold, label="低库存提醒", low=0, high=MAX_STOCK)
    if active is not None:
        goods.active = active
    session.add(goods)
    record_action(session, actor_id=actor.id, action=ShopAction.goods_update, village_id=shop.village_id,
                  target_type=GOODS_TARGET, target_id=goods.id, target_label=goods.name,
                  detail={"before": before, "after": {"name": goods.name, "points_price": goods.points_price,
                                                      "active": goods.active}})
    return goods


def set_goods_photo(session: Session, *, actor: Actor, shop: Shop, goods: Goods, photo: Photo) -> Goods:
    """Show a photo (already checked, stripped and shrunk by prepare_photo) on the goods."""
    thumbnail, content_type = photo
    image = GoodsImage(data=thumbnail, content_type=content_type)
    session.add(image)
    session.flush()
    goods.image_id = image.id
    session.add(goods)
    record_action(session, actor_id=actor.id, action=ShopAction.goods_photo, village_id=shop.village_id,
                  target_type=GOODS_TARGET, target_id=goods.id, target_label=goods.name,
                  detail={"image_id": image.id, "bytes": len(thumbnail)})
    return goods


def change_stock(session: Session, *, actor: Actor, shop: Shop, goods: Goods, kind: str, quantity: int,
                 reason: str, idempotency_key: str | None = None) -> StockMovement:
    """Restock (+n), damage (−n), or correct to a counted figure; each is a movement with a reason. With a key,
    once (a restock sent twice is one restock)."""
    return create_once(session, scope=f"user:{actor.id}:stock", key=idempotency_key, model=StockMovement,
                       payload={"goods_id": goods.id, "kind": kind, "quantity": quantity, "reason": reason},
                       action=lambda: _change_stock(session, actor=actor, shop=shop, goods=goods, kind=kind,
                                                    quantity=quantity, reason=reason))


def _change_stock(session: Session, *, actor: Actor, shop: Shop, goods: Goods, kind: str, quantity: int,
                  reason: str) -> StockMovement:
    if kind not in MANUAL_KINDS:
        raise ValidationFailed("库存变动类型应为 进货、损耗 或 盘点更正")
    reason = clean_reason(reason, label="库存变动原因")
    if kind == MovementKind.correction:
        counted = _bounded(quantity, label="盘点数量", low=0, high=MAX_STOCK)
        delta = counted - goods.stock
        if delta == 0:
            raise ValidationFailed("盘点数量与现有库存相同，无需更正")
    else:
        amount = _bounded(quantity, label="数量", low=1, high=MAX_STOCK)
        delta = amount if kind == MovementKind.restock else -amount
    movement = move_stock(session, goods=goods, delta=delta, kind=kind, reason=reason, actor_id=actor.id,
                          expected_before=goods.stock if kind == MovementKind.correction else None)
    record_action(session, actor_id=actor.id, action=STOCK_ACTIONS[kind], village_id=shop.village_id,
                  target_type=GOODS_TARGET, target_id=goods.id, target_label=goods.name, reason=reason,
                  detail={"delta": delta, "stock_after": movement.stock_after})
    return movement


def move_stock(session: Session, *, goods: Goods, delta: int, kind: str, reason: str, actor_id: int | None,
               redemption_id: int | None = None, expected_before: int | None = None) -> StockMovement:
    """Change stock and record the movement (I4: never below zero)."""
    after = take_stock(session, goods=goods, delta=delta, expected_before=expected_before)
    movement = StockMovement(goods_id=goods.id, kind=kind, delta=delta, stock_after=after, reason=reason,
                             actor_id=actor_id, redemption_id=redemption_id)
    session.add(movement)
    return movement


_GOODS = Goods.__table__
# Built once: the conditional update of a goods row's stock (I4), and its variant for a count correction.
_MOVE_STOCK = (update(_GOODS).where(_GOODS.c.id == bindparam("goods_id"), _GOODS.c.stock + bindparam("delta") >= 0)
               .values(stock=_GOODS.c.stock + bindparam("delta")).returning(_GOODS.c.stock))
_MOVE_COUNTED_STOCK = _MOVE_STOCK.where(_GOODS.c.stock == bindparam("expected_before"))


def take_stock(session: Session, *, goods: Goods, delta: int, expected_before: int | None = None) -> int:
    """The one writer of stock: a conditional update that never takes stock below zero. Returns stock after.
    Callers record a StockMovement with it in the same transaction."""
    params = {"goods_id": goods.id, "delta": delta}
    if expected_before is not None:  # a count correction applies only to the stock it was counted against
        params["expected_before"] = expected_before
    after = session.connection().execute(_MOVE_STOCK if expected_before is None else _MOVE_COUNTED_STOCK,
                                         params).scalar_one_or_none()  # on the table (app/ledger/postings.py)
    if after is None:
        if expected_before is not None:
            raise ValidationFailed("库存刚刚有变动，请刷新后重新盘点")
        raise OutOfStock(f"库存不足：{goods.name}")
    if goods in session:
        set_committed_value(goods, "stock", after)
    return after


def low_stock(session: Session, *, shop: Shop) -> list[Goods]:
    """Goods at or below their reminder level, emptiest first."""
    return list(session.exec(select(Goods).where(Goods.shop_id == shop.id, Goods.active,
                                                 Goods.stock <= Goods.low_stock_threshold)
                             .order_by(Goods.stock, Goods.name)))


def stock_history(session: Session, *, goods: Goods, limit: int | None, cursor: str | None) -> Page:
    stmt = select(StockMovement).where(StockMovement.goods_id == goods.id)
    return page_desc(session, stmt, StockMovement.id, limit=limit, cursor=cursor)


def goods_image(session: Session, *, image_id: int) -> GoodsImage:
    image = session.get(GoodsImage, image_id)
    if image is None:
        raise NotFound("找不到图片")
    return image


def goods_thumbnail(session: Session, *, image_id: int, width: int) -> bytes:
    """A goods photo at most `width` pixels across (one of THUMB_WIDTHS), made from the stored photo once per
    process: a photo's row never changes (a new photo is a new row), so its thumbnail never does either."""
    if width not in THUMB_WIDTHS:
        raise NotFound("找不到图片")
    return _thumbnail(goods_image(session, image_id=image_id).data, width)


@lru_cache(maxsize=512)
def _thumbnail(data: bytes, width: int) -> bytes:  # keyed by the bytes: right for every database in a process
    return shrink_clean_jpeg(data, (width, width))
