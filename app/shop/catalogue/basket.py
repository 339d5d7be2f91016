"""A basket of goods: cleaned (goods id → quantity) and priced — the one pricer, for a redemption at the counter
(pay code or card) and for a 扫码兑换 request alike."""

from sqlalchemy import bindparam
from sqlmodel import Session, select

from app.errors import InvalidState, OutOfStock, ValidationFailed
from app.shop.catalogue.models import BasketLine, Goods
from app.shop.models import Shop

MAX_LINES, MAX_QUANTITY = 50, 99
GOODS_NAMED = 5  # words for a basket name at most this many goods, then "等 N 种"


def clean_basket(items: list[BasketLine]) -> dict[int, int]:
    """goods id → quantity; the same goods twice is added up."""
    if not items:
        raise ValidationFailed("请先选择要兑换的商品")
    if len(items) > MAX_LINES:
        raise ValidationFailed(f"一次最多兑换 {MAX_LINES} 种商品")
    basket: dict[int, int] = {}
    for line in items:
        if isinstance(line.quantity, bool) or not 1 <= line.quantity <= MAX_QUANTITY:
            raise ValidationFailed(f"每种商品数量应为 1 到 {MAX_QUANTITY}")
        basket[line.goods_id] = basket.get(line.goods_id, 0) + line.quantity
        if basket[line.goods_id] > MAX_QUANTITY:
            raise ValidationFailed(f"每种商品数量应为 1 到 {MAX_QUANTITY}")
    return basket


# Built once: the basket's goods of the shop (every redemption and request prices one).
_PRICED = select(Goods).where(Goods.id.in_(bindparam("ids", expanding=True)), Goods.shop_id == bindparam("shop_id"))


def price_basket(session: Session, *, shop: Shop, basket: dict[int, int], in_stock: bool = False
                 ) -> list[tuple[Goods, int]]:
    """(goods, quantity) by goods id at today's prices: goods of this shop, on sale — and, with `in_stock`, on the
    shelf now (a request holds points for goods it cannot take yet). Refused in words the villager can act on."""
    goods = {g.id: g for g in session.exec(_PRICED, params={"ids": list(basket), "shop_id": shop.id})}
    if any(gid not in goods for gid in basket):
        raise ValidationFailed("商品不存在或不属于本店，请刷新商品列表")
    off = [goods[gid].name for gid in basket if not goods[gid].active]
    if off:
        raise InvalidState(f"暂停兑换：{'、'.join(off)}")
    short = [goods[gid].name for gid in basket if goods[gid].stock < basket[gid]]
    if in_stock and short:
        raise OutOfStock(f"库存不足：{'、'.join(short)}")
    return [(goods[gid], basket[gid]) for gid in sorted(basket)]


def basket_total(lines: list[tuple[Goods, int]]) -> int:
    return sum(g.points_price * q for g, q in lines)


def goods_words(items: list[tuple[str, int]]) -> str:
    """大米 5kg ×1、鸡蛋 30枚 ×2 (and 等 N 种 past the first few)."""
    words = "、".join(f"{name} ×{quantity}" for name, quantity in items[:GOODS_NAMED])
    return words + (f" 等 {len(items)} 种" if len(items) > GOODS_NAMED else "")
