"""Who may see and run a shop (built on app.org.access.Actor)."""

from sqlmodel import Session, select

from app.errors import Forbidden, NotFound
from app.org.access import Actor
from app.org.models import Role
from app.shop.models import Shop, ShopStaff

ANY_ROLE = tuple(Role)


def is_staff(session: Session, actor: Actor, shop: Shop) -> bool:
    if not actor.can(shop.village_id, Role.attendant):
        return False
    return session.exec(select(ShopStaff.id).where(ShopStaff.shop_id == shop.id,
                                                   ShopStaff.user_id == actor.id)).first() is not None


def visible_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """Any shop of a village the actor belongs to or oversees; others are not found."""
    shop = session.get(Shop, shop_id)
    if shop is None or not actor.can(shop.village_id, *ANY_ROLE):
        raise NotFound("找不到该超市")
    return shop


def staffed_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop where the actor is an attendant on its staff (the counter)."""
    shop = visible_shop(session, actor, shop_id)
    if not is_staff(session, actor, shop):
        raise Forbidden("您不是该超市的管理员")
    return shop


def managed_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose goods and stock the actor may change: its attendants and the village's officials."""
    shop = visible_shop(session, actor, shop_id)
    if not (actor.can(shop.village_id, Role.official) or is_staff(session, actor, shop)):
        raise Forbidden("只有本店管理员或村干部可以管理商品")
    return shop


def overseen_shop(session: Session, actor: Actor, shop_id: int) -> Shop:
    """A shop whose books the actor may read: staff, the village's officials, township and county admins."""
    shop = visible_shop(session, actor, shop_id)
    if not (actor.can(shop.village_id, Role.official, Role.town_admin, Role.county_admin)
            or is_staff(session, actor, shop)):
        raise Forbidden()
    return shop
