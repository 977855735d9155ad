"""autosave sequence numbers as 64-bit integers

The page numbers its saves from the clock (Date.now(), milliseconds: 1.7e12), beyond a 32-bit
INTEGER: on PostgreSQL every autosave from a browser failed with "integer out of range".
SQLite's INTEGER is already 64-bit, so only PostgreSQL changes.

Revision ID: c51e0a7d2f94
Revises: b3d8e1f40c72
Create Date: 2026-12-03 09:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c51e0a7d2f94'
down_revision = 'b3d8e1f40c72'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("attempt_item", "response_seq", type_=sa.BigInteger(), existing_nullable=False)
        op.alter_column("response_step", "seq", type_=sa.BigInteger(), existing_nullable=False)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("response_step", "seq", type_=sa.Integer(), existing_nullable=False)
        op.alter_column("attempt_item", "response_seq", type_=sa.Integer(), existing_nullable=False)
