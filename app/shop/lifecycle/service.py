"""A village's shop from the app (issue #17 item 4): an official opens it (name, partner supermarket), renames it,
pauses it (暂停营业), resumes it and closes it for good. Each change of status is one conditional update with its
audit line; closing gives back at once the points held by every open 扫码 request. What nothing may start while a
shop is not open is checked in one place: app.shop.access.require_open."""

from sqlalchemy import update
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Conflict, InvalidState, ValidationFailed
from app.idempotency import create_once
from app.org.access import Actor
from app.org.models import OrgUnit
from app.shop.catalogue.service import create_shop
from app.shop.models import SHOP_STATUS_LABELS, SHOP_TARGET, Shop, ShopAction, ShopPublic, ShopStatus
from app.shop.requests.service import release_open_requests
from app.text import clean_text

MAX_NAME = 100
# (from, to) → what it is called in the audit log. Closed is for good: nothing leaves it.
TRANSITIONS = {
    (ShopStatus.open, ShopStatus.paused): ShopAction.shop_pause,
    (ShopStatus.paused, ShopStatus.open): ShopAction.shop_resume,
    (ShopStatus.open, ShopStatus.closed): ShopAction.shop_close,
    (ShopStatus.paused, ShopStatus.closed): ShopAction.shop_close,
}
CLOSED_REASON = "超市已关闭"


def shop_public(shop: Shop) -> ShopPublic:
    return ShopPublic(id=shop.id, name=shop.name, village_id=shop.village_id, partner_name=shop.partner_name,
                      partner=shop.partner_name, status=shop.status)


def _clean_name(name: str | None) -> str:
    return clean_text(name, label="超市名称", max_length=MAX_NAME, field="name")


def _clean_partner(partner: str | None) -> str:
    return clean_text(partner, label="合作超市", max_length=MAX_NAME, required=False, field="partner")


def open_shop(session: Session, *, actor: Actor, village_id: int, name: str | None, partner: str | None,
              idempotency_key: str | None) -> Shop:
    """An official opens a shop in their village (from `access.shop_village`); a second open shop of the same name
    there is refused, and with a key a repeat answers with the shop the first one made."""
    name, partner = _clean_name(name), _clean_partner(partner)

    def action() -> Shop:
        # The village's row first: of two openings sent at once, the second sees the first (PostgreSQL; SQLite's
        # writer is held already).
        session.exec(select(OrgUnit.id).where(OrgUnit.id == village_id).with_for_update()).one()
        same = session.exec(select(Shop.id).where(Shop.village_id == village_id, Shop.name == name,
                                                  Shop.status != ShopStatus.closed)).first()
        if same is not None:
            raise Conflict(f"本村已有名为“{name}”的积分超市")
        shop = create_shop(session, village_id=village_id, name=name, partner_name=partner)
        record_action(session, actor_id=actor.id, action=ShopAction.shop_open, village_id=village_id,
                      target_type=SHOP_TARGET, target_id=shop.id, target_label=name, detail={"partner": partner})
        return shop

    return create_once(session, scope=f"user:{actor.id}:shop.open", key=idempotency_key,
                       payload={"village_id": village_id, "name": name, "partner": partner}, model=Shop,
                       action=action)


def update_shop(session: Session, *, actor: Actor, shop: Shop, status: str | None = None, name: str | None = None,
                partner: str | None = None) -> Shop:
    """Rename a shop, or move it along TRANSITIONS (from `access.kept_shop`). Asking for the status it already has
    changes nothing (a double tap); a closed shop changes no more."""
    if status is not None and status not in ShopStatus.__members__:
        raise ValidationFailed("营业状态只能是营业、暂停营业或关闭", field="status")
    if shop.status == ShopStatus.closed and (status not in (None, ShopStatus.closed) or name is not None
                                             or partner is not None):
        raise InvalidState("该超市已关闭，不能再修改或重新开业；如需兑换，请开设新的积分超市")
    if name is not None or partner is not None:
        _rename(session, actor=actor, shop=shop, name=name, partner=partner)
    if status is not None and status != shop.status:
        _move(session, actor=actor, shop=shop, to=ShopStatus(status))
    session.flush()
    return shop


def _rename(session: Session, *, actor: Actor, shop: Shop, name: str | None, partner: str | None) -> None:
    before = {"name": shop.name, "partner": shop.partner_name}
    shop.name = _clean_name(name) if name is not None else shop.name
    shop.partner_name = _clean_partner(partner) if partner is not None else shop.partner_name
    after = {"name": shop.name, "partner": shop.partner_name}
    if after != before:
        session.add(shop)
        record_action(session, actor_id=actor.id, action=ShopAction.shop_update, village_id=shop.village_id,
                      target_type=SHOP_TARGET, target_id=shop.id, target_label=shop.name,
                      detail={"before": before, "after": after})


def _move(session: Session, *, actor: Actor, shop: Shop, to: ShopStatus) -> None:
    was = ShopStatus(shop.status)
    action = TRANSITIONS.get((was, to))
    if action is None:
        raise InvalidState(f"该超市{SHOP_STATUS_LABELS[was]}，不能改为{SHOP_STATUS_LABELS[to]}")
    done = session.execute(update(Shop).where(Shop.id == shop.id, Shop.status == was).values(status=to)
                           .execution_options(synchronize_session=False)).rowcount
    session.refresh(shop)
    if done != 1:
        raise InvalidState("超市的营业状态刚刚有变动，请刷新后再试")
    released = {"requests": 0, "points": 0}
    if to == ShopStatus.closed:
        released = release_open_requests(session, shop=shop, actor_id=actor.id, reason=CLOSED_REASON)
    record_action(session, actor_id=actor.id, action=action, village_id=shop.village_id, target_type=SHOP_TARGET,
                  target_id=shop.id, target_label=shop.name,
                  detail={"before": was.value, "after": to.value, "requests_released": released["requests"],
                          "points_returned": released["points"]})
