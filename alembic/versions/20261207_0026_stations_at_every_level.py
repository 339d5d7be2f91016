"""中心 and 所 act (issue #20 item 5): an order is with a station (`service_orders.station_id`: the village's 站, or
the township 所 / county 中心 whose service was ordered, until handed down), and teams belong to any level's station
(`volunteer_teams.org_id`; `village_id` only for a village's team)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 09:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Orders placed before this were all dispatched by the village's 站 (the town admin could not dispatch).
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('station_id', sa.Integer(), nullable=True))
    op.execute("UPDATE service_orders SET station_id = village_id")
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.alter_column('station_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_service_orders_station_id_org_units', 'org_units', ['station_id'], ['id'])
        batch_op.create_index('ix_service_orders_station_id_status', ['station_id', 'status'], unique=False)

    with op.batch_alter_table('volunteer_teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
    op.execute("UPDATE volunteer_teams SET org_id = village_id")
    with op.batch_alter_table('volunteer_teams', schema=None) as batch_op:
        batch_op.alter_column('org_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('village_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_volunteer_teams_org_id_org_units', 'org_units', ['org_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_volunteer_teams_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    # A team of a 所 or 中心 has no village to go back to: downgrading with such teams is refused by NOT NULL.
    with op.batch_alter_table('volunteer_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_volunteer_teams_org_id'))
        batch_op.drop_constraint('fk_volunteer_teams_org_id_org_units', type_='foreignkey')
        batch_op.alter_column('village_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('org_id')
    with op.batch_alter_table('service_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_service_orders_station_id_status')
        batch_op.drop_constraint('fk_service_orders_station_id_org_units', type_='foreignkey')
        batch_op.drop_column('station_id')
