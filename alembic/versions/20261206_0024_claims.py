"""申报 (issue #22 item 5): a household's claim of one of its village's 评比 criteria — a sentence, a photo (in
evaluation_photos), the criterion's name, category and points as filed; one a criterion a household a day; who
decided it and when, the reason of a refusal, the credit it registered with the ledger (award_requests)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 21:45:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('claimant_id', sa.Integer(), nullable=False),
        sa.Column('criterion_id', sa.Integer(), nullable=False),
        sa.Column('criterion_name', sa.String(length=60), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('claim_day', sa.Date(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refusal_reason', sa.String(length=200), nullable=False),
        sa.Column('credit_request_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['claimant_id'], ['users.id'], name=op.f('fk_claims_claimant_id_users')),
        sa.ForeignKeyConstraint(['credit_request_id'], ['award_requests.id'],
                                name=op.f('fk_claims_credit_request_id_award_requests')),
        sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criteria.id'],
                                name=op.f('fk_claims_criterion_id_evaluation_criteria')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_claims_decided_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_claims_household_id_households')),
        sa.ForeignKeyConstraint(['photo_id'], ['evaluation_photos.id'],
                                name=op.f('fk_claims_photo_id_evaluation_photos')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], name=op.f('fk_claims_village_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
        sa.UniqueConstraint('household_id', 'criterion_id', 'claim_day',
                            name=op.f('uq_claims_household_id_criterion_id_claim_day')),
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_claims_village_id_status', ['village_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_village_id_status')
        batch_op.drop_index(batch_op.f('ix_claims_household_id'))
    op.drop_table('claims')
