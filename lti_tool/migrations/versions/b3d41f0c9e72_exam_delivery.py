"""exam delivery: the Start press, flags, case-study locks, delivery mode

Revision ID: b3d41f0c9e72
Revises: c51e0a7d2f94
Create Date: 2026-12-03 08:50:00

- attempt.opened_at: when the student pressed Start (the clock starts then). Attempts that
  already exist count as started at their start time.
- attempt_item.flagged: "flag for review", kept across reloads and devices.
- attempt_item.locked_at: a case-study answer locked when the student moved on.
- assignment.delivery: one_per_page | all_on_one_page; NULL chooses one per page for timed sets.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d41f0c9e72'
down_revision = 'c51e0a7d2f94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE attempt SET opened_at = started_at")
    with op.batch_alter_table('attempt_item') as batch:
        batch.add_column(sa.Column('flagged', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('assignment') as batch:
        batch.add_column(sa.Column('delivery', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('assignment') as batch:
        batch.drop_column('delivery')
    with op.batch_alter_table('attempt_item') as batch:
        batch.drop_column('locked_at')
        batch.drop_column('flagged')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('opened_at')
