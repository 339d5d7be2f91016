"""A waiting credit can be refused with a reason (issue #18): award_requests.status 'refused', who refused it and
why; a refused request never posts

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 14:30:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_award_requests_refused_by_id_users'), 'users',
                                    ['refused_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_award_requests_refused_by_id_users'), type_='foreignkey')
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('refused_by_id')
