"""Above the village's amount, a redemption by pay code waits for the villager to confirm on their own phone
(确认兑换 N 积分？). Nothing moves while it waits: the villager's 确认 runs the redemption itself (record.redeem_code)
in one transaction, once, under the attendant's idempotency key; 拒绝, the counter giving up, or 90 seconds end it.
Household cards keep their PIN and are never asked this way."""

import json
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.errors import (
    DomainError,
    InsufficientPoints,
    InvalidState,
    OutOfStock,
    PayCodeUsed,
    PriceChanged,
    TotalChanged,
    ValidationFailed,
)
from app.idempotency import answer_claim
from app.org.access import OFFICIALS, Actor, load_actor
from app.org.models import Household, User
from app.org.service import name_for
from app.org.settings import Rule, SettingsKind, declare_kind, read_settings, write_settings
from app.shop.catalogue.basket import basket_total, price_basket
from app.shop.catalogue.models import Goods
from app.shop.models import Shop
from app.shop.redemption.models import (
    ConfirmationError,
    ConfirmationPublic,
    ConfirmationStatus,
    PayCode,
    ReceiptLine,
    Redemption,
    RedemptionConfirmation,
    RedemptionPublic,
    ShopSettingsPublic,
    VillageSettings,
)
from app.shop.redemption.paycodes import payer_balance, refuse_dead_owner
from app.shop.redemption.receipts import receipt
from app.shop.redemption.record import receipt_lines, redeem_code, redeem_scope
from app.timeutil import as_utc, utcnow

CONFIRM_WAIT = timedelta(seconds=90)
MAX_CONFIRM_ABOVE = 100_000


# --- the village's amount -------------------------------------------------------------------------------------

CONFIRM_ABOVE = declare_kind(SettingsKind(
    name="shop_confirm", model=VillageSettings, writers=OFFICIALS, forbidden="只有村干部可以修改",
    label="修改大额兑换确认额度",
    rules={"confirm_above": Rule(0, MAX_CONFIRM_ABOVE, "确认额度", message="{label}应为 {low} 到 {high} 积分")}))


def confirm_above(session: Session, *, village_id: int) -> int:
    return read_settings(session, CONFIRM_ABOVE, village_id).confirm_above


def shop_settings(session: Session, *, village_id: int) -> ShopSettingsPublic:
    return ShopSettingsPublic(village_id=village_id, confirm_above=confirm_above(session, village_id=village_id))


def set_confirm_above(session: Session, *, actor: Actor, village_id: int, amount: int) -> ShopSettingsPublic:
    """An official sets above how many points a redemption by pay code waits for the villager's phone."""
    row = write_settings(session, actor=actor, kind=CONFIRM_ABOVE, village_id=village_id,
                         values={"confirm_above": amount}, partial=False)
    return ShopSettingsPublic(village_id=village_id, confirm_above=row.confirm_above)


# --- asking ---------------------------------------------------------------------------------------------------

def ask_household(session: Session, *, shop: Shop, attendant_id: int, code: PayCode, lines: list[tuple[Goods, int]],
                  total: int, idempotency_key: str | None, expected_total: int | None, reader: Actor | None
                  ) -> ConfirmationPublic:
    """Ask the code's household to confirm this basket (called from service.redeem, which has priced it)."""
    short = [g.name for g, q in lines if g.stock < q]  # refused now rather than after the villager confirmed
    if short:
        raise OutOfStock(f"库存不足：{'、'.join(short)}")
    if payer_balance(session, household_id=code.household_id) < total:
        raise InsufficientPoints()
    if idempotency_key is not None:  # the same request again: the same question
        existing = session.exec(select(RedemptionConfirmation).where(
            RedemptionConfirmation.attendant_id == attendant_id, RedemptionConfirmation.shop_id == shop.id,
            RedemptionConfirmation.idempotency_key == idempotency_key)).first()
        if existing is not None:
            return public(session, existing, reader=reader)
    now = utcnow()
    # The same code sent again with another basket: the earlier question is withdrawn (one question per code).
    session.execute(update(RedemptionConfirmation)
                    .where(RedemptionConfirmation.pay_code_id == code.id,
                           RedemptionConfirmation.status == ConfirmationStatus.pending)
                    .values(status=ConfirmationStatus.cancelled, decided_at=now))
    basket = [line.model_dump() for line in receipt_lines(lines)]
    row = RedemptionConfirmation(shop_id=shop.id, household_id=code.household_id, attendant_id=attendant_id,
                                 pay_code_id=code.id, idempotency_key=idempotency_key, expected_total=expected_total,
                                 basket=json.dumps(basket, ensure_ascii=False), total_points=total,
                                 expires_at=now + CONFIRM_WAIT, created_at=now)
    session.add(row)
    session.flush()
    return public(session, row, reader=reader)


