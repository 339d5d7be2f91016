"""Indexes for `python -m app purge` (issue #19 item 4): idempotency keys by age and pay codes by expiry, so that
each batch reads only the rows past their use instead of the whole table

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 18:30:00
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_idempotency_keys_created_at'), 'idempotency_keys', ['created_at'], unique=False)
    op.create_index(op.f('ix_pay_codes_expires_at'), 'pay_codes', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pay_codes_expires_at'), table_name='pay_codes')
    op.drop_index(op.f('ix_idempotency_keys_created_at'), table_name='idempotency_keys')
