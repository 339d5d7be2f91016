"""check-ledger's part for I12 (issue #21 item 5): every book's chain walked from its first entry, each entry's facts
hashed again and compared with the leaf chained when it was written, each posted month's root built again as the
walk passes it (one month's leaves in memory at a time). The first broken entry of each book is named (its id, book,
place, what no longer matches); later ones in the same book are counted."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session

from app.ledger import merkle
from app.ledger.chain_models import LedgerChain, LedgerLink, LedgerRoot
from app.ledger.models import Account, LedgerEntry, LedgerTransaction
from app.org.models import OrgUnit


@dataclass
class _Walk:
    """Where the walk of one book stands."""

    book_id: int
    seq: int = 0
    chain: str = merkle.GENESIS
    month: str = ""
    leaves: list[str] = field(default_factory=list)  # the current month's
    last_chain: str = ""
    first_broken: str = ""
    more: int = 0


def check_chains(session: Session) -> list[str]:
    """Every problem with the chains and the posted roots, in plain words; empty when each book is whole."""
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name)).all())
    heads = {b: (s, h) for b, s, h in session.execute(select(LedgerChain.book_id, LedgerChain.seq, LedgerChain.head))}
    roots = {(r.book_id, r.month): r for r in session.execute(select(LedgerRoot)).scalars()}
    problems: list[str] = []
    rows = session.execute(
        select(LedgerLink, LedgerEntry, LedgerTransaction.kind, func.coalesce(Account.village_id, Account.org_id))
        .join(LedgerEntry, LedgerEntry.id == LedgerLink.entry_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(Account, Account.id == LedgerEntry.account_id)
        .order_by(LedgerLink.book_id, LedgerLink.seq).execution_options(yield_per=2000))
    walk: _Walk | None = None
    for link, entry, kind, account_book in rows:
        if walk is None or link.book_id != walk.book_id:
            if walk is not None:
                problems += _close_book(walk, heads, roots, names)
            walk = _Walk(link.book_id)
        if link.month != walk.month:
            problems += _close_month(walk, roots, names)
            walk.month, walk.leaves = link.month, []
        walk.seq += 1
        wrong = _what_differs(link, entry, kind, account_book, walk.seq, walk.chain)
        walk.seq, walk.chain = link.seq, merkle.chain_hash(walk.chain, link.leaf)
        walk.leaves.append(link.leaf)
        walk.last_chain = link.chain
        if wrong and not walk.first_broken:
            walk.first_broken = (f"entry {entry.id} of {names.get(walk.book_id, walk.book_id)} (book {walk.book_id}, "
                                 f"No. {link.seq}, {link.month}): {wrong}")
        elif wrong:
            walk.more += 1
    if walk is not None:
        problems += _close_book(walk, heads, roots, names)
    problems += [f"{names.get(b, b)} (book {b}): its chain head counts {seq} entries but none are chained"
                 for b, (seq, _) in heads.items() if seq]
    unchained = session.execute(select(LedgerEntry.id).where(~LedgerEntry.id.in_(select(LedgerLink.entry_id)))
                                .order_by(LedgerEntry.id).limit(5)).scalars().all()
    problems += [f"entry {entry_id} is in no chain (written without its link)" for entry_id in unchained]
    problems += [f"{names.get(b, b)} (book {b}) {m}: a root is posted but no entry of the month is chained"
                 for b, m in roots]
    return problems


def _what_differs(link: LedgerLink, entry: LedgerEntry, kind: str, account_book: int, expected_seq: int,
                  chain: str) -> str:
    if link.seq != expected_seq:
        return f"the chain skips from No. {expected_seq - 1} to No. {link.seq} (an entry was removed)"
    if account_book != link.book_id:
        return f"its account {entry.account_id} is not in this book"
    leaf = merkle.leaf_hash(merkle.leaf_text(
        book=link.book_id, seq=link.seq, entry=entry.id, transaction=entry.transaction_id, account=entry.account_id,
        kind=kind, amount=entry.amount, balance_after=entry.balance_after, at=entry.created_at, salt=link.salt))
    if leaf != link.leaf:
        return (f"it no longer matches the hash chained when it was written — it now says amount {entry.amount}, "
                f"balance after {entry.balance_after}, account {entry.account_id}, transaction "
                f"{entry.transaction_id} ({kind}), at {merkle.time_text(entry.created_at)}: one of these was "
                f"changed after the fact")
    if link.chain != merkle.chain_hash(chain, link.leaf):
        return "its chain hash does not follow from the entry before it (the chain was rewritten)"
    return ""


def _close_month(walk: _Walk, roots: dict, names: dict[int, str]) -> list[str]:
    root = roots.pop((walk.book_id, walk.month), None)
    if root is None or not walk.leaves:
        return []
    where = f"{names.get(walk.book_id, walk.book_id)} (book {walk.book_id}) {walk.month}"
    if len(walk.leaves) != root.last_seq - root.first_seq + 1 or walk.seq != root.last_seq:
        return [f"{where}: the posted root covers No. {root.first_seq}–{root.last_seq}, the chain holds "
                f"{len(walk.leaves)} entries of the month up to No. {walk.seq}"]
    if merkle.merkle_root(walk.leaves) != root.root:
        return [f"{where}: the month's chained entries no longer give the posted root {root.root[:16]}…"]
    if walk.last_chain != root.chain:
        return [f"{where}: the chain at No. {root.last_seq} is not the one posted"]
    return []


def _close_book(walk: _Walk, heads: dict, roots: dict, names: dict[int, str]) -> list[str]:
    problems = _close_month(walk, roots, names)
    if walk.first_broken:
        problems.append(walk.first_broken + (f"; {walk.more} more broken after it in this book" if walk.more else ""))
    if heads.pop(walk.book_id, None) != (walk.seq, walk.last_chain):
        problems.append(f"{names.get(walk.book_id, walk.book_id)} (book {walk.book_id}): the chain's head does not "
                        f"match its {walk.seq} chained entries")
    return problems
