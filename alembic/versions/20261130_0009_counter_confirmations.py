"""village_settings (confirm_above: a redemption by pay code above it waits for the villager's phone);
redemption_confirmations (those waiting redemptions and how they ended)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'village_settings',
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('confirm_above', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('confirm_above >= 0', name=op.f('ck_village_settings_confirm_above_non_negative')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_village_settings_updated_by_users')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'],
                                name=op.f('fk_village_settings_village_id_org_units')),
        sa.PrimaryKeyConstraint('village_id', name=op.f('pk_village_settings')),
    )
    op.create_table(
        'redemption_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('attendant_id', sa.Integer(), nullable=False),
        sa.Column('pay_code_id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=200), nullable=True),
        sa.Column('expected_total', sa.Integer(), nullable=True),
        sa.Column('basket', sa.String(length=4000), nullable=False),
        sa.Column('total_points', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('error_code', sa.String(length=40), nullable=True),
        sa.Column('error_message', sa.String(length=300), nullable=True),
        sa.Column('redemption_id', sa.Integer(), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attendant_id'], ['users.id'],
                                name=op.f('fk_redemption_confirmations_attendant_id_users')),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'],
                                name=op.f('fk_redemption_confirmations_decided_by_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_redemption_confirmations_household_id_households')),
        sa.ForeignKeyConstraint(['pay_code_id'], ['pay_codes.id'],
                                name=op.f('fk_redemption_confirmations_pay_code_id_pay_codes')),
        sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'],
                                name=op.f('fk_redemption_confirmations_redemption_id_redemptions')),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_redemption_confirmations_shop_id_shops')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_redemption_confirmations')),
        sa.UniqueConstraint('attendant_id', 'shop_id', 'idempotency_key',
                            name=op.f('uq_redemption_confirmations_attendant_id_shop_id_idempotency_key')),
    )
    op.create_index(op.f('ix_redemption_confirmations_household_id'), 'redemption_confirmations', ['household_id'],
                    unique=False)
    op.create_index(op.f('ix_redemption_confirmations_pay_code_id'), 'redemption_confirmations', ['pay_code_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_redemption_confirmations_pay_code_id'), table_name='redemption_confirmations')
    op.drop_index(op.f('ix_redemption_confirmations_household_id'), table_name='redemption_confirmations')
    op.drop_table('redemption_confirmations')
    op.drop_table('village_settings')
