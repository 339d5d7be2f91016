"""Reading 扫码兑换 requests as they stand now: a request still pending past its time reads as expired at once
(its points come back with the household's next write or balance read, or the scheduled sweep); lists, one
request for its household, the shop's staff or the village's officials; and the words and holds lent to the ledger."""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func
from sqlmodel import Session, select

from app.errors import (
    NotFound,
    ValidationFailed,
)
from app.ledger.registry import HoldStory
from app.ledger.service import transaction_reversals
from app.org.access import VILLAGE_STAFF, Actor
from app.org.models import Household
from app.org.service import name_for
from app.paging import Page, page_desc
from app.shop.access import is_staff
from app.shop.catalogue.basket import goods_words
from app.shop.models import Shop
from app.shop.redemption.models import Redemption
from app.shop.requests.codes import code_from_salt
from app.shop.requests.models import (
    RequestLine,
    RequestStatus,
    ShopRequest,
    ShopRequestItem,
    ShopRequestPublic,
)
from app.timeutil import as_utc, checked_month_bounds, utcnow


def items_of(session: Session, request_ids: list[int]) -> dict[int, list[ShopRequestItem]]:
    found: dict[int, list[ShopRequestItem]] = {rid: [] for rid in request_ids}
    if request_ids:
        for item in session.exec(select(ShopRequestItem).where(ShopRequestItem.request_id.in_(request_ids))
                                 .order_by(ShopRequestItem.id)):
            found[item.request_id].append(item)
    return found


def public_many(session: Session, requests: list[ShopRequest], *, viewer: Actor, secret: str
                ) -> list[ShopRequestPublic]:
    """Requests as their household (with the live code) or the shop's staff and officials see them (the name as
    app.org.service.name_for lets the reader read it: masked for attendants, in full for officials)."""
    items = items_of(session, [r.id for r in requests])
    shops = {s.id: s for s in session.exec(select(Shop).where(Shop.id.in_({r.shop_id for r in requests})))}
    households = {h.id: h for h in session.exec(select(Household).where(
        Household.id.in_({r.household_id for r in requests})))}
    out, now = [], utcnow()
    for r in requests:
        own, status = viewer.user.household_id == r.household_id, status_of(r, now=now)
        household = households[r.household_id]
        out.append(ShopRequestPublic(
            id=r.id, shop_id=r.shop_id, shop_name=shops[r.shop_id].name, household_id=r.household_id,
            household_name=name_for(viewer, head_name=household.head_name, household_id=household.id,
                                    village_id=household.village_id), status=status, total_points=r.total_points,
            needs_consent=r.needs_consent, expires_at=r.expires_at, created_at=r.created_at,
            closed_at=r.closed_at or (r.expires_at if status != r.status else None),
            closed_reason=r.closed_reason, redemption_id=r.redemption_id,
            items=[RequestLine(goods_id=i.goods_id, name=i.name, unit_points=i.unit_points, quantity=i.quantity,
                               points=i.points, dropped=i.dropped) for i in items[r.id]],
            code=code_from_salt(r.code_salt, secret=secret) if own and status == RequestStatus.pending else None))
    return out


def public(session: Session, req: ShopRequest, *, viewer: Actor, secret: str) -> ShopRequestPublic:
    return public_many(session, [req], viewer=viewer, secret=secret)[0]


def own_request(session: Session, *, actor: Actor, shop: Shop, request_id: int) -> ShopRequest:
    """A request of the actor's own household at this shop (else not found)."""
    req = session.get(ShopRequest, request_id)
    if req is None or req.shop_id != shop.id or actor.user.household_id != req.household_id:
        raise NotFound("找不到该兑换")
    return req


def staff_request(session: Session, *, actor: Actor, shop: Shop, request_id: int) -> ShopRequest:
    """A request at this shop, for its staff or the village's officials."""
    req = session.get(ShopRequest, request_id)
    if req is None or req.shop_id != shop.id:
        raise NotFound("找不到该兑换")
    return req


def visible_request(session: Session, *, actor: Actor, shop: Shop, request_id: int) -> ShopRequest:
    """A request its household's members, the shop's staff and the village's officials (and those above) may read."""
    req = session.get(ShopRequest, request_id)
    if req is None or req.shop_id != shop.id or not (
            actor.user.household_id == req.household_id or is_staff(session, actor, shop)
            or actor.can(shop.village_id, VILLAGE_STAFF)):
        raise NotFound("找不到该兑换")
    return req


