"""Grade sync: one row per (resource link, user), the gradebook score Rapport owes the platform.

The row holds state, not an event: the score posted is computed from the graded attempts
at the moment of posting, so a retry after an outage or a crash can never send an older
score than the data says. `requested_seq` counts changes (a submit, a regrade, a settings
change); `delivered_seq` is the change the platform last accepted.
"""
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

# pending: a change is waiting to be posted; failed: the last try failed, a retry is scheduled;
# delivered: the platform holds the current score; dead: given up (permanent refusal, or the
# retry horizon passed) until someone sends it again.
PENDING, DELIVERED, FAILED, DEAD = "pending", "delivered", "failed", "dead"


class GradeSync(db.Model):
    __tablename__ = "grade_sync"
    __table_args__ = (UniqueConstraint("resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("resource_link.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    # None until the worker has found or created the link's line item (no lineitem claim).
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    requested_seq: Mapped[int] = mapped_column(Integer, default=1)
    delivered_seq: Mapped[int] = mapped_column(Integer, default=0)
    # The AGS timestamp of the current state: when its newest input changed (the submission
    # time of the newest graded attempt, or a grading-settings change), strictly later, to the
    # second, than the state before it. A platform that refuses "not later" scores (Moodle's
    # 409) thereby refuses any stale post too.
    state_at = mapped_column(UTCDateTime())
    cause: Mapped[str | None] = mapped_column(String(32))  # what last changed it: submit, settings, ...
    tries: Mapped[int] = mapped_column(Integer, default=0)  # failures since the last success
    next_try_at = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # A worker claims a row by setting this; a claim left by a crashed worker expires.
    claimed_until = mapped_column(UTCDateTime(), nullable=True)
    failing_since = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)  # one readable line
    last_fix: Mapped[str | None] = mapped_column(Text)  # what a person can do, where known
    last_error_kind: Mapped[str | None] = mapped_column(String(16))  # unreachable | refused | not_gradable
    delivered_at = mapped_column(UTCDateTime(), nullable=True)
    delivered_score: Mapped[float | None] = mapped_column()
    delivered_maximum: Mapped[float | None] = mapped_column()
    delivered_state_at = mapped_column(UTCDateTime(), nullable=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    resource_link = relationship("ResourceLink")
    user = relationship("User")

    @property
    def up_to_date(self) -> bool:
        return self.status == DELIVERED and self.delivered_seq >= self.requested_seq
