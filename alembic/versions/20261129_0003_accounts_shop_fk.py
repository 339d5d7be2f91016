"""accounts.shop_id references shops (the shop account of issue #3; accounts predate the shops table)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 01:25:20.331361
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_accounts_shop_id_shops'), 'shops', ['shop_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_accounts_shop_id_shops'), type_='foreignkey')
