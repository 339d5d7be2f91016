"""A ledger anyone can check (issue #21 item 5): ledger_chains (each book's head), ledger_links (each entry's place,
leaf and chain hash), ledger_roots (each book's posted months); disclosures written by the system (author_id null);
the entries already written chained in entry order, book by book (their months' roots are posted by
`python -m app post-ledger-roots`, which publishes each village's 财务 disclosure)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 02:00:00
"""

import secrets
from collections import defaultdict

import sqlalchemy as sa

from alembic import op
from app.append_only import append_only_statements
from app.ledger import merkle
from app.timeutil import TIMEZONE, UTCDateTime, local, utcnow

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None

APPEND_ONLY = ("ledger_links", "ledger_roots")


def upgrade() -> None:
    op.create_table(
        "ledger_chains",
        sa.Column("book_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["org_units.id"], name=op.f("fk_ledger_chains_book_id_org_units")),
        sa.PrimaryKeyConstraint("book_id", name=op.f("pk_ledger_chains")),
    )
    op.create_table(
        "ledger_roots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("disclosure_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["org_units.id"], name=op.f("fk_ledger_roots_book_id_org_units")),
        sa.ForeignKeyConstraint(["disclosure_id"], ["disclosures.id"],
                                name=op.f("fk_ledger_roots_disclosure_id_disclosures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_roots")),
        sa.UniqueConstraint("book_id", "month", name=op.f("uq_ledger_roots_book_id_month")),
    )
    op.create_table(
        "ledger_links",
        sa.Column("entry_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("leaf", sa.String(length=64), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["org_units.id"], name=op.f("fk_ledger_links_book_id_org_units")),
        sa.ForeignKeyConstraint(["entry_id"], ["ledger_entries.id"],
                                name=op.f("fk_ledger_links_entry_id_ledger_entries")),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_ledger_links")),
        sa.UniqueConstraint("book_id", "seq", name=op.f("uq_ledger_links_book_id_seq")),
    )
    op.create_index("ix_ledger_links_book_id_month_seq", "ledger_links", ["book_id", "month", "seq"], unique=False)
    dialect = op.get_bind().dialect.name
    for table in ("disclosure_versions", "disclosures"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=True)
    if dialect == "sqlite":  # the batch rebuilt disclosure_versions without its guards: put them back
        for statement in append_only_statements("disclosure_versions", dialect):
            op.execute(statement)
    for table in APPEND_ONLY:
        for statement in append_only_statements(table, dialect):
            op.execute(statement)
    _chain_existing_entries()


def _chain_existing_entries() -> None:
    """Every entry so far, chained in its book in entry order (merkle.py's hashes, as app/ledger/chain.py does)."""
    conn = op.get_bind()
    entries = sa.table("ledger_entries", sa.column("id"), sa.column("transaction_id"), sa.column("account_id"),
                       sa.column("amount"), sa.column("balance_after"), sa.column("created_at", UTCDateTime()))
    txns = sa.table("ledger_transactions", sa.column("id"), sa.column("kind"))
    accounts = sa.table("accounts", sa.column("id"), sa.column("village_id"), sa.column("org_id"))
    links = sa.table("ledger_links", sa.column("entry_id"), sa.column("book_id"), sa.column("seq"),
                     sa.column("month"), sa.column("salt"), sa.column("leaf"), sa.column("chain"))
    chains = sa.table("ledger_chains", sa.column("book_id"), sa.column("seq"), sa.column("head"),
                      sa.column("month"), sa.column("updated_at", UTCDateTime()))
    rows = conn.execute(
        sa.select(entries.c.id, entries.c.transaction_id, entries.c.account_id, entries.c.amount,
                  entries.c.balance_after, entries.c.created_at, txns.c.kind,
                  sa.func.coalesce(accounts.c.village_id, accounts.c.org_id))
        .join(txns, txns.c.id == entries.c.transaction_id).join(accounts, accounts.c.id == entries.c.account_id)
        .order_by(entries.c.id))
    heads: dict[int, list] = defaultdict(lambda: [0, merkle.GENESIS, ""])
    batch = []
    for entry_id, txn_id, account_id, amount, balance_after, created_at, kind, book in rows:
        head = heads[book]
        head[0] += 1
        head[2] = max(head[2], local(created_at, TIMEZONE).strftime("%Y-%m"))
        salt = secrets.token_hex(16)
        leaf = merkle.leaf_hash(merkle.leaf_text(
            book=book, seq=head[0], entry=entry_id, transaction=txn_id, account=account_id, kind=kind, amount=amount,
            balance_after=balance_after, at=created_at, salt=salt))
        head[1] = merkle.chain_hash(head[1], leaf)
        batch.append({"entry_id": entry_id, "book_id": book, "seq": head[0], "month": head[2], "salt": salt,
                      "leaf": leaf, "chain": head[1]})
        if len(batch) >= 5000:
            conn.execute(links.insert(), batch)
            batch = []
    if batch:
        conn.execute(links.insert(), batch)
    if heads:
        now = utcnow()
        conn.execute(chains.insert(), [{"book_id": b, "seq": s, "head": h, "month": m, "updated_at": now}
                                       for b, (s, h, m) in heads.items()])


def downgrade() -> None:
    for table in ("disclosure_versions", "disclosures"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in append_only_statements("disclosure_versions", "sqlite"):
            op.execute(statement)
    op.drop_index("ix_ledger_links_book_id_month_seq", table_name="ledger_links")
    op.drop_table("ledger_links")
    op.drop_table("ledger_roots")
    op.drop_table("ledger_chains")
