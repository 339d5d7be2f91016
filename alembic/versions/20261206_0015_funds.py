"""Funds (issue #17 item 5): fund_records (本级配套, 拨付, 社会捐赠 with the year, the 元 in fen, the donor) and
fund_settings (a village's fen per point). No fund goes below zero any more: a county or township fund already below
(a demo database allocated from an empty county fund) gets an opening budget (期初配套) from its level's new budget
account, so that the books still balance, and then loses allow_negative. Fund accounts are renamed 「{unit}积分资金」.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

LEVEL_FUNDS = ('county_fund', 'township_fund')
FUND_KINDS = ('county_fund', 'township_fund', 'village_fund')

accounts = sa.table('accounts', sa.column('id', sa.Integer), sa.column('key', sa.String), sa.column('kind', sa.String),
                    sa.column('name', sa.String), sa.column('org_id', sa.Integer),
                    sa.column('village_id', sa.Integer), sa.column('allow_negative', sa.Boolean),
                    sa.column('balance', sa.Integer))
org_units = sa.table('org_units', sa.column('id', sa.Integer), sa.column('name', sa.String))
transactions = sa.table('ledger_transactions', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                        sa.column('village_id', sa.Integer), sa.column('reason', sa.String),
                        sa.column('created_at', sa.DateTime(timezone=True)))
entries = sa.table('ledger_entries', sa.column('id', sa.Integer), sa.column('transaction_id', sa.Integer),
                   sa.column('account_id', sa.Integer), sa.column('amount', sa.Integer),
                   sa.column('balance_after', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)))

records = sa.table('fund_records', sa.column('kind', sa.String), sa.column('org_id', sa.Integer),
                   sa.column('year', sa.Integer), sa.column('points', sa.Integer), sa.column('note', sa.String),
                   sa.column('transaction_id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)))


def upgrade() -> None:
    op.create_table(
        'fund_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('from_org_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('yuan_fen', sa.BigInteger(), nullable=True),
        sa.Column('donor', sa.String(length=100), nullable=True),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('transaction_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('points > 0', name='ck_fund_records_points_positive'),
        sa.CheckConstraint('yuan_fen IS NULL OR yuan_fen >= 0', name='ck_fund_records_yuan_fen_non_negative'),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name='fk_fund_records_actor_id_users'),
        sa.ForeignKeyConstraint(['from_org_id'], ['org_units.id'], name='fk_fund_records_from_org_id_org_units'),
        sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name='fk_fund_records_org_id_org_units'),
        sa.ForeignKeyConstraint(['transaction_id'], ['ledger_transactions.id'],
                                name='fk_fund_records_transaction_id_ledger_transactions'),
        sa.PrimaryKeyConstraint('id', name='pk_fund_records'),
        sa.UniqueConstraint('transaction_id', name='uq_fund_records_transaction_id'),
    )
    op.create_index('ix_fund_records_org_id', 'fund_records', ['org_id'])
    op.create_index('ix_fund_records_from_org_id', 'fund_records', ['from_org_id'])
    op.create_table(
        'fund_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('fen_per_point', sa.Integer(), server_default='100', nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('fen_per_point > 0', name='ck_fund_settings_fen_per_point_positive'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name='fk_fund_settings_updated_by_id_users'),
        sa.ForeignKeyConstraint(['village_id'], ['org_units.id'], name='fk_fund_settings_village_id_org_units'),
        sa.PrimaryKeyConstraint('id', name='pk_fund_settings'),
        sa.UniqueConstraint('village_id', name='uq_fund_settings_village_id'),
    )
    bind = op.get_bind()
    for fund in bind.execute(sa.select(accounts).where(accounts.c.kind.in_(LEVEL_FUNDS), accounts.c.balance < 0)
                             .order_by(accounts.c.id)).mappings().all():
        _opening_budget(bind, fund)
    op.execute(accounts.update().where(accounts.c.kind.in_(LEVEL_FUNDS)).values(allow_negative=False))
    op.execute(accounts.update().where(accounts.c.kind.in_(FUND_KINDS)).values(
        name=sa.select(org_units.c.name + '积分资金').where(org_units.c.id == accounts.c.org_id)
        .scalar_subquery()))


def _opening_budget(bind, fund) -> None:
    """期初配套: the level's budget account issues what its fund has given beyond what it held, so the fund stands
    at zero, and the record says so (one transaction, two entries, one fund_records row)."""
    now, points = datetime.now(UTC), -fund['balance']
    org_name = bind.execute(sa.select(org_units.c.name).where(org_units.c.id == fund['org_id'])).scalar_one()
    key = f"budget:{fund['org_id']}"
    budget_id = bind.execute(sa.select(accounts.c.id).where(accounts.c.key == key)).scalar()
    if budget_id is None:
        budget_id = bind.execute(accounts.insert().values(
            key=key, kind='budget', name=f'{org_name}三级配套', org_id=fund['org_id'], village_id=None,
            allow_negative=True, balance=0).returning(accounts.c.id)).scalar_one()
    budget_balance = bind.execute(sa.select(accounts.c.balance).where(accounts.c.id == budget_id)).scalar_one()
    txn_id = bind.execute(transactions.insert().values(
        kind='budget', village_id=None, reason=f'{now.year}年本级配套（期初配套）', created_at=now)
        .returning(transactions.c.id)).scalar_one()
    bind.execute(entries.insert(), [
        {'transaction_id': txn_id, 'account_id': budget_id, 'amount': -points,
         'balance_after': budget_balance - points, 'created_at': now},
        {'transaction_id': txn_id, 'account_id': fund['id'], 'amount': points, 'balance_after': 0, 'created_at': now},
    ])
    bind.execute(accounts.update().where(accounts.c.id == budget_id).values(balance=budget_balance - points))
    bind.execute(accounts.update().where(accounts.c.id == fund['id']).values(balance=0))
    bind.execute(records.insert().values(kind='budget', org_id=fund['org_id'], year=now.year, points=points,
                                         note='期初配套', transaction_id=txn_id, created_at=now))


def downgrade() -> None:
    # The opening budgets stay in the books (entries are append-only); the level funds may go below zero again.
    op.execute(accounts.update().where(accounts.c.kind.in_(LEVEL_FUNDS)).values(allow_negative=True))
    op.drop_table('fund_settings')
    op.drop_index('ix_fund_records_from_org_id', table_name='fund_records')
    op.drop_index('ix_fund_records_org_id', table_name='fund_records')
    op.drop_table('fund_records')
