"""The grade outbox: one row per score to post, written in the grading transaction."""
from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

PENDING, DELIVERED, FAILED, DEAD = "pending", "delivered", "failed", "dead"


class GradeDelivery(db.Model):
    __tablename__ = "grade_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("resource_link.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    score_given: Mapped[float] = mapped_column()
    score_maximum: Mapped[float] = mapped_column()
    started_at = mapped_column(UTCDateTime(), nullable=True)
    submitted_at = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # A worker claims a row by setting this; a stale claim (crash) is taken over.
    claimed_until = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_timestamp = mapped_column(UTCDateTime(), nullable=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at = mapped_column(UTCDateTime(), nullable=True)
    attempt = relationship("Attempt")
    resource_link = relationship("ResourceLink")
    user = relationship("User")
