"""audit_log.target_label (the target's name when the action was taken); ledger_transactions.source_id (the
evaluation round or service order a credit came from)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:30:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no table rebuild, so the append-only triggers stay as they are.
    op.add_column('audit_log', sa.Column('target_label', sa.String(length=100), nullable=False, server_default=''))
    op.add_column('ledger_transactions', sa.Column('source_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('ledger_transactions', 'source_id')
    op.drop_column('audit_log', 'target_label')
