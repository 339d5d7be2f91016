"""A ledger anyone can check (issue #21 item 5): every entry chained in its book as its transaction commits, each
month's Merkle root posted once the month is over, the proofs a public page checks in the browser.

How an entry is chained. app/ledger/postings.py notes each transaction it writes (`note_posted`, one call); just
before the session commits (`before_commit`), `append` reads the noted transactions' entries, locks each book's
chain head (`SELECT … FOR UPDATE`; SQLite's writer is held already), gives every entry the next sequence number, its
leaf and its chain hash (app/ledger/merkle.py), writes the links and moves the head — in the same transaction as the
entries, so an entry is never committed unchained. The head is taken at commit and held only until it: whatever a
transaction locked before (households, funds, shops) it locked earlier, and it takes no other lock after the heads
(taken in book order), so chaining adds no deadlock however many postings one transaction makes.

Months. An entry belongs to the later of its own month (its time, Beijing) and the book's open month: months only go
forward in a book, so a month once closed never gains an entry. The first entry of a later month closes the open one
and posts its root in the same transaction (`post_root`: a LedgerRoot and, for a village, a 财务 disclosure through
app/ledger/registry.py); `post_due_roots` (`python -m app post-ledger-roots`, nightly from cron) closes the months of
books that had no entry since. One root per book and month (unique), under the head's lock."""

import secrets
from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, event, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.errors import NotFound
from app.ledger import merkle
from app.ledger.chain_models import LedgerChain, LedgerLink, LedgerRoot, ProofPublic, RootPublic
from app.ledger.models import Account, LedgerEntry, LedgerTransaction
from app.ledger.registry import PostedRoot, publish_root
from app.org.models import OrgKind, OrgUnit
from app.timeutil import TIMEZONE, local, utcnow

PENDING = "zf_ledger_pending"  # session.info: the transactions written since the last commit, to chain at commit


def note_posted(session: Session, transaction_id: int) -> None:
    """Chain this transaction's entries when the session commits (postings.post_transaction calls it once)."""
    session.info.setdefault(PENDING, []).append(transaction_id)


@event.listens_for(OrmSession, "before_commit")
def _chain_on_commit(session: OrmSession) -> None:
    if session.in_nested_transaction() or not session.info.get(PENDING):
        return  # a savepoint released: its entries are chained with the outer transaction
    append(session, transaction_ids=session.info.pop(PENDING))


@event.listens_for(OrmSession, "after_rollback")
def _forget_on_rollback(session: OrmSession) -> None:
    session.info.pop(PENDING, None)


def month_of(at: datetime) -> str:
    return local(at, TIMEZONE).strftime("%Y-%m")


def book_of(account_village_id: int | None, account_org_id: int) -> int:
    """An account's book: its village's, else its own level's (a township's or the county's fund and input)."""
    return account_village_id or account_org_id


# The statements of a commit's chaining, built once (SQLAlchemy then only binds and runs them: the chaining adds
# four short statements to a commit that writes the ledger, bench/ledger_chain.py).
_ENTRIES = (
    select(LedgerEntry.id, LedgerEntry.transaction_id, LedgerEntry.account_id, LedgerEntry.amount,
           LedgerEntry.balance_after, LedgerEntry.created_at, LedgerTransaction.kind,
           func.coalesce(Account.village_id, Account.org_id))
    .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    .join(Account, Account.id == LedgerEntry.account_id)
    .where(LedgerEntry.transaction_id.in_(bindparam("ids", expanding=True)))
    .order_by(LedgerEntry.id))
_HEAD = select(LedgerChain.seq, LedgerChain.head, LedgerChain.month).where(
    LedgerChain.book_id == bindparam("book")).with_for_update()
_LINKS = insert(LedgerLink)
_MOVE = update(LedgerChain).where(LedgerChain.book_id == bindparam("book")).values(
    seq=bindparam("seq"), head=bindparam("head"), month=bindparam("month"), updated_at=bindparam("at"))


def append(session: Session, *, transaction_ids: list[int]) -> None:
    """Chain the entries of these transactions, each in its book, in entry order (see the module's docstring)."""
    conn = session.connection()
    by_book: dict[int, list] = defaultdict(list)
    for row in conn.execute(_ENTRIES, {"ids": sorted(set(transaction_ids))}):
        by_book[row[7]].append(row)
    for book_id in sorted(by_book):  # heads in book order: two commits never wait for each other in a circle
        _append_to_book(session, book_id, by_book[book_id])


