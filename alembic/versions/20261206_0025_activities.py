"""文明实践活动 (issue #22 item 4): group activities of a 站 / 所 / 中心 (activities), who signed up and whether they
came (activity_signups, one row a person and activity), and the photos published after closing (activity_photos)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 22:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('place', sa.String(length=100), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=True),
        sa.Column('walk_ins', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('points >= 0', name=op.f('ck_activities_points_non_negative')),
        sa.CheckConstraint('taken >= 0 AND taken <= places', name=op.f('ck_activities_places_taken')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_activities_closed_by_id_users')),
        sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_activities_org_id_org_units')),
        sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_activities_organiser_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_org_id'), ['org_id'], unique=False)
    op.create_table(
        'activity_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('content_type', sa.String(length=30), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_activity_photos_activity_id_activities')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_activity_photos_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_photos')),
    )
    with op.batch_alter_table('activity_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_photos_activity_id'), ['activity_id'], unique=False)
    op.create_table(
        'activity_signups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('activity_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checkin_way', sa.String(length=10), nullable=True),
        sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                                name=op.f('fk_activity_signups_activity_id_activities')),
        sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'],
                                name=op.f('fk_activity_signups_checked_in_by_id_users')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_activity_signups_household_id_households')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_signups_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activity_signups')),
        sa.UniqueConstraint('activity_id', 'user_id', name=op.f('uq_activity_signups_activity_id_user_id')),
    )
    with op.batch_alter_table('activity_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_signups_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_activity_signups_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('activity_signups')
    op.drop_table('activity_photos')
    op.drop_table('activities')
