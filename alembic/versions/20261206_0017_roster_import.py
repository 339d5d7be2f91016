"""Roster import and export (issue #17 item 3): a household's 村民小组 (households.group_id) and a member's relation
to the head of household (users.relation, 与户主关系), so that an imported roster reads back as it was given

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_households_group_id_org_units', 'org_units', ['group_id'], ['id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relation', sa.String(length=20), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('relation')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint('fk_households_group_id_org_units', type_='foreignkey')
        batch_op.drop_column('group_id')