def _lock_head(session: Session, book_id: int) -> tuple[int, str, str]:
    conn = session.connection()
    head = conn.execute(_HEAD, {"book": book_id}).first()
    if head is None:  # the book's first entry: open its chain (two first commits at once: one row, both wait on it)
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(dialect_insert(LedgerChain).values(
            book_id=book_id, seq=0, head=merkle.GENESIS, month="", updated_at=utcnow()).on_conflict_do_nothing())
        head = conn.execute(_HEAD, {"book": book_id}).one()
    return head.seq, head.head, head.month


def _append_to_book(session: Session, book_id: int, rows: list) -> None:
    seq, chain, open_month = _lock_head(session, book_id)
    closing = open_month if seq else ""
    links = []
    for entry_id, txn_id, account_id, amount, balance_after, created_at, kind, _ in rows:
        seq += 1
        open_month = max(open_month, month_of(created_at))
        salt = secrets.token_hex(16)
        leaf = merkle.leaf_hash(merkle.leaf_text(
            book=book_id, seq=seq, entry=entry_id, transaction=txn_id, account=account_id, kind=kind, amount=amount,
            balance_after=balance_after, at=created_at, salt=salt))
        chain = merkle.chain_hash(chain, leaf)
        links.append({"entry_id": entry_id, "book_id": book_id, "seq": seq, "month": open_month, "salt": salt,
                      "leaf": leaf, "chain": chain})
    conn = session.connection()
    conn.execute(_LINKS, links)
    conn.execute(_MOVE, {"book": book_id, "seq": seq, "head": chain, "month": open_month, "at": utcnow()})
    for month in sorted({closing} | {link["month"] for link in links}):
        if month and month < open_month:  # the first entry of a later month closes the months before it
            post_root(session, book_id=book_id, month=month)


# --- closing a month: its root, posted once ---------------------------------------------------------------------

def post_root(session: Session, *, book_id: int, month: str) -> LedgerRoot | None:
    """Post the book's month: its root row and, for a village, its 财务 disclosure. The caller holds the book's head
    and has moved its open month past `month`. Nothing when the month has no entry or is posted already."""
    posted = session.execute(select(LedgerRoot).where(LedgerRoot.book_id == book_id, LedgerRoot.month == month)
                             ).scalar_one_or_none()
    if posted is not None:
        return None
    links = session.execute(select(LedgerLink.seq, LedgerLink.leaf, LedgerLink.chain)
                            .where(LedgerLink.book_id == book_id, LedgerLink.month == month)
                            .order_by(LedgerLink.seq)).all()
    if not links:
        return None
    root = PostedRoot(village_id=book_id, month=month, count=len(links), first_seq=links[0].seq,
                      last_seq=links[-1].seq, root=merkle.merkle_root([link.leaf for link in links]),
                      chain=links[-1].chain)
    kind = session.execute(select(OrgUnit.kind).where(OrgUnit.id == book_id)).scalar_one()
    disclosure_id = publish_root(session, root) if kind == OrgKind.village else None
    row = LedgerRoot(book_id=book_id, month=month, first_seq=root.first_seq, last_seq=root.last_seq, root=root.root,
                     chain=root.chain, disclosure_id=disclosure_id)
    session.add(row)
    session.flush()
    return row


def post_due_roots(session: Session, *, now: datetime | None = None) -> list[LedgerRoot]:
    """Close every book's months before the month of `now` (default: now) and post their roots; the cron line's
    command. Each book under its head's lock, its open month moved to now's month. Sent twice, it posts nothing more."""
    current = month_of(now or utcnow())
    due = session.execute(
        select(LedgerLink.book_id, LedgerLink.month).where(LedgerLink.month < current)
        .group_by(LedgerLink.book_id, LedgerLink.month)
        .except_(select(LedgerRoot.book_id, LedgerRoot.month))).all()
    posted = []
    for book_id in sorted({book for book, _ in due}):
        _lock_head(session, book_id)
        session.execute(update(LedgerChain).where(LedgerChain.book_id == book_id, LedgerChain.month < current)
                        .values(month=current))
        for month in sorted(month for book, month in due if book == book_id):
            row = post_root(session, book_id=book_id, month=month)
            if row is not None:
                posted.append(row)
    return posted


# --- reading: roots, proofs, the link a receipt carries ------------------------------------------------------------

