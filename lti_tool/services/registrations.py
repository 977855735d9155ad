"""Registrations as admins see them: launch errors per platform, dynamic registration, invites."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from ..extensions import db
from ..models import Deployment, Platform, RegistrationInvite
from ..models.base import utcnow
from . import platforms

log = logging.getLogger(__name__)


def note_launch_error(issuer: str | None, client_id: str | None, message: str) -> None:
    """Remember the last refused login or launch of a known platform, for the admin pages.

    issuer and client_id may come from an unverified token: they only choose which known
    platform's row gets our own message; nothing of the request's text is stored but the ids."""
    if not issuer or not isinstance(issuer, str):
        return
    try:
        db.session.rollback()
        q = db.select(Platform).where(Platform.issuer == issuer)
        if client_id and isinstance(client_id, str):
            q = q.where(Platform.client_id == client_id)
        found = db.session.execute(q.limit(2)).scalars().all()
        if len(found) != 1:
            return
        found[0].last_error = message[:1000]
        found[0].last_error_at = utcnow()
        db.session.commit()
    except Exception:  # noqa: BLE001 - bookkeeping must never hide the launch error itself
        db.session.rollback()
        log.exception("could not record the launch error")


# --- registration links (invites) --------------------------------------------------------------

INVITE_TTL = timedelta(days=7)


class InviteError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(note: str | None, created_by: str | None, ttl: timedelta = INVITE_TTL) -> tuple[RegistrationInvite, str]:
    """A single-use registration link token. Only its hash is stored; the token is shown once."""
    token = secrets.token_urlsafe(24)
    now = utcnow()
    invite = RegistrationInvite(token_hash=_hash(token), note=(note or "").strip()[:255] or None,
                                created_by=created_by, created_at=now, expires_at=now + ttl)
    db.session.add(invite)
    db.session.commit()
    return invite, token


def open_invites() -> list[RegistrationInvite]:
    return list(db.session.execute(db.select(RegistrationInvite).order_by(RegistrationInvite.id.desc()).limit(50)).scalars())


def revoke_invite(invite_id: int) -> None:
    invite = db.session.get(RegistrationInvite, invite_id)
    if invite is not None and invite.used_at is None:
        invite.expires_at = utcnow()
        db.session.commit()


def valid_invite(token: str) -> RegistrationInvite:
    invite = db.session.execute(
        db.select(RegistrationInvite).where(RegistrationInvite.token_hash == _hash(token or ""))).scalar_one_or_none()
    if invite is None:
        raise InviteError("This registration link is not valid. Ask your Rapport administrator for a registration "
                          "link (Rapport admin pages > Registration links).")
    if invite.used_at is not None:
        raise InviteError("This registration link was already used. Each link registers one platform; ask your "
                          "Rapport administrator for a new one.")
    if invite.expires_at <= utcnow():
        raise InviteError("This registration link has expired. Ask your Rapport administrator for a new one.")
    return invite


def complete_dynamic_registration(token: str, config, result) -> tuple[Platform, bool]:
    """Store what the platform registered, and use up the invite, in one transaction.

    Returns (platform, created). An existing (issuer, client_id) is updated in place, so running
    the platform's "update tool" flow again does not make a second registration."""
    invite = valid_invite(token)
    name = f"{config.display_name} ({urlsplit(config.configuration_url).hostname})"
    p = platforms.find(config.issuer, result.client_id)
    created = p is None
    values = dict(issuer=config.issuer, client_id=result.client_id, auth_login_url=config.authorization_endpoint,
                  auth_token_url=config.token_endpoint, key_set_url=config.jwks_uri, name=name)
    platforms.PlatformInput(**values).checked()
    if result.deployment_id:
        platforms.check_deployment_ids([result.deployment_id])
    if p is None:
        p = Platform(**values, enabled=True, source="dynamic")
        # Canvas makes a new deployment id for every install (and may return none here).
        p.auto_accept_deployments = config.is_canvas
        db.session.add(p)
    else:
        for k, v in values.items():
            setattr(p, k, v)
    p.product_family, p.scopes = config.product_family or None, result.scope or None
    # Canvas: where this registration lives (shown on the admin page); an update flow replaces it.
    p.registration_client_uri = getattr(result, "registration_client_uri", None) or p.registration_client_uri
    db.session.flush()
    if result.deployment_id and result.deployment_id not in {d.deployment_id for d in p.deployments}:
        p.deployments.append(Deployment(deployment_id=result.deployment_id, source="dynamic", enabled=True,
                                        created_at=utcnow()))
    # One conditional UPDATE: two tabs confirming the same link cannot both use it.
    used = db.session.execute(db.update(RegistrationInvite)
                              .where(RegistrationInvite.id == invite.id, RegistrationInvite.used_at.is_(None))
                              .values(used_at=utcnow(), platform_id=p.id)).rowcount
    if used != 1:
        db.session.rollback()
        raise InviteError("This registration link was already used.")
    db.session.commit()
    return p, created
