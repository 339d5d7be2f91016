"""志愿者注册 (issue #17 item 2): a villager's application to volunteer, approved or declined by the station;
`open_user_id` unique: one open application a person

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 12:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'volunteer_applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('open_user_id', sa.Integer(), nullable=True),
        sa.Column('skills', sa.String(length=200), nullable=False),
        sa.Column('availability', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_volunteer_applications_decided_by_id_users')),
        sa.ForeignKeyConstraint(['open_user_id'], ['users.id'],
                                name=op.f('fk_volunteer_applications_open_user_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_volunteer_applications_user_id_users')),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'],
                                name=op.f('fk_volunteer_applications_village_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_volunteer_applications')),
        sa.UniqueConstraint('open_user_id', name=op.f('uq_volunteer_applications_open_user_id')),
    )
    with op.batch_alter_table('volunteer_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_volunteer_applications_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_volunteer_applications_village_id'), ['village_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('volunteer_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_applications_village_id'))
        batch_op.drop_index(batch_op.f('ix_volunteer_applications_user_id'))
    op.drop_table('volunteer_applications')
