"""Redemption (兑换) at the counter by pay code or card: the code resolved, the basket priced (app.shop.catalogue.
basket), the villager asked above the village's amount (confirmations.py), else the one record of a redemption
(record.py) — all in one transaction or not at all. Reversal by an official brings points and stock back."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session, select

from app.audit.service import record_action
from app.errors import Busy, Forbidden, InvalidState, NotFound, PriceChanged
from app.idempotency import find_result, run_idempotent
from app.ledger.models import REDEMPTION_REVERSAL_PREFIX
from app.ledger.service import check_reversible, is_reversed, reverse
from app.org.access import Actor, require_may_decide_for
from app.paging import Page, page_desc
from app.queueing import KeyedFairLocks
from app.shop.access import Counter
from app.shop.catalogue.basket import basket_total, clean_basket, price_basket
from app.shop.catalogue.models import BasketLine, Goods, MovementKind
from app.shop.catalogue.service import move_stock
from app.shop.models import REDEMPTION_TARGET, Shop, ShopAction
from app.shop.redemption import confirmations
from app.shop.redemption.models import ConfirmationPublic, Redemption, RedemptionItem, RedemptionPublic
from app.shop.redemption.paycodes import check_offline_cap, may_ask_phone, resolve_pay_code
from app.shop.redemption.receipts import receipt
from app.shop.redemption.record import redeem_code, redeem_scope
from app.text import clean_reason

_counter_queues = KeyedFairLocks()
COUNTER_QUEUES = 256  # shops share queues by id modulo this: the queues stay few whatever ids are sent
SHOP_TURNS = 19  # the first key of PostgreSQL's advisory locks that queue a shop's counters across processes


@contextmanager
def counter_queue(session: Session, *, shop_id: int, wait: float) -> Iterator[None]:
    """Hold while redeeming and committing: redemptions at one shop take turns first come, first served. They
    would queue on the shop's rows in the database anyway (its goods, its account); queueing here keeps the wait
    fair, so no counter waits far longer than the others (docs/performance.md). This process's counters queue in
    memory, holding no connection; on PostgreSQL the one at the head then queues with other server processes'
    counters on an advisory lock of the shop (granted in turn, released when the session's transaction ends). Enter
    it before the request touches the database (the queue comes before the writer, always), and wait at most `wait`
    seconds (the advisory lock: PostgreSQL's lock_timeout, the same seconds)."""
    try:
        with _counter_queues.hold(shop_id % COUNTER_QUEUES, timeout=wait):
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:turns, :shop)"),
                                {"turns": SHOP_TURNS, "shop": shop_id % 2**31})
            yield
    except TimeoutError as exc:
        raise Busy("收银台繁忙，请稍后再试") from exc


def redeem(session: Session, *, counter: Counter, attendant: Actor, pay_code: str, items: list[BasketLine],
           idempotency_key: str | None, secret: str, expected_total: int | None = None
           ) -> RedemptionPublic | ConfirmationPublic:
    """Hand goods over for a household's points at the shop of `counter` (app.shop.access.counter_shop: read for
    `attendant`): everything happens together, exactly once.

    `expected_total` is the total the counter showed: another total at today's prices is refused (409
    price_changed). Paid by pay code above the village's amount (`counter.confirm_above`), nothing moves yet: the
    villager is asked on their own phone and the answer is the pending confirmation (confirmations.py), which runs
    this same redemption, under the same key, once they confirm."""
    if not counter.staffed:
        raise Forbidden("您不是该超市的管理员")
    shop, confirm_above = counter.shop, counter.confirm_above
    basket = clean_basket(items)
    payload = redemption_payload(shop_id=shop.id, pay_code=pay_code, basket=basket, expected_total=expected_total)
    asked: list[ConfirmationPublic] = []

    def asked_before() -> ConfirmationPublic | None:
        """A retry while the villager is asked (or after they answered no): the same answer. Only a key seen before
        can have asked (the claim is committed with the confirmation), so a new key reads nothing here."""
        waiting = confirmations.pending_for_key(session, attendant_id=attendant.id, shop_id=shop.id,
                                                key=idempotency_key or "")
        return confirmations.public(session, waiting, reader=attendant) if waiting is not None else None

    def action() -> RedemptionPublic:
        code, household = resolve_pay_code(session, shop=shop, code=pay_code, secret=secret)
        lines = price_basket(session, shop=shop, basket=basket)
        total = basket_total(lines)
        if expected_total is not None and total != expected_total:
            raise PriceChanged(f"商品价格有变动：现在共 {total} 积分（收银台显示 {expected_total} 积分），"
                               "请核对后再确认")
        check_offline_cap(code, total)
        if may_ask_phone(code) and total > confirm_above:
            asked.append(confirmations.ask_household(
                session, shop=shop, attendant_id=attendant.id, code=code, lines=lines, total=total,
                idempotency_key=idempotency_key, expected_total=expected_total, reader=attendant))
            raise _AskedHousehold()
        return redeem_code(session, shop=shop, attendant_id=attendant.id, code=code, lines=lines, reader=attendant,
                           household=household)

    try:
        return run_idempotent(session, scope=redeem_scope(attendant.id, shop.id), key=idempotency_key,
                              payload=payload, result_type=RedemptionPublic, action=action, on_repeat=asked_before)
    except _AskedHousehold:
        # The key's claim stays without an answer (committed with the confirmation): the villager's confirmation
        # completes it, and a retry of this request meanwhile finds the same confirmation.
        return asked[0]


