"""文明新风评比: criteria, rounds, committee scores and evidence photos, result lines, objections, follow-ups;
award_limits and award_requests (direct awards above a village's limits wait for a second person)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:56:10.076210
"""
import sqlalchemy as sa

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('evaluation_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=10), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_criteria_village_id'), ['village_id'], unique=False)

    op.create_table('evaluation_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_photos_village_id'), ['village_id'], unique=False)

    op.create_table('evaluation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['finalized_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('village_id', 'month')
    )
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_village_id'), ['village_id'], unique=False)

    op.create_table('evaluation_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('visited_by', sa.String(length=100), nullable=False),
    sa.Column('change', sa.String(length=500), nullable=False),
    sa.Column('transformed', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation_followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_followups_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('scorers', sa.Integer(), nullable=False),
    sa.Column('corrected_points', sa.Integer(), nullable=True),
    sa.Column('corrected_list', sa.Boolean(), nullable=False),
    sa.Column('correction_note', sa.String(length=200), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criteria.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'household_id', 'criterion_id')
    )
    with op.batch_alter_table('evaluation_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_lines_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criteria.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['photo_id'], ['evaluation_photos.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'household_id', 'criterion_id', 'member_id')
    )
    with op.batch_alter_table('evaluation_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_scores_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('answer', sa.String(length=500), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['line_id'], ['evaluation_lines.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evaluation_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_objections_round_id'), ['round_id'], unique=False)
    # direct awards above a village's limits wait for a second person (app/ledger/approvals.py)
    op.create_table('award_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('single_limit', sa.Integer(), nullable=False),
    sa.Column('monthly_limit', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('village_id')
    )
    op.create_table('award_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('transaction_id')
    )
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_requests_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_requests_village_id'), ['village_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('award_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_requests_village_id'))
        batch_op.drop_index(batch_op.f('ix_award_requests_household_id'))
    op.drop_table('award_requests')
    op.drop_table('award_limits')
    with op.batch_alter_table('evaluation_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_objections_round_id'))

    op.drop_table('evaluation_objections')
    with op.batch_alter_table('evaluation_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_scores_round_id'))

    op.drop_table('evaluation_scores')
    with op.batch_alter_table('evaluation_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_lines_round_id'))

    op.drop_table('evaluation_lines')
    with op.batch_alter_table('evaluation_followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_followups_round_id'))

    op.drop_table('evaluation_followups')
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_village_id'))

    op.drop_table('evaluation_rounds')
    with op.batch_alter_table('evaluation_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_photos_village_id'))

    op.drop_table('evaluation_photos')
    with op.batch_alter_table('evaluation_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_criteria_village_id'))

    op.drop_table('evaluation_criteria')