def minutes_left(rows: list[ShopRequestPublic], *, now: datetime | None = None) -> dict[int, int]:
    """How many minutes each pending request has before it expires (rounded up: 还剩 1 分钟 until the end)."""
    now = now or utcnow()
    return {r.id: max(0, -(-int((as_utc(r.expires_at) - now).total_seconds()) // 60)) for r in rows}


def status_of(req: ShopRequest, *, now: datetime | None = None) -> str:
    """A request's state now: one still pending past its time is expired (its points are due back, and come back
    with the next write for the household, its balance read, or `python -m app expire-shop-requests`)."""
    if req.status == RequestStatus.pending and as_utc(req.expires_at) <= (now or utcnow()):
        return RequestStatus.expired
    return req.status


def _current_status() -> ColumnElement:
    """status_of() in SQL, for filtering and counting."""
    return case((and_(ShopRequest.status == RequestStatus.pending, ShopRequest.expires_at <= utcnow()),
                 RequestStatus.expired.value), else_=ShopRequest.status)


def household_requests(session: Session, *, household_id: int, status: str | None, limit: int | None,
                       cursor: str | None) -> Page:
    """The household's requests, newest first, by their state now (status_of)."""
    stmt = select(ShopRequest).where(ShopRequest.household_id == household_id)
    if status:
        stmt = stmt.where(_current_status() == _status(status))
    return page_desc(session, stmt, ShopRequest.id, limit=limit, cursor=cursor)


def shop_requests(session: Session, *, shop: Shop, status: str | None, limit: int | None, cursor: str | None
                  ) -> Page:
    """The shop's requests, newest first, by their state now (status_of)."""
    stmt = select(ShopRequest).where(ShopRequest.shop_id == shop.id)
    if status:
        stmt = stmt.where(_current_status() == _status(status))
    return page_desc(session, stmt, ShopRequest.id, limit=limit, cursor=cursor)


def month_outcomes(session: Session, *, shop: Shop, month: str, tz: str) -> dict[str, tuple[int, int]]:
    """The shop's requests made in a month, by outcome: status → (how many, points). Fulfilled ones are also in the
    month's settlement as redemptions; the others gave their points back."""
    start, end = checked_month_bounds(month, tz=tz)
    status = _current_status()
    rows = session.exec(select(status, func.count(), func.coalesce(func.sum(ShopRequest.total_points), 0))
                        .where(ShopRequest.shop_id == shop.id, ShopRequest.created_at >= start,
                               ShopRequest.created_at < end)
                        .group_by(status)).all()
    return {status: (int(count), int(points)) for status, count, points in rows}


def _status(status: str) -> str:
    if status not in RequestStatus.__members__:
        raise ValidationFailed("状态无效：pending、fulfilled、cancelled、expired 或 refused", field="status")
    return status


# --- what the ledger is lent: the words of a hold on the household's history, and what its holds must come to ------

HOLD_WORDS = {RequestStatus.pending: "（待核销）", RequestStatus.fulfilled: "（已核销）",
              RequestStatus.cancelled: "（已取消，积分已退回）", RequestStatus.expired: "（已过期，积分已退回）",
              RequestStatus.refused: "（店员退回，积分已退回）"}


def hold_words(session: Session, hold_txn_ids: list[int]) -> dict[int, str]:
    """A hold's line says how its request ended, as it stands now: （待核销）, （已核销）, （已过期，积分已退回） …"""
    found = session.exec(select(ShopRequest).where(ShopRequest.hold_transaction_id.in_(hold_txn_ids)))
    now = utcnow()
    return {req.hold_transaction_id: HOLD_WORDS.get(status_of(req, now=now), "") for req in found}


# The request's state on the household's history (one line per request, app.ledger.history.Purchase).
HISTORY_STATES = {RequestStatus.pending: ("open", "兑换中"), RequestStatus.fulfilled: ("done", "已兑换"),
                  RequestStatus.cancelled: ("returned", "已取消"), RequestStatus.expired: ("returned", "已过期"),
                  RequestStatus.refused: ("returned", "被拒绝")}


def hold_stories(session: Session, hold_txn_ids: list[int]) -> dict[int, HoldStory]:
    """A request as one line of its household's history, by its hold: how it stands now (兑换中, 已兑换 …), the
    shop and the goods (those handed over, once done), what was dropped at the counter and the attendant's reason."""
    found = session.exec(select(ShopRequest).where(ShopRequest.hold_transaction_id.in_(hold_txn_ids))).all()
    items = items_of(session, [r.id for r in found])
    shops = {s.id: s.name for s in session.exec(select(Shop).where(Shop.id.in_({r.shop_id for r in found})))}
    paid = {rid: txn_id for rid, txn_id in session.exec(select(Redemption.id, Redemption.transaction_id).where(
        Redemption.id.in_([r.redemption_id for r in found if r.redemption_id])))}
    undone = transaction_reversals(session, transaction_ids=list(paid.values()))
    stories, now = {}, utcnow()
    for req in found:
        state, label = HISTORY_STATES.get(status_of(req, now=now), ("open", "兑换中"))
        kept = [(i.name, i.quantity) for i in items[req.id] if not i.dropped]
        dropped = [(i.name, i.quantity) for i in items[req.id] if i.dropped]
        reversal = undone.get(paid.get(req.redemption_id))
        notes = ([f"缺货未兑换：{goods_words(dropped)}"] if dropped else []) + (
            [f"店员说明：{req.closed_reason}"] if req.closed_reason else []) + (
            [f"已撤销，积分已退回：{reversal.reason}"] if reversal else [])
        stories[req.hold_transaction_id] = HoldStory(
            state=state, label=label, what=f"{shops.get(req.shop_id, '')} · {goods_words(kept or dropped)}",
            note="；".join(notes), closed_at=req.closed_at)
    return stories


def held_by_household(session: Session) -> dict[int, int]:
    """household id → the totals of its open requests (open until closed: expired ones too, until released)."""
    return {hid: int(total or 0) for hid, total in session.exec(
        select(ShopRequest.household_id, func.sum(ShopRequest.total_points))
        .where(ShopRequest.status == RequestStatus.pending).group_by(ShopRequest.household_id))}


def due_back(session: Session, household_id: int) -> int:
    """The points of the household's requests past their time, not yet given back."""
    return int(session.exec(select(func.coalesce(func.sum(ShopRequest.total_points), 0)).where(
        ShopRequest.household_id == household_id, ShopRequest.status == RequestStatus.pending,
        ShopRequest.expires_at <= utcnow())).one() or 0)
