"""assignments built by deep linking before any resource link exists; accommodation audit trail

Revision ID: b3d8e1f40c72
Revises: 70f560a92405
Create Date: 2026-12-03 09:05:00

A deep-linking builder saves the assignment before the platform has created the resource
link, so `assignment.resource_link_id` may be null until the first launch binds it (through
the `rapport_assignment` custom parameter, which carries `assignment.public_id`). Each
assignment also names its course (`context_id`), so nothing binds across tenants.
`configured_at` is null for an assignment nobody has set up yet (an instructor sees the
builder). `accommodation_change` keeps who set which accommodation, when.
"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = 'b3d8e1f40c72'
down_revision = '70f560a92405'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment') as batch:
        batch.alter_column('resource_link_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('context_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('public_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('configured_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('shuffle_options', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.create_foreign_key('fk_assignment_context', 'context', ['context_id'], ['id'], ondelete='CASCADE')
        batch.create_index('ix_assignment_public_id', ['public_id'], unique=True)
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.id, r.context_id, a.created_at FROM assignment a JOIN resource_link r ON r.id = a.resource_link_id")).all()
    for aid, context_id, created_at in rows:
        # Existing assignments were in use already: treat them as set up.
        conn.execute(sa.text("UPDATE assignment SET context_id = :c, public_id = :p, configured_at = :t WHERE id = :i"),
                     {"c": context_id, "p": uuid.uuid4().hex, "t": created_at, "i": aid})
    op.create_table(
        'accommodation_change',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('context_id', sa.Integer(), sa.ForeignKey('context.id', ondelete='CASCADE'), nullable=False, index=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('lti_user.id', ondelete='CASCADE'), nullable=False),
        sa.Column('set_by_id', sa.Integer(), sa.ForeignKey('lti_user.id', ondelete='SET NULL'), nullable=True),
        sa.Column('time_multiplier', sa.Float(), nullable=False),
        sa.Column('extra_attempts', sa.Integer(), nullable=False),
        sa.Column('previous_time_multiplier', sa.Float(), nullable=True),
        sa.Column('previous_extra_attempts', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table('accommodation_change')
    with op.batch_alter_table('assignment') as batch:
        batch.drop_index('ix_assignment_public_id')
        batch.drop_constraint('fk_assignment_context', type_='foreignkey')
        batch.drop_column('shuffle_options')
        batch.drop_column('configured_at')
        batch.drop_column('public_id')
        batch.drop_column('context_id')
        batch.alter_column('resource_link_id', existing_type=sa.Integer(), nullable=False)
