"""消息 (issue #18 item 3): one message per user — kind, a short line, a link to its thing, when read

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 14:30:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('text', sa.String(length=200), nullable=False),
        sa.Column('link', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messages_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_user_id_id', ['user_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_user_id_id')
    op.drop_table('messages')