def pending_for_key(session: Session, *, attendant_id: int, shop_id: int, key: str) -> RedemptionConfirmation | None:
    """The confirmation a request with this key asked for and that did not end in a redemption."""
    row = session.exec(select(RedemptionConfirmation).where(
        RedemptionConfirmation.attendant_id == attendant_id, RedemptionConfirmation.shop_id == shop_id,
        RedemptionConfirmation.idempotency_key == key.strip())).first()
    return row if row is not None and row.status != ConfirmationStatus.confirmed else None


def status_of(row: RedemptionConfirmation, *, now: datetime | None = None) -> str:
    if row.status == ConfirmationStatus.pending and as_utc(row.expires_at) <= (now or utcnow()):
        return ConfirmationStatus.expired
    return row.status


def public(session: Session, row: RedemptionConfirmation, *, reader: Actor | None) -> ConfirmationPublic:
    """The question as `reader` may read it: the household's name masked for the counter (app.org.service.name_for)."""
    shop = session.get(Shop, row.shop_id)
    household = session.get(Household, row.household_id)
    redemption = None
    if row.redemption_id is not None:
        redemption = receipt(session, session.get(Redemption, row.redemption_id), reader=reader)
    error = ConfirmationError(code=row.error_code, message=row.error_message or "") if row.error_code else None
    return ConfirmationPublic(id=row.id, status=status_of(row), shop_id=shop.id, shop_name=shop.name,
                              household_id=household.id,
                              household_name=name_for(reader, head_name=household.head_name,
                                                      household_id=household.id, village_id=household.village_id),
                              total_points=row.total_points,
                              items=[ReceiptLine(**line) for line in json.loads(row.basket)],
                              expires_at=row.expires_at, created_at=row.created_at, redemption=redemption,
                              error=error)


def pending_for_household(session: Session, *, household_id: int) -> list[RedemptionConfirmation]:
    """The questions waiting on the villager's phone, newest first."""
    rows = session.exec(select(RedemptionConfirmation).where(
        RedemptionConfirmation.household_id == household_id,
        RedemptionConfirmation.status == ConfirmationStatus.pending,
        RedemptionConfirmation.expires_at > utcnow()).order_by(RedemptionConfirmation.id.desc())).all()
    return list(rows)


def latest_id(session: Session, *, household_id: int) -> int:
    """The newest question the household was ever asked (an opened pay screen waits only for newer ones)."""
    latest = session.exec(select(RedemptionConfirmation.id).where(RedemptionConfirmation.household_id == household_id)
                          .order_by(RedemptionConfirmation.id.desc())).first()
    return latest or 0


# --- answering ------------------------------------------------------------------------------------------------

class Decided:
    """The outcome of a villager's answer: the confirmation as it now stands, and the refusal to raise (after the
    failure has been saved) when the redemption could not be made."""

    def __init__(self, confirmation: ConfirmationPublic, error: DomainError | None = None) -> None:
        self.confirmation, self.error = confirmation, error


