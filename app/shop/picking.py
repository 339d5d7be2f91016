"""What every shop page needs: which shop (and which others to switch to), the tab to light up."""

from collections.abc import Callable

from sqlmodel import Session

from app.errors import DomainError, NotFound, ValidationFailed
from app.org.access import OFFICIALS, Actor
from app.shop.catalogue.service import list_shops
from app.shop.models import Shop

DONE = {"create": "商品已上架，可以拍张照片", "edit": "已保存", "on": "已恢复兑换", "off": "已暂停兑换",
        "photo": "照片已更新", "stock": "库存已更新", "reverse": "已撤销该笔兑换，积分和库存已退回",
        "revoke": "该积分卡已作废", "issue": "积分卡已发出，请把卡交给村民",
        "opened": "积分超市已开设。下一步：任命超市管理员、上架商品", "paused": "已暂停营业",
        "open": "已恢复营业", "closed": "超市已关闭，未核销的扫码兑换单已退回积分"}
ShopAccess = Callable[[Session, Actor, int], Shop]


def pick_shop(session: Session, actor: Actor, shop_id: int | None, access: ShopAccess) -> tuple[Shop, list[Shop]]:
    """The shop asked for (else the first one the actor may use this way) and all shops to switch between."""
    shops = list_shops(session, actor=actor)
    allowed = [s for s in shops if _allows(session, actor, s, access)]
    if shop_id is not None:
        return access(session, actor, shop_id), allowed
    if not allowed:
        if shops:
            access(session, actor, shops[0].id)  # raises the refusal that explains why
        raise NotFound("本村还没有开设积分超市")
    return allowed[0], allowed


def _allows(session: Session, actor: Actor, shop: Shop, access: ShopAccess) -> bool:
    try:
        access(session, actor, shop.id)
    except DomainError:
        return False
    return True


def agreed_total(value: str | None) -> int:
    """The total the villager's screen showed, sent with their 确认 / 同意 (a hidden field): required on pages."""
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed("页面已过期，请刷新后再确认（没有扣积分）", field="total_points")
    return int(value)


def tab_for(actor: Actor) -> str:
    return "admin" if actor.has_role(OFFICIALS) else "home"
