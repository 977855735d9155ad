"""grade sync: one row per (resource link, user) replaces the per-attempt grade_delivery outbox

Revision ID: 7a1c0e5d9b21
Revises: 2649753928ce
Create Date: 2026-12-03 09:00:00

Each existing (resource link, user) becomes one grade_sync row. Its state timestamp starts
after every timestamp already sent, so the first post after the upgrade is accepted. Rows
that were not delivered are left pending: the worker posts the score the grading method
gives now.
"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


revision = '7a1c0e5d9b21'
down_revision = '2649753928ce'
branch_labels = None
depends_on = None


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def upgrade():
    grade_sync = op.create_table('grade_sync',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lineitem_url', sa.String(length=1024), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_seq', sa.Integer(), nullable=False),
    sa.Column('delivered_seq', sa.Integer(), nullable=False),
    sa.Column('state_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cause', sa.String(length=32), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_fix', sa.Text(), nullable=True),
    sa.Column('last_error_kind', sa.String(length=16), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_score', sa.Double(), nullable=True),
    sa.Column('delivered_maximum', sa.Double(), nullable=True),
    sa.Column('delivered_state_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_grade_sync_resource_link_id_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'], name=op.f('fk_grade_sync_user_id_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_sync')),
    sa.UniqueConstraint('resource_link_id', 'user_id', name=op.f('uq_grade_sync_resource_link_id'))
    )
    with op.batch_alter_table('grade_sync', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_sync_next_try_at'), ['next_try_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_sync_resource_link_id'), ['resource_link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_sync_status'), ['status'], unique=False)
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submit_requested_at', sa.DateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    old = conn.execute(sa.text(
        "SELECT resource_link_id, user_id, lineitem_url, status, score_given, score_maximum, "
        "sent_timestamp, submitted_at, delivered_at FROM grade_delivery "
        "WHERE lineitem_url IS NOT NULL ORDER BY id")).mappings().all()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    rows = {}
    for r in old:
        key = (r["resource_link_id"], r["user_id"])
        acc = rows.setdefault(key, {"lineitem_url": r["lineitem_url"], "last_sent": None,
                                    "last_submitted": None, "latest": None})
        acc["lineitem_url"] = r["lineitem_url"]
        for field, value in (("last_sent", r["sent_timestamp"]), ("last_submitted", r["submitted_at"])):
            value = _aware(value)
            if value is not None and (acc[field] is None or value > acc[field]):
                acc[field] = value
        acc["latest"] = r
    for (link_id, user_id), acc in rows.items():
        latest = acc["latest"]
        basis = max([t for t in (acc["last_sent"], acc["last_submitted"]) if t is not None], default=now)
        state_at = basis.replace(microsecond=0) + timedelta(seconds=1)
        delivered = latest["status"] == "delivered"
        op.bulk_insert(grade_sync, [{
            "resource_link_id": link_id, "user_id": user_id, "lineitem_url": acc["lineitem_url"],
            "status": "delivered" if delivered else "pending", "requested_seq": 1,
            "delivered_seq": 1 if delivered else 0,
            # A delivered row keeps the newest timestamp sent; a pending one starts after it.
            "state_at": (acc["last_sent"] or state_at) if delivered else state_at,
            "cause": "upgrade", "tries": 0, "next_try_at": now,
            "delivered_at": _aware(latest["delivered_at"]) if delivered else None,
            "delivered_score": latest["score_given"] if delivered else None,
            "delivered_maximum": latest["score_maximum"] if delivered else None,
            "delivered_state_at": acc["last_sent"] if delivered else None,
            "created_at": now,
        }])
    with op.batch_alter_table('grade_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_delivery_status'))
        batch_op.drop_index(batch_op.f('ix_grade_delivery_next_try_at'))
        batch_op.drop_index(batch_op.f('ix_grade_delivery_attempt_id'))
    op.drop_table('grade_delivery')


def downgrade():
    op.create_table('grade_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('resource_link_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('lineitem_url', sa.String(length=1024), nullable=True),
    sa.Column('score_given', sa.Double(), nullable=False),
    sa.Column('score_maximum', sa.Double(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_timestamp', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_grade_delivery_attempt_id_attempt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_id'], ['resource_link.id'], name=op.f('fk_grade_delivery_resource_link_id_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['lti_user.id'], name=op.f('fk_grade_delivery_user_id_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_delivery'))
    )
    with op.batch_alter_table('grade_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_delivery_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_delivery_next_try_at'), ['next_try_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grade_delivery_status'), ['status'], unique=False)
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_column('submit_requested_at')
    with op.batch_alter_table('grade_sync', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_sync_status'))
        batch_op.drop_index(batch_op.f('ix_grade_sync_resource_link_id'))
        batch_op.drop_index(batch_op.f('ix_grade_sync_next_try_at'))
    op.drop_table('grade_sync')
