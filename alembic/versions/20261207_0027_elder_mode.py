"""长辈模式 remembered per user (issue #21 item 1): users.elder_mode

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 21:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('elder_mode', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('elder_mode')
