"""Shops open, pause and close from the app (issue #17 item 4): shops.status; the 小微权力清单 in versions (item 6):
small_power_versions, and small_powers.version (the rows there before are version 1 of their village's list)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='open', nullable=False))
        batch_op.create_check_constraint(op.f('ck_shops_status_known'), "status IN ('open', 'paused', 'closed')")
    op.create_table(
        'small_power_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name='fk_small_power_versions_created_by_id_users'),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], name='fk_small_power_versions_village_id_org_units'),
        sa.PrimaryKeyConstraint('id', name='pk_small_power_versions'),
        sa.UniqueConstraint('village_id', 'version', name='uq_small_power_versions_village_id_version'),
    )
    with op.batch_alter_table('small_power_versions', schema=None) as batch_op:
        batch_op.create_index('ix_small_power_versions_village_id', ['village_id'], unique=False)
    with op.batch_alter_table('small_powers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index('ix_small_powers_village_id_version', ['village_id', 'version'], unique=False)
    # A village's list from before is its 第 1 版 (nobody recorded as its author).
    op.execute("INSERT INTO small_power_versions (village_id, version, note, created_at) "
               "SELECT DISTINCT village_id, 1, '', CURRENT_TIMESTAMP FROM small_powers")


def downgrade() -> None:
    op.execute("DELETE FROM small_powers WHERE version > 1")
    with op.batch_alter_table('small_powers', schema=None) as batch_op:
        batch_op.drop_index('ix_small_powers_village_id_version')
        batch_op.drop_column('version')
    with op.batch_alter_table('small_power_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_small_power_versions_village_id')
    op.drop_table('small_power_versions')
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_shops_status_known'), type_='check')
        batch_op.drop_column('status')
