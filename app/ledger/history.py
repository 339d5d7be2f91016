"""Reading a household's history in words: what each line was for (a redemption names the goods), and the two
halves of a reversal pointing at each other. A page of lines costs the same few queries however long it is.

The ledger reads the shop's receipts here (the goods of a redemption live on its receipt, app.shop.models) but never
writes them; the shop writes through the doors in app.ledger.service."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.ledger.models import (
    KIND_LABELS,
    REDEMPTION_REVERSAL_PREFIX,
    LedgerEntry,
    LedgerLine,
    LedgerTransaction,
    LineOriginal,
    LineReversal,
    TxnKind,
)
from app.org.models import User
from app.shop.redemption.models import Redemption, RedemptionItem

GOODS_NAMED = 5  # a line names at most this many goods, then "等 N 种"


def describe_lines(session: Session, rows: list[tuple[LedgerEntry, LedgerTransaction, str | None]]
                   ) -> list[LedgerLine]:
    """(entry, transaction, actor's name) rows → lines in words. Three queries at most, for the whole page: the
    reversals of these transactions, the transactions these reversals undid, and the goods of the redemptions."""
    txn_ids = [txn.id for _, txn, _ in rows]
    reversals = _reversals_of(session, txn_ids)
    originals = _transactions(session, {txn.reverses_id for _, txn, _ in rows if txn.reverses_id is not None})
    goods = _goods_of(session, [t.id for t in [txn for _, txn, _ in rows] + list(originals.values())
                                if t.kind == TxnKind.redemption])
    held = _held_outcomes(session, [txn.id for _, txn, _ in rows if txn.kind == TxnKind.hold])
    lines = []
    for entry, txn, actor in rows:
        undone_by = reversals.get(txn.id)
        original = originals.get(txn.reverses_id) if txn.reverses_id is not None else None
        lines.append(LedgerLine(
            id=entry.id, transaction_id=txn.id, amount=entry.amount, balance_after=entry.balance_after,
            kind=txn.kind, category=txn.category, reason=txn.reason,
            ref=f"{txn.kind}-{txn.id}" if txn.reverses_id is None else f"reversal-of-{txn.reverses_id}",
            actor=actor, reverses_id=txn.reverses_id, reversed_by_id=undone_by.transaction_id if undone_by else None,
            created_at=entry.created_at, description=_describe(txn, original, goods) + held.get(txn.id, ""),
            reversal=undone_by,
            original=LineOriginal(transaction_id=original.id, kind=original.kind,
                                  description=_describe(original, None, goods), created_at=original.created_at)
            if original else None))
    return lines


def reversal_reason(txn: LedgerTransaction) -> str:
    """A reversal's reason as the official wrote it."""
    return txn.reason.removeprefix(REDEMPTION_REVERSAL_PREFIX)


def _describe(txn: LedgerTransaction, original: LedgerTransaction | None, goods: dict[int, list[tuple[str, int]]]
              ) -> str:
    if txn.kind == TxnKind.redemption and goods.get(txn.id):
        return f"{txn.reason} · {goods_words(goods[txn.id])}"
    if txn.kind == TxnKind.reversal and original is not None:
        return f"{KIND_LABELS.get(original.kind, '')}撤销：{reversal_reason(txn)}"
    return txn.reason


def goods_words(items: list[tuple[str, int]]) -> str:
    """大米 5kg ×1、鸡蛋 30枚 ×2 (and 等 N 种 past the first few)."""
    words = "、".join(f"{name} ×{quantity}" for name, quantity in items[:GOODS_NAMED])
    return words + (f" 等 {len(items)} 种" if len(items) > GOODS_NAMED else "")


def _held_outcomes(session: Session, hold_txn_ids: list[int]) -> dict[int, str]:
    """A hold's line says how its shop request (扫码兑换) ended: （待核销）, （已核销）, （已取消，已退回） …"""
    if not hold_txn_ids:
        return {}
    from app.shop.requests.models import ShopRequest

    words = {"pending": "（待核销）", "fulfilled": "（已核销）", "cancelled": "（已取消，积分已退回）",
             "expired": "（已过期，积分已退回）", "refused": "（店员退回，积分已退回）"}
    found = session.exec(select(ShopRequest.hold_transaction_id, ShopRequest.status)
                         .where(ShopRequest.hold_transaction_id.in_(hold_txn_ids)))
    return {txn_id: words.get(status, "") for txn_id, status in found}


def _reversals_of(session: Session, txn_ids: list[int]) -> dict[int, LineReversal]:
    if not txn_ids:
        return {}
    found = session.exec(select(LedgerTransaction, User.name)
                         .join(User, User.id == LedgerTransaction.actor_id, isouter=True)
                         .where(LedgerTransaction.reverses_id.in_(txn_ids)))
    return {txn.reverses_id: LineReversal(transaction_id=txn.id, reason=reversal_reason(txn), actor=name,
                                          created_at=txn.created_at) for txn, name in found}


def _transactions(session: Session, ids: set[int]) -> dict[int, LedgerTransaction]:
    if not ids:
        return {}
    return {t.id: t for t in session.exec(select(LedgerTransaction).where(LedgerTransaction.id.in_(ids)))}


def _goods_of(session: Session, redemption_txn_ids: list[int]) -> dict[int, list[tuple[str, int]]]:
    """transaction id → [(goods name, quantity)] in the order they were rung up."""
    if not redemption_txn_ids:
        return {}
    found = session.exec(select(Redemption.transaction_id, RedemptionItem.name, RedemptionItem.quantity)
                         .join(RedemptionItem, RedemptionItem.redemption_id == Redemption.id)
                         .where(Redemption.transaction_id.in_(redemption_txn_ids))
                         .order_by(RedemptionItem.id))
    goods: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for txn_id, name, quantity in found:
        goods[txn_id].append((name, quantity))
    return goods


# --- the history as a villager reads it ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Story:
    """One item of the history on a page: a line, and — when its reversal came right after it (nothing else moved
    the balance in between) — that reversal too, told as one story: 兑换 −67 · 已撤销，积分已退回."""

    line: LedgerLine
    undone: LedgerLine | None = None

    @property
    def balance_after(self) -> int:
        return (self.undone or self.line).balance_after

    @property
    def undone_at(self) -> datetime | None:
        return self.line.reversal.created_at if self.line.reversal else None


def as_stories(lines: list[LedgerLine]) -> list[Story]:
    """Newest-first lines → stories: a reversal directly above what it undid folds into it. A reversal further away
    stays a line of its own (with the balance it left), so that every balance on the page still follows from the
    line below it; both halves then say what the other was."""
    stories: list[Story] = []
    i = 0
    while i < len(lines):
        newer, older = lines[i], lines[i + 1] if i + 1 < len(lines) else None
        if older is not None and newer.reverses_id is not None and newer.reverses_id == older.transaction_id:
            stories.append(Story(line=older, undone=newer))
            i += 2
        else:
            stories.append(Story(line=newer))
            i += 1
    return stories
