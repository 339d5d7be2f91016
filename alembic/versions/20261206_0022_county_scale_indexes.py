"""Indexes for a county's reads (issue #20 item 3): a round's listed lines (the boards and the coverage roll-up),
a village's transactions by time (积分公示) and the 扫码 request behind a hold (a household's history)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 19:40:00
"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_evaluation_lines_round_list', 'evaluation_lines',
                    ['round_id', 'list_kind', 'corrected_list', 'household_id'], unique=False)
    op.create_index('ix_ledger_transactions_village_id_created_at', 'ledger_transactions',
                    ['village_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_shop_requests_hold_transaction_id'), 'shop_requests', ['hold_transaction_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_shop_requests_hold_transaction_id'), table_name='shop_requests')
    op.drop_index('ix_ledger_transactions_village_id_created_at', table_name='ledger_transactions')
    op.drop_index('ix_evaluation_lines_round_list', table_name='evaluation_lines')
