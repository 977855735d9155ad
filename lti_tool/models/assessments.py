"""The bank as stored (immutable item versions) and the Assignment behind a ResourceLink."""
import uuid

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class BankItem(db.Model):
    """One version of one item. Rows are never edited: a change is a new version."""

    __tablename__ = "bank_item"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    collection: Mapped[str] = mapped_column(String(64), default="bundled", index=True)
    type: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    cjmm_skill: Mapped[str | None] = mapped_column(String(64))
    bloom: Mapped[str | None] = mapped_column(String(32))
    difficulty: Mapped[str | None] = mapped_column(String(16))
    case_study: Mapped[str | None] = mapped_column(String(128))
    case_position: Mapped[int | None] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    # Only the newest version of an item is drawn for new attempts.
    current: Mapped[bool] = mapped_column(default=True, index=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow)


class BankMedia(db.Model):
    """An image that imported questions show, stored once per collection: a collection is
    the tenant (an instructor's import is `name [c<context>]`), so one course's images are
    never served through another's. Bytes checked by question_bank.formats.richtext.sniff."""

    __tablename__ = "bank_media"
    __table_args__ = (UniqueConstraint("collection", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at = mapped_column(UTCDateTime(), default=utcnow)


class Assignment(db.Model):
    """What an instructor configured for one ResourceLink.

    A deep-linking builder saves it before the platform creates the link: `resource_link_id`
    stays null until the first launch that carries `custom.rapport_assignment` = `public_id`.
    """

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("resource_link.id", ondelete="CASCADE"), unique=True)
    context_id: Mapped[int | None] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    # Unguessable: it travels in the LMS's custom parameters, which instructors can edit.
    public_id: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex)
    # None until an instructor saves the builder or the settings (they see the builder first).
    configured_at = mapped_column(UTCDateTime(), nullable=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(255), default="Therapeutic alliance practice")
    # A question_bank Blueprint as JSON: {"name", "sections": [{"filter": {...}, "count": n}], "collections"}.
    blueprint: Mapped[dict] = mapped_column(JSON)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=1)  # 0 = unlimited
    grading_method: Mapped[str] = mapped_column(String(16), default="highest")
    feedback_policy: Mapped[str] = mapped_column(String(16), default="after_submit")
    points_possible: Mapped[float] = mapped_column(default=10.0)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    due_at = mapped_column(UTCDateTime(), nullable=True)
    # one_per_page | all_on_one_page; None: one per page when timed (as the NCLEX), else all on one page.
    delivery: Mapped[str | None] = mapped_column(String(16))
    # fixed (a drawn set) | adaptive (one item at a time, chosen for the student; issue 16).
    mode: Mapped[str] = mapped_column(String(16), default="fixed", server_default="fixed")
    # Adaptive settings: {"min_items", "max_items", "se_target", "grade": "completion" | "mastery"}.
    adaptive: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    resource_link = relationship("ResourceLink", back_populates="assignment")

    @property
    def is_adaptive(self) -> bool:
        return self.mode == "adaptive"

    @property
    def delivery_mode(self) -> str:
        return self.delivery or ("one_per_page" if self.time_limit_minutes else "all_on_one_page")
