"""bank media: images imported questions show, per collection

Revision ID: d7e2a9c41b58
Revises: e4a2c9d17b35
Create Date: 2026-12-03 14:10:00

- bank_media: one row per (collection, sha256) with the checked image bytes; items name the
  images they show in definition["media"] (question_bank.formats.richtext).
"""
from alembic import op
import sqlalchemy as sa


revision = 'd7e2a9c41b58'
down_revision = 'e4a2c9d17b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bank_media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('collection', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('collection', 'sha256'),
    )
    op.create_index('ix_bank_media_collection', 'bank_media', ['collection'])


def downgrade():
    op.drop_index('ix_bank_media_collection', table_name='bank_media')
    op.drop_table('bank_media')
