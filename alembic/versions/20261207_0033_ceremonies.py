"""婚丧事报备 (issue #22 item 3, 红白理事会): each village's 红白事 standards (one row a village, the settings shape)
and a household's filings — the plan as filed and the lines over the standards, the council's 备案 and advice, the
outcome as held and the credit it registered with the ledger (award_requests)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 01:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ceremony_standards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('max_tables', sa.Integer(), nullable=False),
        sa.Column('max_guests', sa.Integer(), nullable=False),
        sa.Column('max_cost', sa.Integer(), nullable=False),
        sa.Column('max_gift', sa.Integer(), nullable=False),
        sa.Column('other_tables', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_ceremony_standards_updated_by_id_users')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'],
                                name=op.f('fk_ceremony_standards_village_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremony_standards')),
        sa.UniqueConstraint('village_id', name=op.f('uq_ceremony_standards_village_id')),
    )
    op.create_table(
        'ceremonies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('filed_by_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('event_date', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=60), nullable=False),
        sa.Column('tables', sa.Integer(), nullable=False),
        sa.Column('guests', sa.Integer(), nullable=False),
        sa.Column('cost', sa.Integer(), nullable=False),
        sa.Column('gift_limit', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('over_at_filing', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('advice', sa.String(length=200), nullable=False),
        sa.Column('within', sa.Boolean(), nullable=True),
        sa.Column('actual_tables', sa.Integer(), nullable=True),
        sa.Column('actual_guests', sa.Integer(), nullable=True),
        sa.Column('actual_cost', sa.Integer(), nullable=True),
        sa.Column('outcome_note', sa.String(length=200), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('credit_request_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'],
                                name=op.f('fk_ceremonies_acknowledged_by_id_users')),
        sa.ForeignKeyConstraint(['credit_request_id'], ['award_requests.id'],
                                name=op.f('fk_ceremonies_credit_request_id_award_requests')),
        sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_ceremonies_filed_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_ceremonies_household_id_households')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_ceremonies_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], name=op.f('fk_ceremonies_village_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremonies')),
    )
    with op.batch_alter_table('ceremonies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ceremonies_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_ceremonies_village_id_status', ['village_id', 'status'], unique=False)
        batch_op.create_index('ix_ceremonies_village_id_created_at', ['village_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ceremonies', schema=None) as batch_op:
        batch_op.drop_index('ix_ceremonies_village_id_created_at')
        batch_op.drop_index('ix_ceremonies_village_id_status')
        batch_op.drop_index(batch_op.f('ix_ceremonies_household_id'))
    op.drop_table('ceremonies')
    op.drop_table('ceremony_standards')
