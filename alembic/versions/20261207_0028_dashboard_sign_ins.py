"""The dashboards (issue #20): the months each household signed in (active households), the indexes that read a
unit's period of service orders and disclosures by village and time, and the ledger's entries by transaction with
their account and amount (a period's sums read the index alone; it replaces the index on the transaction alone)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 21:50:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'household_sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_household_sign_ins_household_id_households')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'],
                                name=op.f('fk_household_sign_ins_village_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_sign_ins')),
        sa.UniqueConstraint('household_id', 'month', name=op.f('uq_household_sign_ins_household_id_month')),
    )
    op.create_index('ix_household_sign_ins_village_id_month', 'household_sign_ins', ['village_id', 'month'],
                    unique=False)
    op.create_index('ix_service_orders_village_id_created_at', 'service_orders', ['village_id', 'created_at'],
                    unique=False)
    op.create_index('ix_disclosures_village_id_published_at', 'disclosures', ['village_id', 'published_at'],
                    unique=False)
    op.create_index('ix_ledger_entries_transaction_id_account_id_amount', 'ledger_entries',
                    ['transaction_id', 'account_id', 'amount'], unique=False)
    op.drop_index('ix_ledger_entries_transaction_id', table_name='ledger_entries')


def downgrade() -> None:
    op.create_index('ix_ledger_entries_transaction_id', 'ledger_entries', ['transaction_id'], unique=False)
    op.drop_index('ix_ledger_entries_transaction_id_account_id_amount', table_name='ledger_entries')
    op.drop_index('ix_disclosures_village_id_published_at', table_name='disclosures')
    op.drop_index('ix_service_orders_village_id_created_at', table_name='service_orders')
    op.drop_index('ix_household_sign_ins_village_id_month', table_name='household_sign_ins')
    op.drop_table('household_sign_ins')
