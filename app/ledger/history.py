"""Reading a household's history in words: what each line was for, and the two halves of a reversal pointing at
each other. A page of lines costs the same few queries however long it is.

The ledger reads no other domain's tables: a domain whose transactions say more than their reason (a redemption
names its goods, a hold how its request ended) registers its words in app/ledger/registry.py."""

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
from app.ledger.registry import words_for
from app.org.models import User


def describe_lines(session: Session, rows: list[tuple[LedgerEntry, LedgerTransaction, str | None]]
                   ) -> list[LedgerLine]:
    """(entry, transaction, actor's name) rows → lines in words. A few queries for the whole page: the reversals of
    these transactions, the transactions these reversals undid, and one per kind a domain words (the registry)."""
    txn_ids = [txn.id for _, txn, _ in rows]
    reversals = reversals_of(session, txn_ids)
    originals = _transactions(session, {txn.reverses_id for _, txn, _ in rows if txn.reverses_id is not None})
    by_kind: dict[str, list[int]] = defaultdict(list)
    for txn in [txn for _, txn, _ in rows] + list(originals.values()):
        if txn.id not in by_kind[txn.kind]:
            by_kind[txn.kind].append(txn.id)
    words: dict[int, str] = {}
    for kind, ids in by_kind.items():
        words |= words_for(session, kind, ids)
    lines = []
    for entry, txn, actor in rows:
        undone_by = reversals.get(txn.id)
        original = originals.get(txn.reverses_id) if txn.reverses_id is not None else None
        lines.append(LedgerLine(
            id=entry.id, transaction_id=txn.id, amount=entry.amount, balance_after=entry.balance_after,
            kind=txn.kind, category=txn.category, reason=txn.reason,
            ref=f"{txn.kind}-{txn.id}" if txn.reverses_id is None else f"reversal-of-{txn.reverses_id}",
            actor=actor, reverses_id=txn.reverses_id, reversed_by_id=undone_by.transaction_id if undone_by else None,
            created_at=entry.created_at, description=_describe(txn, original, words),
            reversal=undone_by,
            original=LineOriginal(transaction_id=original.id, kind=original.kind,
                                  description=_describe(original, None, words), created_at=original.created_at)
            if original else None))
    return lines


def reversal_reason(txn: LedgerTransaction) -> str:
    """A reversal's reason as the official wrote it."""
    return txn.reason.removeprefix(REDEMPTION_REVERSAL_PREFIX)


def _describe(txn: LedgerTransaction, original: LedgerTransaction | None, words: dict[int, str]) -> str:
    if txn.kind == TxnKind.reversal and original is not None:
        return f"{KIND_LABELS.get(original.kind, '')}撤销：{reversal_reason(txn)}"
    return txn.reason + words.get(txn.id, "")


def reversals_of(session: Session, txn_ids: list[int]) -> dict[int, LineReversal]:
    """transaction id → its reversal (when, by whom, why), for those of these transactions that were reversed."""
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
