"""一约四会 (issue #22 item 1): councils (each village's 村民议事会, 红白理事会, 道德评议会, 禁毒禁赌会, made here
for the villages there are), council_members (a person's seat for a term), council_meetings, council_attendance,
council_resolutions (votes, outcome, and what a resolution decides: subject_type + subject_id)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 11:00:00
"""

import sqlalchemy as sa

from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


KINDS = ('assembly', 'ceremonies', 'morals', 'drugs')


def upgrade() -> None:
    op.create_table('councils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('village_id', 'kind')
    )
    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_councils_village_id'), ['village_id'], unique=False)

    op.create_table('council_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=10), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('appointed_by', sa.Integer(), nullable=False),
    sa.Column('appointed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_by', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['appointed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], ),
    sa.ForeignKeyConstraint(['removed_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.create_index('ix_council_members_council_id_user_id', ['council_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_members_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_members_village_id'), ['village_id'], unique=False)

    op.create_table('council_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=60), nullable=False),
    sa.Column('topics', sa.String(length=500), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], ),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meetings_council_id'), ['council_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_meetings_village_id'), ['village_id'], unique=False)

    op.create_table('council_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['council_members.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'member_id')
    )
    with op.batch_alter_table('council_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('council_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstain', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('subject_type', sa.String(length=30), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'position')
    )
    with op.batch_alter_table('council_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_resolutions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_council_resolutions_subject', ['subject_type', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_resolutions_village_id'), ['village_id'], unique=False)
    for kind in KINDS:  # every village there is gets its four councils (new ones get them from their starter)
        op.execute(sa.text("INSERT INTO councils (village_id, kind, created_at) "
                           "SELECT id, :kind, CURRENT_TIMESTAMP FROM org_units WHERE kind = 'village'")
                   .bindparams(kind=kind))


def downgrade() -> None:
    with op.batch_alter_table('council_resolutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_resolutions_village_id'))
        batch_op.drop_index('ix_council_resolutions_subject')
        batch_op.drop_index(batch_op.f('ix_council_resolutions_meeting_id'))

    op.drop_table('council_resolutions')
    with op.batch_alter_table('council_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_attendance_meeting_id'))

    op.drop_table('council_attendance')
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meetings_village_id'))
        batch_op.drop_index(batch_op.f('ix_council_meetings_council_id'))

    op.drop_table('council_meetings')
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_members_village_id'))
        batch_op.drop_index(batch_op.f('ix_council_members_user_id'))
        batch_op.drop_index('ix_council_members_council_id_user_id')

    op.drop_table('council_members')
    with op.batch_alter_table('councils', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_councils_village_id'))

    op.drop_table('councils')