class _AskedHousehold(Exception):
    """Not an error: the redemption waits for the villager (the key's claim stays, unanswered)."""


def redemption_payload(*, shop_id: int, pay_code: str, basket: dict[int, int], expected_total: int | None) -> dict:
    payload = {"shop_id": shop_id, "pay_code": (pay_code or "").strip(), "items": sorted(basket.items())}
    if expected_total is not None:  # requests without it (api-v1 clients) keep the payload they always had
        payload["expected_total"] = expected_total
    return payload


def redemption_by_key(session: Session, *, shop: Shop, attendant: Actor, key: str) -> RedemptionPublic:
    """What happened to the redemption sent with this key (after a dropped connection)."""
    result = find_result(session, scope=redeem_scope(attendant.id, shop.id), key=key, result_type=RedemptionPublic)
    if result is None:
        raise NotFound("没有找到这笔兑换：它没有完成，可以重新确认")
    return receipt(session, session.get(Redemption, result.id), reader=attendant)


def reverse_redemption(session: Session, *, actor: Actor, redemption: Redemption, reason: str,
                       idempotency_key: str | None) -> RedemptionPublic:
    """An official undoes a redemption: points back to the household, goods back on the shelf."""
    shop = session.get(Shop, redemption.shop_id)
    check_reversible(session, actor=actor, transaction_id=redemption.transaction_id)
    # Undoing a redemption pays the points back: a credit like any other, so not for the official's own household.
    require_may_decide_for(actor, redemption.household_id, message="不能撤销自己家的兑换，请另一位村干部办理")
    reason = clean_reason(reason, label="撤销原因")

    def action() -> RedemptionPublic:
        if is_reversed(session, transaction_id=redemption.transaction_id):
            raise InvalidState("该笔兑换已撤销")
        items = session.exec(select(RedemptionItem).where(RedemptionItem.redemption_id == redemption.id)
                             .order_by(RedemptionItem.goods_id)).all()
        for item in items:  # goods rows first, then accounts: the same lock order as a redemption
            move_stock(session, goods=session.get(Goods, item.goods_id), delta=item.quantity,
                       kind=MovementKind.reversal, reason=reason, actor_id=actor.id, redemption_id=redemption.id)
        txn = reverse(session, transaction_id=redemption.transaction_id, reason=REDEMPTION_REVERSAL_PREFIX + reason,
                      actor_id=actor.id)
        record_action(session, actor_id=actor.id, action=ShopAction.redemption_reverse, village_id=shop.village_id,
                      target_type=REDEMPTION_TARGET, target_id=redemption.id, target_label=f"#{redemption.id}",
                      reason=reason,
                      detail={"transaction_id": txn.id, "points_returned": redemption.total_points})
        session.flush()
        return receipt(session, redemption, reader=actor)

    return run_idempotent(session, scope=f"user:{actor.id}:reverse-redemption", key=idempotency_key,
                          payload={"redemption_id": redemption.id, "reason": reason},
                          result_type=RedemptionPublic, action=action)


def household_redemptions_after(session: Session, *, household_id: int, after_id: int) -> list[Redemption]:
    """New receipts for the villager's phone (polled while the pay code is on screen)."""
    return list(session.exec(select(Redemption).where(Redemption.household_id == household_id,
                                                      Redemption.id > after_id).order_by(Redemption.id)))


def household_redemptions(session: Session, *, household_id: int, after_id: int, limit: int | None,
                          cursor: str | None) -> Page:
    """The household's receipts newer than `after_id`, newest first."""
    stmt = select(Redemption).where(Redemption.household_id == household_id, Redemption.id > after_id)
    return page_desc(session, stmt, Redemption.id, limit=limit, cursor=cursor)


def latest_redemption_id(session: Session, *, household_id: int) -> int:
    latest = session.exec(select(Redemption.id).where(Redemption.household_id == household_id)
                          .order_by(Redemption.id.desc())).first()
    return latest or 0