def decide(session: Session, *, actor: Actor, row: RedemptionConfirmation, decision: str, secret: str,
           total_points: int | None = None, _again: bool = False) -> Decided:
    """确认 runs the redemption (points move now, at today's prices: a changed total fails with price_changed); 拒绝
    ends the question. A 确认 carries the total the villager's phone showed (`total_points`): another total than
    the question's is refused with total_changed before anything moves, and the question stays open. Confirming
    twice gives the same receipt; anything but a pending question cannot be answered."""
    if decision not in ("confirm", "refuse"):
        raise ValidationFailed("请选择确认或拒绝", field="decision")
    now = utcnow()
    current = status_of(row, now=now)
    if decision == "confirm" and total_points is not None and total_points != row.total_points and current in (
            ConfirmationStatus.pending, ConfirmationStatus.confirmed):
        raise TotalChanged(f"合计有变动：这笔兑换是 {row.total_points} 积分（您确认的是 {total_points} 积分），"
                           "没有扣积分。请核对后再确认")
    if current == ConfirmationStatus.confirmed and decision == "confirm":
        return Decided(public(session, row, reader=actor))
    if current != ConfirmationStatus.pending:
        raise InvalidState(ENDED.get(current, "这笔兑换已经结束"))
    target = ConfirmationStatus.confirmed if decision == "confirm" else ConfirmationStatus.refused
    # Claim the question: of two answers at once, one wins; the other finds it decided.
    won = session.execute(update(RedemptionConfirmation)
                          .where(RedemptionConfirmation.id == row.id,
                                 RedemptionConfirmation.status == ConfirmationStatus.pending,
                                 RedemptionConfirmation.expires_at > now)
                          .values(status=target, decided_by=actor.id, decided_at=now)).rowcount
    session.refresh(row)
    if not won:  # decided (or timed out) meanwhile: answer as for a question already decided
        if _again:
            raise InvalidState("这笔兑换已经结束")
        return decide(session, actor=actor, row=row, decision=decision, secret=secret, total_points=total_points,
                      _again=True)
    if decision == "refuse":
        return Decided(public(session, row, reader=actor))
    try:
        with session.begin_nested():
            made = _redeem(session, row=row, secret=secret)
    except DomainError as exc:
        row.status, row.error_code, row.error_message = ConfirmationStatus.failed, exc.code, exc.message
        session.add(row)
        session.flush()
        return Decided(public(session, row, reader=actor), error=exc)
    row.redemption_id = made.id
    session.add(row)
    session.flush()
    return Decided(public(session, row, reader=actor))


ENDED = {ConfirmationStatus.refused: "这笔兑换已经拒绝了", ConfirmationStatus.cancelled: "收银台已取消这笔兑换",
         ConfirmationStatus.failed: "这笔兑换没有成功", ConfirmationStatus.expired: "已超时，请让收银员重新扫码",
         ConfirmationStatus.confirmed: "这笔兑换已经确认过了"}


def _redeem(session: Session, *, row: RedemptionConfirmation, secret: str) -> RedemptionPublic:
    """The redemption the counter asked for, as service.redeem would have made it, answering the counter's key."""
    shop = session.get(Shop, row.shop_id)
    code = session.get(PayCode, row.pay_code_id)
    if session.exec(select(Redemption.id).where(Redemption.pay_code_id == code.id)).first() is not None:
        raise PayCodeUsed()
    refuse_dead_owner(session, code)  # the code was alive when the villager was asked; its owner must still be
    basket = {line["goods_id"]: line["quantity"] for line in json.loads(row.basket)}
    goods = price_basket(session, shop=shop, basket=basket)
    total = basket_total(goods)
    if total != row.total_points:
        raise PriceChanged(f"商品价格有变动：现在共 {total} 积分（请您确认的是 {row.total_points} 积分），"
                           "请让收银员重新核对")
    attendant = session.get(User, row.attendant_id)
    # The receipt answers the counter's key: it is the attendant's, with the name as they may read it.
    made = redeem_code(session, shop=shop, attendant_id=attendant.id, code=code, lines=goods,
                       reader=load_actor(session, attendant))
    if row.idempotency_key is not None:
        answer_claim(session, scope=redeem_scope(attendant.id, shop.id), key=row.idempotency_key, result=made)
    return made


def cancel(session: Session, *, row: RedemptionConfirmation, reader: Actor | None) -> ConfirmationPublic:
    """The counter stops waiting (the villager left, or the attendant changes the basket)."""
    session.execute(update(RedemptionConfirmation)
                    .where(RedemptionConfirmation.id == row.id,
                           RedemptionConfirmation.status == ConfirmationStatus.pending)
                    .values(status=ConfirmationStatus.cancelled, decided_at=utcnow()))
    session.refresh(row)
    return public(session, row, reader=reader)
