"""Adaptive practice: item calibrations (written offline by `rapport bank calibrate`) and the
targeted practice sets a study plan offers."""
from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class ItemCalibration(db.Model):
    """The Rasch difficulty of one bank item (all versions, all courses), from the last calibration."""

    __tablename__ = "item_calibration"

    item_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    label: Mapped[str | None] = mapped_column(String(16))          # the difficulty label used as prior
    difficulty: Mapped[float] = mapped_column()                    # logits, prior and data combined
    se: Mapped[float] = mapped_column()
    responses: Mapped[int] = mapped_column(Integer, default=0)
    facility: Mapped[float | None] = mapped_column()
    infit: Mapped[float | None] = mapped_column()
    outfit: Mapped[float | None] = mapped_column()
    discrimination: Mapped[float | None] = mapped_column()
    problems: Mapped[list | None] = mapped_column(JSON)             # poor-fit reasons, readable
    calibrated_at = mapped_column(UTCDateTime(), default=utcnow)
