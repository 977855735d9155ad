"""Attempts: what was drawn (frozen at start), each answer as append-only steps, accommodations."""
from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, UniqueConstraint, false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

IN_PROGRESS, SUBMITTED, GRADED = "in_progress", "submitted", "graded"


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=IN_PROGRESS, index=True)
    # Instructor/preview attempts are never posted to the gradebook.
    is_preview: Mapped[bool] = mapped_column(default=False)
    started_at = mapped_column(UTCDateTime(), default=utcnow)
    # When the student pressed Start on the start page; the clock (deadline_at) starts then.
    opened_at = mapped_column(UTCDateTime(), nullable=True)
    deadline_at = mapped_column(UTCDateTime(), nullable=True)
    # Per student (Canvas overrides); refreshed on each launch. Gates "after due date" feedback.
    due_at = mapped_column(UTCDateTime(), nullable=True)
    submitted_at = mapped_column(UTCDateTime(), nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(16))  # student | timer | sweep
    # Set, in its own commit, when the student presses Submit: if the grading transaction
    # then never completes (a crash), the next launch can say so and offer Submit again.
    submit_requested_at = mapped_column(UTCDateTime(), nullable=True)
    points: Mapped[float | None] = mapped_column()
    max_points: Mapped[float | None] = mapped_column()
    # Adaptive sessions (issue 16): {"theta", "se", "stopped": precision | length | bank, "focus": ...}.
    adaptive: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    items = relationship("AttemptItem", order_by="AttemptItem.position", back_populates="attempt",
                         cascade="all, delete-orphan")
    assignment = relationship("Assignment")
    user = relationship("User")

    @property
    def fraction(self) -> float | None:
        if self.points is None or not self.max_points:
            return None
        return self.points / self.max_points


class AttemptItem(db.Model):
    """One drawn item: its frozen version and option order, and the latest saved answer."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    bank_item_id: Mapped[int] = mapped_column(ForeignKey("bank_item.id"))
    presentation: Mapped[dict] = mapped_column(JSON)
    response: Mapped[object | None] = mapped_column(JSON)
    # Highest autosave sequence applied; older saves arriving late are ignored. 64-bit: the
    # page numbers saves from the clock in milliseconds.
    response_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    points: Mapped[float | None] = mapped_column()
    max_points: Mapped[float | None] = mapped_column()
    score_parts: Mapped[list | None] = mapped_column(JSON)
    flagged: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Case studies unfold in order: moving past a case item locks its answer.
    locked_at = mapped_column(UTCDateTime(), nullable=True)
    attempt = relationship("Attempt", back_populates="items")
    bank_item = relationship("BankItem")


class ResponseStep(db.Model):
    """Append-only log of every save: what was answered and when."""

    __tablename__ = "response_step"
    __table_args__ = (UniqueConstraint("attempt_item_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_item_id: Mapped[int] = mapped_column(ForeignKey("attempt_item.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    response: Mapped[object | None] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime(), default=utcnow)


class Accommodation(db.Model):
    """Per student per context: a time multiplier and extra attempts (WCAG 2.2.1)."""

    __tablename__ = "accommodation"
    __table_args__ = (UniqueConstraint("context_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    time_multiplier: Mapped[float] = mapped_column(default=1.0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)


class AccommodationChange(db.Model):
    """The audit trail: who set which accommodation for whom, and what it was before."""

    __tablename__ = "accommodation_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_user.id", ondelete="CASCADE"))
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("lti_user.id", ondelete="SET NULL"))
    time_multiplier: Mapped[float] = mapped_column()
    extra_attempts: Mapped[int] = mapped_column(Integer)
    previous_time_multiplier: Mapped[float | None] = mapped_column()
    previous_extra_attempts: Mapped[int | None] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    user = relationship("User", foreign_keys=[user_id])
    set_by = relationship("User", foreign_keys=[set_by_id])
