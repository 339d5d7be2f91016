"""帮办员 (issue #21 item 4): household_helpers (who helps which household, appointed by whom, with what consent,
until when), and service_orders.helper_id (an order placed by the household's 帮办员)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa

from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "household_helpers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=False),
        sa.Column("consent", sa.String(length=10), nullable=False),
        sa.Column("consent_note", sa.String(length=200), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["appointed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["card_id"], ["household_cards.id"]),
        sa.ForeignKeyConstraint(["ended_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["helper_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["village_id"], ["org_units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_household_helpers_helper_id"), "household_helpers", ["helper_id"], unique=False)
    op.create_index(op.f("ix_household_helpers_household_id"), "household_helpers", ["household_id"], unique=False)
    op.create_index(op.f("ix_household_helpers_village_id"), "household_helpers", ["village_id"], unique=False)
    with op.batch_alter_table("service_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("helper_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_service_orders_helper_id_users", "users", ["helper_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("service_orders", schema=None) as batch_op:
        batch_op.drop_constraint("fk_service_orders_helper_id_users", type_="foreignkey")
        batch_op.drop_column("helper_id")
    op.drop_index(op.f("ix_household_helpers_village_id"), table_name="household_helpers")
    op.drop_index(op.f("ix_household_helpers_household_id"), table_name="household_helpers")
    op.drop_index(op.f("ix_household_helpers_helper_id"), table_name="household_helpers")
    op.drop_table("household_helpers")