def root_public(session: Session, *, book_id: int, month: str) -> RootPublic:
    """A book's posted month; not posted (or no such book) is 404."""
    found = session.execute(select(LedgerRoot, OrgUnit.name).join(OrgUnit, OrgUnit.id == LedgerRoot.book_id)
                            .where(LedgerRoot.book_id == book_id, LedgerRoot.month == month)).first()
    if found is None:
        raise NotFound("这个月的账本校验码还没有公示")
    row, name = found
    return RootPublic(book_id=row.book_id, book=name, month=row.month, count=row.last_seq - row.first_seq + 1,
                      first_seq=row.first_seq, last_seq=row.last_seq, root=row.root, chain=row.chain,
                      posted_at=row.posted_at, disclosure_id=row.disclosure_id)


def roots_public(session: Session, *, book_id: int, limit: int = 24) -> list[RootPublic]:
    """A book's posted months, newest first."""
    months = session.execute(select(LedgerRoot.month).where(LedgerRoot.book_id == book_id)
                             .order_by(LedgerRoot.month.desc()).limit(limit)).scalars().all()
    return [root_public(session, book_id=book_id, month=m) for m in months]


def proof_public(session: Session, *, book_id: int, seq: int) -> ProofPublic:
    """The path from entry `seq` of the book up to its month's posted root (computed from the month's leaves: one
    read of 32 bytes × the month's entries and ~2 hashes per entry; 10,000 entries ≈ 50 ms, docs/performance.md)."""
    link = session.execute(select(LedgerLink.month).where(LedgerLink.book_id == book_id, LedgerLink.seq == seq)
                           ).scalar_one_or_none()
    if link is None:
        raise NotFound("找不到这笔记账")
    posted = session.execute(select(LedgerRoot.first_seq, LedgerRoot.last_seq).where(
        LedgerRoot.book_id == book_id, LedgerRoot.month == link)).first()
    if posted is None:
        return ProofPublic(book_id=book_id, seq=seq, month=link, posted=False)
    leaves = session.execute(select(LedgerLink.leaf).where(
        LedgerLink.book_id == book_id, LedgerLink.seq >= posted.first_seq, LedgerLink.seq <= posted.last_seq)
        .order_by(LedgerLink.seq)).scalars().all()
    index = seq - posted.first_seq
    return ProofPublic(book_id=book_id, seq=seq, month=link, posted=True, index=index, size=len(leaves),
                       path=merkle.inclusion_proof(list(leaves), index))


def verify_urls(session: Session, entry_ids: list[int]) -> dict[int, str]:
    """entry id → the /verify address that checks it: the entry's facts and salt in the fragment (never sent to the
    server; nothing in it names the household). One query for a page of lines."""
    if not entry_ids:
        return {}
    found = session.execute(
        select(LedgerLink.entry_id, LedgerLink.book_id, LedgerLink.seq, LedgerLink.salt, LedgerEntry.transaction_id,
               LedgerEntry.account_id, LedgerEntry.amount, LedgerEntry.balance_after, LedgerEntry.created_at,
               LedgerTransaction.kind)
        .join(LedgerEntry, LedgerEntry.id == LedgerLink.entry_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerLink.entry_id.in_(entry_ids))).all()
    return {row.entry_id: verify_url(entry_id=row.entry_id, book=row.book_id, seq=row.seq, salt=row.salt,
                                     transaction=row.transaction_id, account=row.account_id, amount=row.amount,
                                     balance_after=row.balance_after, at=row.created_at, kind=row.kind)
            for row in found}


def debit_verify_urls(session: Session, transaction_ids: list[int]) -> dict[int, str]:
    """transaction id → the /verify address of its paying leg (a redemption's: the household's or its hold's)."""
    if not transaction_ids:
        return {}
    found = session.execute(select(LedgerEntry.transaction_id, LedgerEntry.id).where(
        LedgerEntry.transaction_id.in_(transaction_ids), LedgerEntry.amount < 0)).all()
    urls = verify_urls(session, [entry_id for _, entry_id in found])
    return {txn_id: urls[entry_id] for txn_id, entry_id in found if entry_id in urls}


def verify_url(*, entry_id: int, book: int, seq: int, salt: str, transaction: int, account: int, amount: int,
               balance_after: int, at: datetime, kind: str) -> str:
    when = merkle.time_text(at)
    return (f"/verify#v=1&b={book}&s={seq}&e={entry_id}&t={transaction}&a={account}&k={kind}&n={amount}"
            f"&r={balance_after}&at={when}&x={salt}")
