"""The one record of a redemption, whichever way it was paid: stock taken (goods rows first: the lock order
everywhere), the points paid to the shop through the ledger's doors, the redemption, its stock movements and its
receipt lines written — all in the caller's transaction. A pay code (or card) pays from the household's account;
a 扫码兑换 request pays from the points it held (app.shop.requests.service)."""

from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.errors import PayCodeUsed
from app.ledger.service import pay_shop, settle_hold
from app.metrics import REDEMPTIONS, on_commit
from app.org.access import Actor
from app.org.models import Household, User
from app.shop.access import require_open
from app.shop.catalogue.models import Goods, MovementKind, StockMovement
from app.shop.catalogue.service import take_stock
from app.shop.models import Shop
from app.shop.redemption.models import PayCode, ReceiptLine, Redemption, RedemptionItem, RedemptionPublic
from app.shop.redemption.receipts import new_receipt

# Built once: the redemption's insert (its id is needed) and the basket's rows, inserted into the tables themselves
# (nobody reads their ids), on the session's connection (app/ledger/postings.py says why).
_INSERT_REDEMPTION = insert(Redemption.__table__).returning(Redemption.__table__.c.id)
_REDEMPTION_COLUMNS = [c.name for c in Redemption.__table__.columns if c.name != "id"]
_INSERT_MOVEMENTS, _INSERT_ITEMS = insert(StockMovement.__table__), insert(RedemptionItem.__table__)


@dataclass(frozen=True)
class PaidBy:
    """Where the points come from: the household's account, by a pay code (and the card it was unlocked from), or
    the household's hold (`hold`: a request's points, set aside when it was made)."""

    pay_code_id: int | None = None
    card_id: int | None = None
    hold: bool = False

    @property
    def way(self) -> str:
        return "request" if self.hold else "card" if self.card_id is not None else "code"


def receipt_lines(lines: list[tuple[Goods, int]]) -> list[ReceiptLine]:
    """A priced basket as receipt lines, at the goods' prices now."""
    return [ReceiptLine(goods_id=g.id, name=g.name, unit_points=g.points_price, quantity=q, points=g.points_price * q)
            for g, q in lines]


def record_redemption(session: Session, *, shop: Shop, household: Household, attendant_id: int,
                      lines: list[ReceiptLine], paid_by: PaidBy, stock_reason: str) -> Redemption:
    """Hand goods over for points: stock, ledger, redemption, movements and receipt lines together, or nothing;
    never at a shop that is not open (whichever door it came through)."""
    require_open(shop)
    lines = sorted(lines, key=lambda line: line.goods_id)
    total = sum(line.points for line in lines)
    goods = _goods(session, [line.goods_id for line in lines])
    # Lock order everywhere: goods rows, then household accounts, then other accounts (no deadlocks), with the rows
    # every counter shares (goods, the shop's account) held as briefly as possible.
    stock_after = {line.goods_id: take_stock(session, goods=goods[line.goods_id], delta=-line.quantity)
                   for line in lines}
    if paid_by.hold:
        txn, balance_after = settle_hold(session, household=household, shop_id=shop.id, shop_name=shop.name,
                                         points=total, reason=f"{shop.name}兑换", actor_id=attendant_id)
    else:
        txn, balance_after = pay_shop(session, household_id=household.id, shop_id=shop.id, shop_name=shop.name,
                                      village_id=shop.village_id, points=total, reason=f"{shop.name}兑换",
                                      actor_id=attendant_id)
    redemption = Redemption(shop_id=shop.id, household_id=household.id, attendant_id=attendant_id,
                            transaction_id=txn.id, pay_code_id=paid_by.pay_code_id, card_id=paid_by.card_id,
                            total_points=total, balance_after=balance_after)
    conn = session.connection()
    try:  # one INSERT … RETURNING id (no unit of work: nothing else is pending)
        redemption.id = conn.execute(_INSERT_REDEMPTION, {
            column: getattr(redemption, column) for column in _REDEMPTION_COLUMNS}).scalar_one()
    except IntegrityError as exc:  # the same code, redeemed a moment ago at another counter (I7)
        if paid_by.pay_code_id is None:
            raise
        raise PayCodeUsed() from exc
    # The basket's movements and receipt lines: one statement each, however many lines (their ids are not needed).
    conn.execute(_INSERT_MOVEMENTS, [
        {"goods_id": line.goods_id, "kind": MovementKind.redemption, "delta": -line.quantity,
         "stock_after": stock_after[line.goods_id], "reason": stock_reason, "actor_id": attendant_id,
         "redemption_id": redemption.id, "created_at": redemption.created_at} for line in lines])
    conn.execute(_INSERT_ITEMS, [{"redemption_id": redemption.id, **line.model_dump()} for line in lines])
    on_commit(session, REDEMPTIONS.labels(paid_by.way).inc)
    return redemption


def _goods(session: Session, ids: list[int]) -> dict[int, Goods]:
    """The goods rows by id: those the transaction has loaded already (the basket was just priced), the rest read."""
    found = {gid: g for gid in ids if (g := session.identity_map.get(session.identity_key(Goods, gid))) is not None}
    missing = [gid for gid in ids if gid not in found]
    if missing:
        found |= {g.id: g for g in session.exec(select(Goods).where(Goods.id.in_(missing)))}
    return found


def redeem_code(session: Session, *, shop: Shop, attendant_id: int, code: PayCode, lines: list[tuple[Goods, int]],
                reader: Actor | None, household: Household | None = None) -> RedemptionPublic:
    """A redemption by a pay code already resolved (with its `household`, when that was read with it), for a basket
    already priced; its receipt as `reader` reads it (made from the rows in hand: nothing is read back)."""
    household = household or session.get(Household, code.household_id)
    written = sorted(receipt_lines(lines), key=lambda line: line.goods_id)
    redemption = record_redemption(session, shop=shop, household=household, attendant_id=attendant_id,
                                   lines=written, paid_by=PaidBy(pay_code_id=code.id, card_id=code.card_id),
                                   stock_reason="兑换")
    attendant = (reader.user if reader is not None and reader.id == attendant_id
                 else session.get(User, attendant_id))
    return new_receipt(redemption, shop=shop, household=household, attendant=attendant.name if attendant else "",
                       lines=written, reader=reader)


def redeem_scope(attendant_id: int, shop_id: int) -> str:
    """The idempotency scope of an attendant's redemptions at a shop (a confirmation answers the same key)."""
    return f"user:{attendant_id}:redeem:{shop_id}"
