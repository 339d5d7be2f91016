"""One credit policy (issue #15): every credit is registered in award_requests with the door it came through
(source_kind, source_id) and may be proposed by the system (proposed_by_id nullable); award_limits carries the town's
bounds for a village (service points per hour and month, the shortest 公示)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:30:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('award_limits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_points_per_hour', sa.Integer(), server_default='20', nullable=False))
        batch_op.add_column(sa.Column('max_service_cap', sa.Integer(), server_default='300', nullable=False))
        batch_op.add_column(sa.Column('min_notice_days', sa.Integer(), server_default='3', nullable=False))
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_kind', sa.String(length=20), server_default='award', nullable=False))
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.alter_column('proposed_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.alter_column('proposed_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_kind')
    with op.batch_alter_table('award_limits', schema=None) as batch_op:
        batch_op.drop_column('min_notice_days')
        batch_op.drop_column('max_service_cap')
        batch_op.drop_column('max_points_per_hour')
