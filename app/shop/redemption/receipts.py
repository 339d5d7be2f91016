"""Reading receipts (兑换记录): a page of redemptions with their goods, who rang them up, and — for one reversed —
who reversed it, when and why — and each one's 核对 address (its ledger line on /verify). A page costs the same seven
queries however many receipts it holds."""

from collections import defaultdict

from sqlmodel import Session, select

from app.ledger.models import TxnKind
from app.ledger.registry import register_describer
from app.ledger.service import receipt_checks, transaction_reversals
from app.org.access import Actor
from app.org.models import Household, User
from app.org.service import name_for
from app.shop.catalogue.basket import goods_words
from app.shop.models import Shop
from app.shop.redemption.models import ReceiptLine, Redemption, RedemptionItem, RedemptionPublic, RedemptionReversal


def receipts(session: Session, redemptions: list[Redemption], *, reader: Actor | None) -> list[RedemptionPublic]:
    """The receipts of these redemptions, in the same order, as `reader` may read them: the household's name in
    full for its members and the village's officials, masked (王*国) for the shop's attendants and anyone else."""
    if not redemptions:
        return []
    shops = _by_id(session, Shop, {r.shop_id for r in redemptions})
    households = _by_id(session, Household, {r.household_id for r in redemptions})
    people = _by_id(session, User, {r.attendant_id for r in redemptions})
    items: dict[int, list[ReceiptLine]] = defaultdict(list)
    for i in session.exec(select(RedemptionItem).where(RedemptionItem.redemption_id.in_([r.id for r in redemptions]))
                          .order_by(RedemptionItem.id)):
        items[i.redemption_id].append(ReceiptLine(goods_id=i.goods_id, name=i.name, unit_points=i.unit_points,
                                                  quantity=i.quantity, points=i.points))
    checks = receipt_checks(session, transaction_ids=[r.transaction_id for r in redemptions])
    reversals = {txn_id: RedemptionReversal(reason=undone.reason, actor=undone.actor, created_at=undone.created_at)
                 for txn_id, undone in transaction_reversals(
                     session, transaction_ids=[r.transaction_id for r in redemptions]).items()}
    return [RedemptionPublic(
        id=r.id, shop_id=r.shop_id, shop_name=shops[r.shop_id].name, household_id=r.household_id,
        household_name=name_for(reader, head_name=households[r.household_id].head_name,
                                household_id=r.household_id, village_id=households[r.household_id].village_id),
        attendant=people[r.attendant_id].name if r.attendant_id in people else "",
        total_points=r.total_points, balance_after=r.balance_after, items=items[r.id], created_at=r.created_at,
        reversed=r.transaction_id in reversals, reversal=reversals.get(r.transaction_id),
        verify_url=checks.get(r.transaction_id)) for r in redemptions]


def new_receipt(redemption: Redemption, *, shop: Shop, household: Household, attendant: str,
                lines: list[ReceiptLine], reader: Actor | None) -> RedemptionPublic:
    """The receipt of a redemption this transaction has just recorded, from the rows it holds (`lines` in goods id
    order, as they were written): what `receipt` would read back, without reading it (tests/shop/redemption
    compare the two)."""
    return RedemptionPublic(
        id=redemption.id, shop_id=shop.id, shop_name=shop.name, household_id=household.id,
        household_name=name_for(reader, head_name=household.head_name, household_id=household.id,
                                village_id=household.village_id),
        attendant=attendant, total_points=redemption.total_points, balance_after=redemption.balance_after,
        items=lines, created_at=redemption.created_at)


def _by_id(session: Session, model, ids: set[int]) -> dict:
    return {row.id: row for row in session.exec(select(model).where(model.id.in_(ids)))}


def receipt(session: Session, redemption: Redemption, *, reader: Actor | None) -> RedemptionPublic:
    """One receipt as `reader` may read it."""
    return receipts(session, [redemption], reader=reader)[0]


def _goods_words(session: Session, redemption_txn_ids: list[int]) -> dict[int, str]:
    """A redemption's line on the household's history names what was bought: " · 大米 5kg ×1、鸡蛋 30枚 ×2"."""
    found = session.exec(select(Redemption.transaction_id, RedemptionItem.name, RedemptionItem.quantity)
                         .join(RedemptionItem, RedemptionItem.redemption_id == Redemption.id)
                         .where(Redemption.transaction_id.in_(redemption_txn_ids))
                         .order_by(RedemptionItem.id))
    goods: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for txn_id, name, quantity in found:
        goods[txn_id].append((name, quantity))
    return {txn_id: f" · {goods_words(items)}" for txn_id, items in goods.items()}


register_describer(TxnKind.redemption, _goods_words)
