"""Who may see and run a shop: the shop's own role rule (its staff list) on top of app.org.access."""

from dataclasses import dataclass

from sqlalchemy import and_, bindparam
from sqlmodel import Session, select

from app.errors import Forbidden, NotFound, ShopClosed, ShopPaused
from app.ids import in_range
from app.org.access import (
    ATTENDANTS,
    EVERYONE,
    OFFICIALS,
    SHOP_KEEPERS,
    VILLAGE_STAFF,
    Actor,
    get_visible,
    village_for,
)
from app.shop.catalogue.models import Goods
from app.shop.models import Shop, ShopStaff, ShopStatus
from app.shop.redemption.models import DEFAULT_CONFIRM_ABOVE, Redemption, RedemptionConfirmation, VillageSettings


def is_staff(session: Session, actor: Actor, shop: Shop) -> bool:
    if not actor.can(shop.village_id, ATTENDANTS):
        return False
    return session.exec(select(ShopStaff.id).where(ShopStaff.shop_id == shop.id,
                                                   ShopStaff.user_id == actor.id)).first() is not None


def visible_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """Any shop of a village the actor belongs to or oversees; others are not found."""
    return get_visible(session, actor, Shop, shop_id, roles=EVERYONE, missing="找不到该超市")


def staffed_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop where the actor is an attendant on its staff (the counter)."""
    shop = visible_shop(session, actor, shop_id)
    if not is_staff(session, actor, shop):
        raise Forbidden("您不是该超市的管理员")
    return shop


@dataclass(frozen=True)
class Counter:
    """A shop as its counter redeems at it: the shop (one the actor may see), whether the actor is on its staff,
    and the village's amount above which a pay code asks the villager's phone (app.shop.redemption.confirmations)."""

    shop: Shop
    staffed: bool
    confirm_above: int


# Built once: the shop, the actor's place on its staff and its village's amount, in one read (every redemption).
_COUNTER = (select(Shop, ShopStaff.id, VillageSettings.confirm_above).select_from(Shop)
            .outerjoin(ShopStaff, and_(ShopStaff.shop_id == Shop.id, ShopStaff.user_id == bindparam("user_id")))
            .outerjoin(VillageSettings, VillageSettings.village_id == Shop.village_id)
            .where(Shop.id == bindparam("shop_id")))


def counter_shop(session: Session, actor: Actor, shop_id: int) -> Counter:
    """`visible_shop` (another village's shop is not found), `is_staff` and the village's confirmation amount,
    in one read."""
    found = session.exec(_COUNTER, params={"shop_id": shop_id, "user_id": actor.id}).first() if in_range(
        shop_id) else None
    if found is None or not actor.can(found[0].village_id, EVERYONE):
        raise NotFound("找不到该超市")
    shop, staff_id, confirm_above = found
    return Counter(shop=shop, staffed=staff_id is not None and actor.can(shop.village_id, ATTENDANTS),
                   confirm_above=DEFAULT_CONFIRM_ABOVE if confirm_above is None else confirm_above)


def can_manage(session: Session, actor: Actor, shop: Shop) -> bool:
    return actor.can(shop.village_id, OFFICIALS) or is_staff(session, actor, shop)


def managed_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose goods and stock the actor may change: its attendants and the village's officials."""
    shop = visible_shop(session, actor, shop_id)
    if not can_manage(session, actor, shop):
        raise Forbidden("只有本店管理员或村干部可以管理商品")
    return shop


def overseen_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose books the actor may read: staff, the village's officials, township and county admins."""
    shop = visible_shop(session, actor, shop_id)
    if not (actor.can(shop.village_id, VILLAGE_STAFF) or is_staff(session, actor, shop)):
        raise Forbidden()
    return shop


def kept_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose name and status (open, paused, closed) the actor may change: the village's officials."""
    shop = visible_shop(session, actor, shop_id)
    actor.require(shop.village_id, SHOP_KEEPERS, "只有本村村干部可以开设、暂停或关闭积分超市")
    return shop


def shop_village(actor: Actor, village_id: int) -> int:
    """The village a new shop opens in: one the actor keeps shops of (another village is not found)."""
    return village_for(actor, village_id, SHOP_KEEPERS, refuse="只有本村村干部可以开设积分超市")


def opening_village(session: Session, actor: Actor) -> int | None:
    """The village whose first shop the actor may open from /shop/manage: the lowest they keep shops of, while it has
    no shop yet; None otherwise (the page then shows the shop)."""
    village_id = actor.first_village(SHOP_KEEPERS)
    if village_id is None or session.exec(select(Shop.id).where(Shop.village_id == village_id)).first() is not None:
        return None
    return village_id


def shows_closed(actor: Actor, shop: Shop) -> bool:
    """Whether a closed shop is still listed to the actor: its village's staff and attendants keep its books."""
    return shop.status != ShopStatus.closed or actor.can(shop.village_id, VILLAGE_STAFF | ATTENDANTS)


# --- the one check every door that starts something calls ---------------------------------------------------

def require_open(shop: Shop) -> None:
    """Nothing new starts at a shop that is not open: a redemption (pay code, card, confirmation), a counter scan,
    a 扫码 request or its 核销. Cancelling what is open is not a start: it stays possible."""
    if shop.status == ShopStatus.paused:
        raise ShopPaused(f"“{shop.name}”暂停营业，暂时不能兑换")
    if shop.status == ShopStatus.closed:
        raise ShopClosed(f"“{shop.name}”已关闭，不能再兑换")


def require_village_open(session: Session, village_id: int) -> None:
    """A pay code is good at any shop of the village: refused while the village has shops and none is open."""
    shops = list(session.exec(select(Shop).where(Shop.village_id == village_id).order_by(Shop.id)))
    if shops and not any(s.status == ShopStatus.open for s in shops):
        paused = [s for s in shops if s.status == ShopStatus.paused]
        require_open(paused[0] if paused else shops[0])


def shop_goods(session: Session, *, shop: Shop, goods_id: int) -> Goods:
    """Goods of a shop the caller has already been let into."""
    goods = session.get(Goods, goods_id) if in_range(goods_id) else None
    if goods is None or goods.shop_id != shop.id:
        raise NotFound("找不到该商品")
    return goods


def managed_goods(session: Session, actor: Actor, goods_id: int) -> tuple[Shop, Goods]:
    """Goods (with their shop) whose details and stock the actor may change."""
    goods = session.get(Goods, goods_id) if in_range(goods_id) else None
    if goods is None:
        raise NotFound("找不到该商品")
    return managed_shop(session, actor, goods.shop_id), goods


def visible_redemption(session: Session, actor: Actor, redemption_id: int) -> Redemption:
    """The household's members, the shop's staff and the village's officials may read a receipt."""
    def shop_of(redemption: Redemption) -> Shop:
        return session.get(Shop, redemption.shop_id)

    return get_visible(
        session, actor, Redemption, redemption_id, roles=VILLAGE_STAFF, village=lambda r: shop_of(r).village_id,
        also=lambda r: actor.user.household_id == r.household_id or is_staff(session, actor, shop_of(r)),
        missing="找不到该兑换记录")


def own_confirmation(session: Session, actor: Actor, confirmation_id: int) -> RedemptionConfirmation:
    """A confirmation asked of the actor's own household: only its members may answer it (not even officials)."""
    return get_visible(session, actor, RedemptionConfirmation, confirmation_id, roles=frozenset(),
                       village=lambda c: session.get(Shop, c.shop_id).village_id,
                       also=lambda c: actor.user.household_id is not None and c.household_id == actor.user.household_id,
                       missing="找不到该确认请求")


def counter_confirmation(session: Session, actor: Actor, shop: Shop, confirmation_id: int) -> RedemptionConfirmation:
    """A confirmation asked at this shop, for its staff (the counter that waits for it)."""
    return get_visible(session, actor, RedemptionConfirmation, confirmation_id, roles=frozenset(),
                       village=lambda c: session.get(Shop, c.shop_id).village_id,
                       also=lambda c: c.shop_id == shop.id and is_staff(session, actor, shop),
                       missing="找不到该确认请求")
