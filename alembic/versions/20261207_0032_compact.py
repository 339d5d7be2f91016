"""村规民约 as a living document (issue #22 item 2): compacts (which disclosure holds a village's 村规民约),
compact_amendments (a proposed text riding on a 四议两公开 decision: its reason, status, the 议事会's discussion, the
version it published), compact_checkups and compact_checkup_items (the township's 村规民约大体检, item by item)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 00:50:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table(
        'compacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('disclosure_id', sa.Integer(), nullable=False),
        sa.Column('adopted_on', sa.Date(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _fk('compacts', 'created_by', 'users'),
        _fk('compacts', 'disclosure_id', 'disclosures'),
        _fk('compacts', 'village_id', 'org_units'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compacts')),
        sa.UniqueConstraint('disclosure_id', name=op.f('uq_compacts_disclosure_id')),
        sa.UniqueConstraint('village_id', name=op.f('uq_compacts_village_id')),
    )
    op.create_table(
        'compact_checkups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('compact_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('checked_on', sa.Date(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('checked_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _fk('compact_checkups', 'checked_by', 'users'),
        _fk('compact_checkups', 'compact_id', 'compacts'),
        _fk('compact_checkups', 'village_id', 'org_units'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compact_checkups')),
    )
    with op.batch_alter_table('compact_checkups', schema=None) as batch_op:
        batch_op.create_index('ix_compact_checkups_village_id_checked_on', ['village_id', 'checked_on'], unique=False)
    op.create_table(
        'compact_amendments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('compact_id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('base_version', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('checkup_id', sa.Integer(), nullable=True),
        sa.Column('discussed_on', sa.Date(), nullable=True),
        sa.Column('discussion', sa.Text(), nullable=False),
        sa.Column('proposed_by', sa.Integer(), nullable=False),
        sa.Column('published_version', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        _fk('compact_amendments', 'checkup_id', 'compact_checkups'),
        _fk('compact_amendments', 'compact_id', 'compacts'),
        _fk('compact_amendments', 'decision_id', 'decisions'),
        _fk('compact_amendments', 'proposed_by', 'users'),
        _fk('compact_amendments', 'village_id', 'org_units'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compact_amendments')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_compact_amendments_decision_id')),
    )
    with op.batch_alter_table('compact_amendments', schema=None) as batch_op:
        batch_op.create_index('ix_compact_amendments_compact_id_status', ['compact_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_compact_amendments_village_id'), ['village_id'], unique=False)
    op.create_table(
        'compact_checkup_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkup_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=20), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        _fk('compact_checkup_items', 'checkup_id', 'compact_checkups'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_compact_checkup_items')),
        sa.UniqueConstraint('checkup_id', 'item', name=op.f('uq_compact_checkup_items_checkup_id_item')),
    )
    with op.batch_alter_table('compact_checkup_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_compact_checkup_items_checkup_id'), ['checkup_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('compact_checkup_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compact_checkup_items_checkup_id'))
    op.drop_table('compact_checkup_items')
    with op.batch_alter_table('compact_amendments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_compact_amendments_village_id'))
        batch_op.drop_index('ix_compact_amendments_compact_id_status')
    op.drop_table('compact_amendments')
    with op.batch_alter_table('compact_checkups', schema=None) as batch_op:
        batch_op.drop_index('ix_compact_checkups_village_id_checked_on')
    op.drop_table('compact_checkups')
    op.drop_table('compacts')
