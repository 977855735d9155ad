"""LTI registration and launch entities: Platform, Deployment, ToolKey, Context, User, ResourceLink."""
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class Platform(db.Model):
    """One registration: (issuer, client_id). Canvas has one issuer for many client_ids."""

    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    key_set_url: Mapped[str] = mapped_column(String(1024))
    # Moodle accepts the issuer as aud; most want the token URL (None = token URL).
    auth_audience: Mapped[str | None] = mapped_column(String(1024))
    name: Mapped[str | None] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    # A disabled platform's logins and launches are refused; nothing is deleted.
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Canvas creates a deployment per install; an admin may let new ids in after a verified launch.
    auto_accept_deployments: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How it was registered (cli, admin, dynamic) and the platform's product_family_code, if known.
    source: Mapped[str | None] = mapped_column(String(16))
    product_family: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str | None] = mapped_column(Text)  # as granted by dynamic registration
    last_launch_at = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at = mapped_column(UTCDateTime(), nullable=True)
    # Dynamic registration: where the platform lets us read (and, on Canvas, update) the
    # registration it made (RFC 7592 `registration_client_uri`). None for manual registrations.
    registration_client_uri: Mapped[str | None] = mapped_column(String(1024))

    deployments = relationship("Deployment", back_populates="platform", cascade="all, delete-orphan",
                               order_by="Deployment.id")


class Deployment(db.Model):
    __tablename__ = "deployment"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    # Canvas: "<tool id>:<opaque>", cut at 255 chars.
    deployment_id: Mapped[str] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    source: Mapped[str | None] = mapped_column(String(16))  # cli, admin, dynamic, auto
    created_at = mapped_column(UTCDateTime(), default=utcnow, nullable=True)
    last_launch_at = mapped_column(UTCDateTime(), nullable=True)
    platform = relationship("Platform", back_populates="deployments")


class ToolKey(db.Model):
    """Our RSA signing keys, by state:

    next      published in the JWKS, not signing yet (activated_at is None) - platforms that cache
              our JWKS learn it before it signs anything;
    current   `active`: signs client assertions and deep-linking responses;
    previous  published until `retire_after`, so what it signed still verifies; then dropped.
    """

    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    activated_at = mapped_column(UTCDateTime(), nullable=True)
    retire_after = mapped_column(UTCDateTime(), nullable=True)


class LaunchState(db.Model):
    """OIDC login state and nonce, kept server-side so launches work without third-party cookies.

    Consumed once at launch (used_at set), which makes the nonce single-use. Rows past
    `expires_at` are purged on write (shared_state.purge_expired_launch_states).

    LTI Platform Storage: when the login used the platform's postMessage storage,
    `storage_target` names the frame to ask and `storage_secret` is the value stored there; the
    launch must show that value (read from the platform in this browser) before it is accepted.
    """

    __tablename__ = "launch_state"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    created_at = mapped_column(UTCDateTime(), default=utcnow)
    expires_at = mapped_column(UTCDateTime(), index=True)
    used_at = mapped_column(UTCDateTime(), nullable=True)
    storage_target: Mapped[str | None] = mapped_column(String(64))
    storage_secret: Mapped[str | None] = mapped_column(String(64))


class Context(db.Model):
    """A course, scoped by deployment so tenants never share rows."""

    __tablename__ = "context"
    __table_args__ = (UniqueConstraint("deployment_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployment.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(255))
    memberships_url: Mapped[str | None] = mapped_column(String(1024))
    deployment = relationship("Deployment")


class User(db.Model):
    """A platform user: `sub` is only unique within one registration."""

    __tablename__ = "lti_user"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    platform = relationship("Platform")


class ResourceLink(db.Model):
    __tablename__ = "resource_link"
    __table_args__ = (UniqueConstraint("context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(ForeignKey("context.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    # From the AGS claim; refreshed on every launch.
    lineitem_url: Mapped[str | None] = mapped_column(String(1024))
    lineitems_url: Mapped[str | None] = mapped_column(String(1024))
    ags_scopes: Mapped[list | None] = mapped_column(JSON)
    custom: Mapped[dict | None] = mapped_column(JSON)
    context = relationship("Context")
    assignment = relationship("Assignment", back_populates="resource_link", uselist=False)
