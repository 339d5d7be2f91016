"""Reading a household's history in words: what each line was for, and the two halves of a reversal pointing at
each other. A page of lines costs the same few queries however long it is.

The ledger reads no other domain's tables: a domain whose transactions say more than their reason (a redemption
names its goods, a hold how its request ended) registers its words in app/ledger/registry.py."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from app.ledger.accounts import household_account
from app.ledger.chain import verify_urls
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
from app.ledger.registry import HoldStory, hold_stories, words_for
from app.org.models import Household, User
from app.paging import Page, check_limit, decode_cursor, encode_cursor


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
    checks = verify_urls(session, [entry.id for entry, _, _ in rows])
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
            if original else None, verify_url=checks.get(entry.id)))
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
class Purchase:
    """A hold (扫码兑换: points set aside for a request) with every return of it, as one line of the history: its
    entries on the household's account, newest first (the hold last), and how it stands now in the words of the
    domain that holds (app.ledger.registry.HoldStory; None for a hold no domain knows)."""

    hold_id: int
    entries: list[LedgerLine]
    story: HoldStory | None

    @property
    def amount(self) -> int:
        """What it took in the end: the held points less every return (0 once all came back)."""
        return sum(e.amount for e in self.entries)

    @property
    def balance_after(self) -> int:
        """The balance right after its latest entry (true at that moment, whatever else was held meanwhile)."""
        return self.entries[0].balance_after

    @property
    def created_at(self) -> datetime:
        return self.entries[-1].created_at

    @property
    def state(self) -> str:
        """open (held), done (paid) or returned (every point back)."""
        if self.story is not None:
            return self.story.state
        return "returned" if self.amount == 0 else "open"


@dataclass(frozen=True)
class Story:
    """One item of the history on a page: a line, and — when its reversal came right after it (nothing else moved
    the balance in between) — that reversal too, told as one story: 兑换 −67 · 已撤销，积分已退回. A purchase
    (扫码兑换) is one story of its own (`purchase`; `line` is then its hold)."""

    line: LedgerLine
    undone: LedgerLine | None = None
    purchase: Purchase | None = None

    @property
    def balance_after(self) -> int:
        if self.purchase is not None:
            return self.purchase.balance_after
        return (self.undone or self.line).balance_after

    @property
    def undone_at(self) -> datetime | None:
        return self.line.reversal.created_at if self.line.reversal else None


def as_stories(lines: list["LedgerLine | Purchase"]) -> list[Story]:
    """Newest-first lines → stories: a reversal directly above what it undid folds into it. A reversal further away
    stays a line of its own (with the balance it left), so that every balance on the page still follows from the
    line below it; both halves then say what the other was. A purchase is a story of its own."""
    stories: list[Story] = []
    i = 0
    while i < len(lines):
        newer, older = lines[i], lines[i + 1] if i + 1 < len(lines) else None
        if isinstance(newer, Purchase):
            stories.append(Story(line=newer.entries[-1], purchase=newer))
            i += 1
        elif (isinstance(older, LedgerLine) and newer.reverses_id is not None
              and newer.reverses_id == older.transaction_id):
            stories.append(Story(line=older, undone=newer))
            i += 2
        else:
            stories.append(Story(line=newer))
            i += 1
    return stories


# --- one line per purchase: a hold told with its returns (issue #18) ------------------------------------------------

def _line_key_sql():
    """Which line of the history an entry belongs to: a hold and the returns naming it (their source) share one,
    −(the hold's id); every other entry is a line of its own, its id. _line_key is the same rule in Python."""
    return case((LedgerTransaction.kind == TxnKind.hold, -LedgerTransaction.id),
                (and_(LedgerTransaction.kind == TxnKind.hold_release, LedgerTransaction.source_id.is_not(None)),
                 -LedgerTransaction.source_id), else_=LedgerEntry.id)


def _line_key(txn_kind: str, txn_id: int, source_id: int | None, entry_id: int) -> int:
    if txn_kind == TxnKind.hold:
        return -txn_id
    if txn_kind == TxnKind.hold_release and source_id is not None:
        return -source_id
    return entry_id


def household_history(session: Session, *, household: Household, limit: int | None, cursor: str | None,
                      moved_only: bool = False) -> Page:
    """The household's history as it reads it, newest first, a page of `limit` lines: a 扫码兑换's hold and its
    returns are one line (a Purchase, placed by its latest entry), everything else one line per entry (LedgerLine,
    in words). No line is split across pages: a page is cut between lines, never inside one. `moved_only` leaves
    out purchases whose points all came back (首页: what moved the balance). The ledger keeps every entry; a
    Purchase carries them."""
    size = check_limit(limit)
    after = decode_cursor(cursor)
    account = household_account(session, household_id=household.id)
    entries = (select(LedgerEntry.id.label("id"), LedgerEntry.amount.label("amount"),
                      _line_key_sql().label("line"))
               .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
               .where(LedgerEntry.account_id == account.id).subquery())
    anchor = func.max(entries.c.id)
    lines = select(entries.c.line, anchor).group_by(entries.c.line)
    if after is not None:
        lines = lines.having(anchor < after)
    if moved_only:
        lines = lines.having(or_(entries.c.line > 0, func.sum(entries.c.amount) != 0))
    found = list(session.execute(lines.order_by(anchor.desc()).limit(size + 1)))
    more = len(found) > size
    found = found[:size]
    keys = [line for line, _ in found]
    holds = [-k for k in keys if k < 0]
    rows = session.exec(
        select(LedgerEntry, LedgerTransaction, User.name)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(User, User.id == LedgerTransaction.actor_id, isouter=True)
        .where(LedgerEntry.account_id == account.id,
               or_(LedgerEntry.id.in_([k for k in keys if k > 0]),
                   and_(LedgerTransaction.kind == TxnKind.hold, LedgerTransaction.id.in_(holds)),
                   and_(LedgerTransaction.kind == TxnKind.hold_release, LedgerTransaction.source_id.in_(holds))))
        .order_by(LedgerEntry.id.desc())).all()
    described = describe_lines(session, [tuple(row) for row in rows])
    grouped: dict[int, list[LedgerLine]] = defaultdict(list)
    for (entry, txn, _), line in zip(rows, described, strict=True):
        grouped[_line_key(txn.kind, txn.id, txn.source_id, entry.id)].append(line)
    stories = hold_stories(session, holds)
    items: list[LedgerLine | Purchase] = [
        Purchase(hold_id=-k, entries=grouped[k], story=stories.get(-k)) if k < 0 else grouped[k][0] for k in keys]
    return Page(items=items, next_cursor=encode_cursor(found[-1][1]) if more else None)
