"""Rapport's own administrators and the registration links they hand to platforms."""
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class AdminUser(db.Model):
    """Created with `rapport admin create-user`; the password is stored only as a salted hash."""

    __tablename__ = "admin_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at = mapped_column(UTCDateTime(), nullable=True)
    # Lockout after repeated failures, shared by every app host through the database.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until = mapped_column(UTCDateTime(), nullable=True)


class RegistrationInvite(db.Model):
    """A dynamic-registration URL an admin gives one platform. Single use; only its hash is kept."""

    __tablename__ = "registration_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    expires_at = mapped_column(UTCDateTime())
    used_at = mapped_column(UTCDateTime(), nullable=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id", ondelete="SET NULL"))
    platform = relationship("Platform")
