"""The ledger's monthly summary (issue #20 item 3): ledger_months, one row per village × month × account kind × source
× category × direction with its points and entries, kept by app/ledger/monthly.py in each posting's transaction;
backfilled here from the entries (months in Asia/Shanghai, UTC+8)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 01:00:00
"""

import sqlalchemy as sa

from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO ledger_months (village_id, month, account_kind, source, category, direction, points, entries)
SELECT t.village_id, {month}, a.kind, COALESCE(o.kind, t.kind), COALESCE(o.category, t.category, ''),
       CASE WHEN e.amount > 0 THEN 'in' ELSE 'out' END, SUM(e.amount), COUNT(*)
FROM ledger_entries e
JOIN ledger_transactions t ON t.id = e.transaction_id
JOIN accounts a ON a.id = e.account_id
LEFT OUTER JOIN ledger_transactions o ON o.id = t.reverses_id
WHERE t.village_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""
MONTH = {"postgresql": "to_char(t.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')",
         "sqlite": "strftime('%Y-%m', t.created_at, '+8 hours')"}


def upgrade() -> None:
    op.create_table(
        "ledger_months",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("account_kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["org_units.id"]),
        sa.PrimaryKeyConstraint("village_id", "month", "account_kind", "source", "category", "direction"),
    )
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(month=MONTH.get(dialect, MONTH["sqlite"])))


def downgrade() -> None:
    op.drop_table("ledger_months")
