"""Offline pay codes (离线码, issue #21 item 3): a pay code may carry the most it pays for (offline_cap) and be
revoked one by one or all at once (revoked_at), found by member (ix_pay_codes_user_id_created_at); each village
sets the cap (village_settings.offline_cap, 100)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 21:55:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pay_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_cap', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_pay_codes_user_id_created_at', ['user_id', 'created_at'], unique=False)
    with op.batch_alter_table('village_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offline_cap', sa.Integer(), server_default='100', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('village_settings', schema=None) as batch_op:
        batch_op.drop_column('offline_cap')
    with op.batch_alter_table('pay_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_pay_codes_user_id_created_at')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('offline_cap')
