"""Village rules in one shape (issue #16 item 4): village_settings, shop_request_settings, service_settings and
award_limits each have an `id`, a unique `village_id`, `updated_by_id` and `updated_at` (app/org/settings.py)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _village_settings_table(name: str, *, with_id: bool) -> None:
    """village_settings as it is after (with_id) or before this revision, under `name` (SQLite's rebuild)."""
    updated_by = 'updated_by_id' if with_id else 'updated_by'
    columns = [sa.Column('id', sa.Integer(), nullable=False)] if with_id else []
    op.create_table(
        name, *columns,
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('confirm_above', sa.Integer(), nullable=False),
        sa.Column(updated_by, sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('confirm_above >= 0', name='ck_village_settings_confirm_above_non_negative'),
        sa.ForeignKeyConstraint([updated_by], ['users.id'], name=f'fk_village_settings_{updated_by}_users'),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], name='fk_village_settings_village_id_org_units'),
        sa.PrimaryKeyConstraint('id' if with_id else 'village_id', name='pk_village_settings'),
        *([sa.UniqueConstraint('village_id', name='uq_village_settings_village_id')] if with_id else []),
    )


def _rebuild_village_settings(*, with_id: bool) -> None:
    """SQLite cannot change a primary key in place: a new table, the rows copied over (in village order), swapped."""
    old_by, new_by = ('updated_by', 'updated_by_id') if with_id else ('updated_by_id', 'updated_by')
    _village_settings_table('_village_settings_new', with_id=with_id)
    op.execute(f"INSERT INTO _village_settings_new (village_id, confirm_above, {new_by}, updated_at) "
               f"SELECT village_id, confirm_above, {old_by}, updated_at FROM village_settings ORDER BY village_id")
    op.drop_table('village_settings')
    op.rename_table('_village_settings_new', 'village_settings')


def _rename_updated_by(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(f'fk_{table}_{old}_users', type_='foreignkey')
        batch_op.alter_column(old, new_column_name=new, existing_type=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table(table, schema=None) as batch_op:  # the renamed column, in a batch of its own
        batch_op.create_foreign_key(f'fk_{table}_{new}_users', 'users', [new], ['id'])


def upgrade() -> None:
    # village_settings: keyed on village_id until now; an id like the others, village_id unique.
    if _sqlite():
        _rebuild_village_settings(with_id=True)
    else:
        op.drop_constraint('pk_village_settings', 'village_settings', type_='primary')
        op.execute("ALTER TABLE village_settings ADD COLUMN id SERIAL")
        op.create_primary_key('pk_village_settings', 'village_settings', ['id'])
        op.create_unique_constraint('uq_village_settings_village_id', 'village_settings', ['village_id'])
        op.drop_constraint('fk_village_settings_updated_by_users', 'village_settings', type_='foreignkey')
        op.alter_column('village_settings', 'updated_by', new_column_name='updated_by_id')
        op.create_foreign_key('fk_village_settings_updated_by_id_users', 'village_settings', 'users',
                              ['updated_by_id'], ['id'])
    # shop_request_settings: updated_by → updated_by_id.
    _rename_updated_by('shop_request_settings', 'updated_by', 'updated_by_id')
    # service_settings: who set the rules and when (rows set before this: nobody known, now).
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_service_settings_updated_by_id_users', 'users', ['updated_by_id'], ['id'])
    stamp = sa.table('service_settings', sa.column('updated_at', sa.DateTime(timezone=True)))
    op.execute(stamp.update().values(updated_at=sa.func.current_timestamp()))
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    # award_limits already has the shape.


def downgrade() -> None:
    with op.batch_alter_table('service_settings', schema=None) as batch_op:
        batch_op.drop_constraint('fk_service_settings_updated_by_id_users', type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('updated_by_id')
    _rename_updated_by('shop_request_settings', 'updated_by_id', 'updated_by')
    if _sqlite():
        _rebuild_village_settings(with_id=False)
    else:
        op.drop_constraint('fk_village_settings_updated_by_id_users', 'village_settings', type_='foreignkey')
        op.alter_column('village_settings', 'updated_by_id', new_column_name='updated_by')
        op.create_foreign_key('fk_village_settings_updated_by_users', 'village_settings', 'users',
                              ['updated_by'], ['id'])
        op.drop_constraint('uq_village_settings_village_id', 'village_settings', type_='unique')
        op.drop_constraint('pk_village_settings', 'village_settings', type_='primary')
        op.drop_column('village_settings', 'id')
        op.create_primary_key('pk_village_settings', 'village_settings', ['village_id'])
