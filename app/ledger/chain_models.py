"""A ledger anyone can check (issue #21 item 5): each book's entries chained by hash, and each month's Merkle root,
posted. A book is a village's (every entry of an account in its books: households, their holds, the village fund,
its shops) or, for a township's or the county's own accounts, that level's. app/ledger/chain.py writes these rows;
app/ledger/merkle.py says what the hashes cover."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.append_only import make_append_only
from app.timeutil import ts_column, utcnow


class LedgerChain(SQLModel, table=True):
    """The head of one book's chain: locked (SELECT … FOR UPDATE) while a commit appends its entries, so that the
    book's entries take their places one commit after another. `month` is the open month: an entry chained from now
    on belongs to it or a later one (months only go forward, so a posted month never gains an entry)."""

    __tablename__ = "ledger_chains"

    book_id: int = Field(primary_key=True, foreign_key="org_units.id", sa_column_kwargs={"autoincrement": False})
    seq: int = 0  # how many entries the book has chained
    head: str = Field(sa_type=String(64))  # the chain hash of the last one (merkle.GENESIS before the first)
    month: str = Field(sa_type=String(7))  # "2026-12"
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


class LedgerLink(SQLModel, table=True):
    """One entry's place in its book: its sequence number, its month, its leaf and the chain hash up to it. Written in
    the same commit as the entry, never changed (append-only like the entry)."""

    __tablename__ = "ledger_links"
    __table_args__ = (UniqueConstraint("book_id", "seq"),
                      Index("ix_ledger_links_book_id_month_seq", "book_id", "month", "seq"))

    entry_id: int = Field(primary_key=True, foreign_key="ledger_entries.id",
                          sa_column_kwargs={"autoincrement": False})
    book_id: int = Field(foreign_key="org_units.id")
    seq: int
    month: str = Field(sa_type=String(7))
    salt: str = Field(sa_type=String(32))
    leaf: str = Field(sa_type=String(64))
    chain: str = Field(sa_type=String(64))


class LedgerRoot(SQLModel, table=True):
    """A book's month, closed and posted: how many entries (seq first..last), the Merkle root of their leaves, the
    chain hash of its last entry, and for a village the 财务 disclosure that published them. One per book and month."""

    __tablename__ = "ledger_roots"
    __table_args__ = (UniqueConstraint("book_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    book_id: int = Field(foreign_key="org_units.id")
    month: str = Field(sa_type=String(7))
    first_seq: int
    last_seq: int
    root: str = Field(sa_type=String(64))
    chain: str = Field(sa_type=String(64))
    disclosure_id: int | None = Field(default=None, foreign_key="disclosures.id")
    posted_at: datetime = Field(default_factory=utcnow, sa_column=ts_column())


make_append_only(LedgerLink.__table__)
make_append_only(LedgerRoot.__table__)


# --- the public shapes (/api/v1/public/ledger/...) ----------------------------------------------------------------

class RootPublic(BaseModel):
    book_id: int
    book: str  # the village's (or level's) name
    month: str
    count: int
    first_seq: int
    last_seq: int
    root: str
    chain: str
    posted_at: datetime
    disclosure_id: int | None


class ProofPublic(BaseModel):
    """Where an entry sits in its month's tree, and the path up to the root: `posted` false while its month is open
    (the tree is not final: nothing to check yet)."""

    book_id: int
    seq: int
    month: str
    posted: bool
    index: int | None = None
    size: int | None = None
    path: list[str] = []
