"""users.must_change_password (a reset gives a one-time password); password_reset_notices (the household is told
who reset a member's password)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default on both databases: no table rebuild.
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.create_table(
        'password_reset_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('member_name', sa.String(length=50), nullable=False),
        sa.Column('reset_by_id', sa.Integer(), nullable=False),
        sa.Column('reset_by_name', sa.String(length=50), nullable=False),
        sa.Column('reset_by_role', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['users.id'], name=op.f('fk_password_reset_notices_member_id_users')),
        sa.ForeignKeyConstraint(['reset_by_id'], ['users.id'],
                                name=op.f('fk_password_reset_notices_reset_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_notices_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_notices')),
    )
    op.create_index(op.f('ix_password_reset_notices_user_id'), 'password_reset_notices', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_password_reset_notices_user_id'), table_name='password_reset_notices')
    op.drop_table('password_reset_notices')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
