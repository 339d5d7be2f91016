"""Limiters shared by every server process on PostgreSQL (issue #19 item 1): one row per counted try of a sliding
window (limiter_hits), one row per key of a back-off or a recent key (limiter_marks); app/ratelimit_db.py

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 19:10:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'limiter_hits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=136), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_limiter_hits')),
    )
    with op.batch_alter_table('limiter_hits', schema=None) as batch_op:
        batch_op.create_index('ix_limiter_hits_scope_key_at', ['scope', 'key', 'at'], unique=False)
    op.create_table(
        'limiter_marks',
        sa.Column('scope', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=136), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_limiter_marks')),
    )


def downgrade() -> None:
    op.drop_table('limiter_marks')
    with op.batch_alter_table('limiter_hits', schema=None) as batch_op:
        batch_op.drop_index('ix_limiter_hits_scope_key_at')
    op.drop_table('limiter_hits')
