"""platform storage for the OIDC state, the purge index, registration_client_uri

Revision ID: d7e2a4c19b53
Revises: d7e2a9c41b58
Create Date: 2026-12-03 14:10:00

- launch_state.storage_target / storage_secret: a login that used LTI Platform Storage
  (postMessage lti.put_data / lti.get_data) records the frame to ask and the value it stored;
  the launch must read that value back from the platform in the same browser.
- launch_state.expires_at is indexed: expired rows are purged in bounded batches on write.
- platform.registration_client_uri: the URI a dynamic registration response names (Canvas),
  shown to the admin and used to read the registration back.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd7e2a4c19b53'
down_revision = 'd7e2a9c41b58'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('launch_state') as batch:
        batch.add_column(sa.Column('storage_target', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('storage_secret', sa.String(length=64), nullable=True))
        batch.create_index('ix_launch_state_expires_at', ['expires_at'])
    with op.batch_alter_table('platform') as batch:
        batch.add_column(sa.Column('registration_client_uri', sa.String(length=1024), nullable=True))


def downgrade():
    with op.batch_alter_table('platform') as batch:
        batch.drop_column('registration_client_uri')
    with op.batch_alter_table('launch_state') as batch:
        batch.drop_index('ix_launch_state_expires_at')
        batch.drop_column('storage_secret')
        batch.drop_column('storage_target')
