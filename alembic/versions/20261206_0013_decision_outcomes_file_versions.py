"""Integrity (#15): a voting step of 四议两公开 records its outcome (通过, 未通过, 不足法定人数); a disclosure's
attachment records the version it was added with, so that earlier versions stay as they were published

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite adds it in place, so decision_steps keeps its append-only triggers
    # (a batch rebuild would drop them).
    op.add_column('decision_steps', sa.Column('outcome', sa.String(length=20), nullable=True))
    op.add_column('disclosure_files', sa.Column('version', sa.Integer(), nullable=True))
    # Votes recorded before this were not counted: their outcome stays empty (unknown), not 通过. Files attached
    # before versions carried their attachments are shown with every version, as they were.
    op.execute("UPDATE disclosure_files SET version = 1 WHERE disclosure_id IS NOT NULL")


def downgrade() -> None:
    op.execute("ALTER TABLE disclosure_files DROP COLUMN version")
    op.execute("ALTER TABLE decision_steps DROP COLUMN outcome")
