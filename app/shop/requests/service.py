"""扫码兑换 (shop requests): a villager picks goods on their own phone; the points are held at once (the ledger's
hold door) and a one-time 核销码 is shown; at the counter the attendant 核销 it — stock taken, the hold paid to the
shop, a receipt written, all in one transaction, exactly once. Cancelled, refused or expired, the points come back.
The 核销码: codes.py; reading requests as they stand now (expired at once when past their time): reading.py."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import (
    Forbidden,
    InvalidPayCode,
    InvalidState,
    NotFound,
    TotalChanged,
)
from app.idempotency import Created, run_idempotent
from app.inbox.models import MessageKind
from app.inbox.service import notify
from app.ledger.models import TxnKind
from app.ledger.registry import HoldKeeper, register_describer, register_hold_keeper, register_hold_teller
from app.ledger.service import hold_points, lock_household_account, release_hold
from app.org.access import OFFICIALS, Actor, own_household
from app.org.models import Household
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.shop.access import is_staff, require_open
from app.shop.catalogue.basket import basket_total, clean_basket, goods_words, price_basket
from app.shop.catalogue.models import BasketLine
from app.shop.models import Shop
from app.shop.redemption.models import ReceiptLine, RedemptionPublic
from app.shop.redemption.paycodes import code_digest
from app.shop.redemption.receipts import receipt
from app.shop.redemption.record import PaidBy, record_redemption
from app.shop.requests.codes import clean_request_code, new_code
from app.shop.requests.models import (
    MAX_REQUEST_MINUTES,
    MIN_REQUEST_MINUTES,
    SHOP_REQUEST_TARGET,
    RequestStatus,
    ShopRequest,
    ShopRequestAction,
    ShopRequestItem,
    ShopRequestSetting,
)
from app.shop.requests.reading import (
    due_back,
    held_by_household,
    hold_stories,
    hold_words,
    items_of,
    own_request,
    staff_request,
)
from app.text import clean_reason
from app.timeutil import as_utc, utcnow

MAX_OPEN_PER_HOUSEHOLD = 5


# --- the village's 核销码 lifetime ---------------------------------------------------------------------------------

REQUEST_MINUTES = declare_kind(SettingsKind(
    name="shop_requests", model=ShopRequestSetting, writers=OFFICIALS, forbidden="只有村干部可以修改核销码有效期",
    label="修改核销码有效期",
    rules={"request_minutes": Rule(MIN_REQUEST_MINUTES, MAX_REQUEST_MINUTES, "有效期",
                                   message="{label}应为 {low} 到 {high} 分钟", field="minutes")}))


def request_minutes(session: Session, *, village_id: int) -> int:
    return read_settings(session, REQUEST_MINUTES, village_id).request_minutes


def set_request_minutes(session: Session, *, actor: Actor, village_id: int, minutes: int) -> int:
    """An official sets how long a 核销码 stays valid in their village (requests made from now on)."""
    row = write_settings(session, actor=actor, kind=REQUEST_MINUTES, village_id=village_id,
                         values={"request_minutes": minutes}, partial=False)
    return row.request_minutes


# --- making, reading ----------------------------------------------------------------------------------------------

def create_request(session: Session, *, actor: Actor, shop: Shop, items: list[BasketLine],
                   idempotency_key: str | None, secret: str, now: datetime | None = None) -> ShopRequest:
    """A villager of the shop's village submits a basket: prices fixed now, points held now, a 核销码 made."""
    household = own_household(session, actor)
    if household.village_id != shop.village_id:
        raise NotFound("找不到该超市")
    basket = clean_basket(items)
    payload = {"shop_id": shop.id, "items": sorted(basket.items())}

    def action() -> Created:
        require_open(shop)
        moment = now or utcnow()
        # The household's account row, locked before counting (PostgreSQL; SQLite's writer is held already): of
        # requests sent at once, each counts the ones committed before it, so no more than the limit are ever open.
        lock_household_account(session, household_id=household.id)
        expire_due(session, household_id=household.id, now=moment)  # points due back count before the new hold
        open_count = len(session.exec(select(ShopRequest.id).where(
            ShopRequest.household_id == household.id, ShopRequest.status == RequestStatus.pending,
            ShopRequest.expires_at > moment)).all())
        if open_count >= MAX_OPEN_PER_HOUSEHOLD:
            raise InvalidState(f"每户最多同时有 {MAX_OPEN_PER_HOUSEHOLD} 个待核销的兑换，您已有 {open_count} 个："
                               "请先到柜台核销或取消一个")
        lines = price_basket(session, shop=shop, basket=basket, in_stock=True)
        total = basket_total(lines)
        words = goods_words([(g.name, q) for g, q in lines])
        reason = f"{shop.name}扫码兑换预留 · {words}"[:200]
        txn, _ = hold_points(session, household=household, points=total, reason=reason, actor_id=actor.id)
        salt, digest = new_code(session, secret=secret)
        minutes = request_minutes(session, village_id=shop.village_id)
        req = ShopRequest(shop_id=shop.id, village_id=shop.village_id, household_id=household.id, user_id=actor.id,
                          code_hash=digest, code_salt=salt, total_points=total, hold_transaction_id=txn.id,
                          expires_at=moment + timedelta(minutes=minutes), created_at=moment)
        session.add(req)
        session.flush()
        for g, q in lines:
            session.add(ShopRequestItem(request_id=req.id, goods_id=g.id, name=g.name, unit_points=g.points_price,
                                        quantity=q, points=g.points_price * q))
        record_action(session, actor_id=actor.id, action=ShopRequestAction.request_create, village_id=shop.village_id,
                      target_type=SHOP_REQUEST_TARGET, target_id=req.id, target_label=f"#{req.id}",
                      detail={"shop_id": shop.id, "points_held": total, "transaction_id": txn.id})
        session.flush()
        return Created(id=req.id)

    created = run_idempotent(session, scope=f"user:{actor.id}:shop-request:{shop.id}", key=idempotency_key,
                             payload=payload, result_type=Created, action=action)
    return session.get(ShopRequest, created.id)


