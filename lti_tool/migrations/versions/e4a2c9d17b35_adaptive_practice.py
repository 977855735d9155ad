"""adaptive practice: assignment mode and settings, attempt ability, item calibrations

Revision ID: e4a2c9d17b35
Revises: b3d41f0c9e72
Create Date: 2026-12-03 14:00:00

- assignment.mode: fixed (every existing assignment) | adaptive.
- assignment.adaptive: the adaptive settings (lengths, standard-error target, what the
  gradebook receives).
- attempt.adaptive: an adaptive session's ability estimate and why it stopped.
- item_calibration: Rasch difficulties written by `rapport bank calibrate`.
"""
from alembic import op
import sqlalchemy as sa


revision = 'e4a2c9d17b35'
down_revision = 'b3d41f0c9e72'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment') as batch:
        batch.add_column(sa.Column('mode', sa.String(length=16), nullable=False, server_default='fixed'))
        batch.add_column(sa.Column('adaptive', sa.JSON(), nullable=True))
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('adaptive', sa.JSON(), nullable=True))
    op.create_table(
        'item_calibration',
        sa.Column('item_id', sa.String(length=128), primary_key=True),
        sa.Column('label', sa.String(length=16), nullable=True),
        sa.Column('difficulty', sa.Float(), nullable=False),
        sa.Column('se', sa.Float(), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('facility', sa.Float(), nullable=True),
        sa.Column('infit', sa.Float(), nullable=True),
        sa.Column('outfit', sa.Float(), nullable=True),
        sa.Column('discrimination', sa.Float(), nullable=True),
        sa.Column('problems', sa.JSON(), nullable=True),
        sa.Column('calibrated_at', sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table('item_calibration')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('adaptive')
    with op.batch_alter_table('assignment') as batch:
        batch.drop_column('adaptive')
        batch.drop_column('mode')
