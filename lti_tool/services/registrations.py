"""Registrations as admins see them: launch errors per platform, dynamic registration, invites."""
from __future__ import annotations

import logging

from ..extensions import db
from ..models import Platform
from ..models.base import utcnow

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