# --- closing: cancel, expire, refuse -------------------------------------------------------------------------------

def _close(session: Session, req: ShopRequest, *, status: RequestStatus, actor_id: int | None, reason: str = "",
           now: datetime | None = None) -> bool:
    """Close a pending request and give its held points back; False when it was no longer pending (another close
    or a 核销 came first: the conditional update lets exactly one through)."""
    moment = now or utcnow()
    done = session.execute(
        update(ShopRequest).where(ShopRequest.id == req.id, ShopRequest.status == RequestStatus.pending)
        .values(status=status, closed_at=moment, closed_by=actor_id, closed_reason=reason)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        session.refresh(req)
        return False
    session.refresh(req)
    household = session.get(Household, req.household_id)
    words = {RequestStatus.cancelled: "取消", RequestStatus.expired: "过期", RequestStatus.refused: "店员退回"}[status]
    if req.total_points > 0:
        release_hold(session, household=household, points=req.total_points,
                     reason=f"扫码兑换{words}，预留积分退回" + (f"：{reason}" if reason else ""), actor_id=actor_id,
                     hold_id=req.hold_transaction_id)
    action = {RequestStatus.cancelled: ShopRequestAction.request_cancel,
              RequestStatus.expired: ShopRequestAction.request_expire,
              RequestStatus.refused: ShopRequestAction.request_refuse}[status]
    record_action(session, actor_id=actor_id, action=action, village_id=req.village_id,
                  target_type=SHOP_REQUEST_TARGET, target_id=req.id, target_label=f"#{req.id}", reason=reason,
                  detail={"points_returned": req.total_points})
    if status != RequestStatus.cancelled:  # the villager cancelled it himself: nothing to tell
        notify(session, kind=MessageKind.shop_request, household_id=req.household_id, link="/my/requests",
               text=f"扫码兑换单 #{req.id} {'已过期' if status == RequestStatus.expired else '被店员退回'}，"
                    f"{req.total_points} 分已退回" + (f"（{reason}）" if reason else ""))
    session.flush()
    return True


def cancel_request(session: Session, *, actor: Actor, shop: Shop, request_id: int) -> ShopRequest:
    """The household's member cancels: the points come back at once. Cancelling a cancelled one answers it again."""
    req = own_request(session, actor=actor, shop=shop, request_id=request_id)
    expire_due(session, request_ids=[req.id])
    if req.status == RequestStatus.cancelled:
        return req
    if not _close(session, req, status=RequestStatus.cancelled, actor_id=actor.id):
        if req.status == RequestStatus.cancelled:
            return req
        raise InvalidState(_closed_words(req))
    return req


def refuse_request(session: Session, *, actor: Actor, shop: Shop, request_id: int, reason: str) -> ShopRequest:
    """The attendant refuses the whole request with a reason (e.g. 缺货); the points go back at once."""
    _require_staff(session, actor, shop)
    reason = clean_reason(reason, label="退回原因")
    req = staff_request(session, actor=actor, shop=shop, request_id=request_id)
    expire_due(session, request_ids=[req.id])
    if not _close(session, req, status=RequestStatus.refused, actor_id=actor.id, reason=reason):
        raise InvalidState(_closed_words(req))
    return req


def expire_due(session: Session, *, request_ids: list[int] | None = None, household_id: int | None = None,
               shop_id: int | None = None, now: datetime | None = None, limit: int = 500) -> int:
    """Close pending requests past their time and give the points back (lazily before reads, and by
    `python -m app expire-shop-requests`). Returns how many were expired."""
    moment = now or utcnow()
    stmt = select(ShopRequest).where(ShopRequest.status == RequestStatus.pending, ShopRequest.expires_at <= moment)
    if request_ids is not None:
        stmt = stmt.where(ShopRequest.id.in_(request_ids))
    if household_id is not None:
        stmt = stmt.where(ShopRequest.household_id == household_id)
    if shop_id is not None:
        stmt = stmt.where(ShopRequest.shop_id == shop_id)
    count = 0
    for req in session.exec(stmt.order_by(ShopRequest.id).limit(limit)).all():
        count += _close(session, req, status=RequestStatus.expired, actor_id=None, now=moment)
    return count


def release_open_requests(session: Session, *, shop: Shop, actor_id: int, reason: str) -> dict[str, int]:
    """The shop closes: every pending request there is closed as refused (`reason`) and its points go back at once
    (none is left holding a household's points). How many, and how many points."""
    pending = session.exec(select(ShopRequest).where(ShopRequest.shop_id == shop.id,
                                                     ShopRequest.status == RequestStatus.pending)
                           .order_by(ShopRequest.id)).all()
    released = {"requests": 0, "points": 0}
    for req in pending:
        if _close(session, req, status=RequestStatus.refused, actor_id=actor_id, reason=reason):
            released["requests"] += 1
            released["points"] += req.total_points
    return released


def _closed_words(req: ShopRequest) -> str:
    return {RequestStatus.fulfilled: "该核销码已使用", RequestStatus.cancelled: "该兑换已取消",
            RequestStatus.expired: "该核销码已过期，积分已退回", RequestStatus.refused: "该兑换已被店员退回"
            }.get(req.status, "该兑换已结束")


def _require_staff(session: Session, actor: Actor, shop: Shop) -> None:
    if not is_staff(session, actor, shop):
        raise Forbidden("您不是该超市的管理员")


# --- at the counter -------------------------------------------------------------------------------------------

def find_by_code(session: Session, *, shop: Shop, code: str, secret: str) -> ShopRequest:
    """The request a scanned or typed 核销码 belongs to, at this shop (any state); else invalid."""
    code = clean_request_code(code)
    req = session.exec(select(ShopRequest).where(ShopRequest.code_hash == code_digest(code, secret=secret))).first()
    if req is None:
        raise InvalidPayCode("核销码无效，请核对后重新输入")
    if req.shop_id != shop.id:
        raise InvalidPayCode("这不是本店的核销码")
    return req


def pending_by_code(session: Session, *, shop: Shop, code: str, secret: str, now: datetime | None = None
                    ) -> ShopRequest:
    """The pending request of a 核销码, for the counter to look at or 核销 (not while the shop is not open)."""
    require_open(shop)
    req = find_by_code(session, shop=shop, code=code, secret=secret)
    if req.status != RequestStatus.pending:
        raise InvalidState(_closed_words(req))
    if as_utc(req.expires_at) <= (now or utcnow()):
        raise InvalidState("该核销码已过期，积分已退回")
    return req


def drop_item(session: Session, *, actor: Actor, shop: Shop, request_id: int, goods_id: int) -> ShopRequest:
    """Out of stock: the attendant takes one goods off the request; its points go back at once, and the villager's
    phone asks them to agree to the new total before the 核销."""
    _require_staff(session, actor, shop)
    req = staff_request(session, actor=actor, shop=shop, request_id=request_id)
    expire_due(session, request_ids=[req.id])
    item = session.exec(select(ShopRequestItem).where(ShopRequestItem.request_id == req.id,
                                                      ShopRequestItem.goods_id == goods_id)).first()
    if item is None:
        raise NotFound("这个兑换里没有该商品")
    if item.dropped:
        return req
    left = [i for i in items_of(session, [req.id])[req.id] if not i.dropped and i.id != item.id]
    if not left:
        raise InvalidState("这是最后一种商品，请改为整单退回")
    done = session.execute(
        update(ShopRequest).where(ShopRequest.id == req.id, ShopRequest.status == RequestStatus.pending,
                                  ShopRequest.total_points >= item.points)
        .values(total_points=ShopRequest.total_points - item.points, needs_consent=True)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        session.refresh(req)
        raise InvalidState(_closed_words(req))
    marked = session.execute(update(ShopRequestItem).where(ShopRequestItem.id == item.id,
                                                           ShopRequestItem.dropped.is_(False))
                             .values(dropped=True).execution_options(synchronize_session=False)).rowcount
    if marked != 1:
        raise InvalidState("该商品刚刚已被删减")
    session.refresh(req)
    session.refresh(item)
    household = session.get(Household, req.household_id)
    release_hold(session, household=household, points=item.points, reason=f"缺货退回：{item.name} ×{item.quantity}",
                 actor_id=actor.id, hold_id=req.hold_transaction_id)
    record_action(session, actor_id=actor.id, action=ShopRequestAction.request_drop, village_id=req.village_id,
                  target_type=SHOP_REQUEST_TARGET, target_id=req.id, target_label=f"#{req.id}",
                  detail={"goods_id": goods_id, "points_returned": item.points, "total_points": req.total_points})
    session.flush()
    return req


def consent(session: Session, *, actor: Actor, shop: Shop, request_id: int, total_points: int | None
            ) -> ShopRequest:
    """The villager agrees to the new total after an item was dropped: to the total their phone showed
    (`total_points`; the pages always send it). Another total on the server (one more item dropped meanwhile) is
    refused with total_changed and the request keeps waiting for consent."""
    req = own_request(session, actor=actor, shop=shop, request_id=request_id)
    expire_due(session, request_ids=[req.id])
    if req.status != RequestStatus.pending:
        raise InvalidState(_closed_words(req))
    agreed = req.total_points if total_points is None else total_points
    if agreed != req.total_points:
        raise _total_changed(req, agreed)
    if req.needs_consent:
        # Conditional on the total agreed to: a drop committed since it was read leaves the consent undone.
        done = session.execute(update(ShopRequest).where(ShopRequest.id == req.id,
                                                         ShopRequest.status == RequestStatus.pending,
                                                         ShopRequest.total_points == agreed)
                               .values(needs_consent=False).execution_options(synchronize_session=False)).rowcount
        session.refresh(req)
        if done != 1:
            if req.status != RequestStatus.pending:
                raise InvalidState(_closed_words(req))
            raise _total_changed(req, agreed)
        record_action(session, actor_id=actor.id, action=ShopRequestAction.request_consent,
                      village_id=req.village_id, target_type=SHOP_REQUEST_TARGET, target_id=req.id,
                      target_label=f"#{req.id}", detail={"total_points": req.total_points})
    return req


def _total_changed(req: ShopRequest, agreed: int) -> TotalChanged:
    return TotalChanged(f"合计有变动：现在是 {req.total_points} 积分（您同意的是 {agreed} 积分），没有扣积分。"
                        "请核对新的合计后再点同意")


def fulfil(session: Session, *, actor: Actor, shop: Shop, code: str, idempotency_key: str | None, secret: str,
           request_id: int | None = None) -> RedemptionPublic:
    """核销: the attendant hands the goods over; stock taken, the hold paid to the shop, the receipt written — in
    one transaction, exactly once per code (a second 核销 of the code is refused; the same key answers again).
    `request_id`, when the attendant opened a request from the waiting list: the code must be that request's."""
    _require_staff(session, actor, shop)
    payload = {"shop_id": shop.id, "code": (code or "").replace(" ", "").strip(), "request_id": request_id}

    def action() -> RedemptionPublic:
        req = pending_by_code(session, shop=shop, code=code, secret=secret)
        if request_id is not None and req.id != request_id:
            raise InvalidPayCode("这个核销码不是这张兑换单的，请核对村民手机上的核销码")
        if req.needs_consent:
            raise InvalidState("商品有删减，请等村民在手机上同意新的合计")
        # The request's row first: of two 核销 of one code, exactly one gets past this conditional update.
        done = session.execute(
            update(ShopRequest).where(ShopRequest.id == req.id, ShopRequest.status == RequestStatus.pending,
                                      ShopRequest.needs_consent.is_(False))
            .values(status=RequestStatus.fulfilled, closed_at=utcnow(), closed_by=actor.id)
            .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            session.refresh(req)
            raise InvalidState(_closed_words(req))
        session.refresh(req)
        lines = [ReceiptLine(goods_id=i.goods_id, name=i.name, unit_points=i.unit_points, quantity=i.quantity,
                             points=i.points) for i in items_of(session, [req.id])[req.id] if not i.dropped]
        total = sum(line.points for line in lines)
        if total != req.total_points:
            raise InvalidState("兑换合计不一致，请刷新后重试")
        redemption = record_redemption(session, shop=shop, household=session.get(Household, req.household_id),
                                       attendant_id=actor.id, lines=lines, paid_by=PaidBy(hold=True),
                                       stock_reason="扫码兑换核销")
        txn_id = redemption.transaction_id
        session.execute(update(ShopRequest).where(ShopRequest.id == req.id).values(redemption_id=redemption.id)
                        .execution_options(synchronize_session=False))
        record_action(session, actor_id=actor.id, action=ShopRequestAction.request_fulfil, village_id=req.village_id,
                      target_type=SHOP_REQUEST_TARGET, target_id=req.id, target_label=f"#{req.id}",
                      detail={"redemption_id": redemption.id, "transaction_id": txn_id, "points_redeemed": total})
        session.flush()
        return receipt(session, redemption, reader=actor)

    return run_idempotent(session, scope=f"user:{actor.id}:fulfil:{shop.id}", key=idempotency_key, payload=payload,
                          result_type=RedemptionPublic, action=action)


register_describer(TxnKind.hold, hold_words)
register_hold_teller(hold_stories)
register_hold_keeper(HoldKeeper(what="open shop requests", held=held_by_household, due=due_back,
                                release_due=lambda session, household_id: expire_due(session,
                                                                                    household_id=household_id)))
