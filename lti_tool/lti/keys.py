"""The tool's RSA key pairs: generated on first start, rotated by `rapport keys rotate`, served as JWKS
(current, next and previous by kid), loaded once per process."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

from ..extensions import db
from ..models import ToolKey
from ..models.base import utcnow

_loaded: dict[str, object] = {}
_lock = threading.Lock()


DEFAULT_GRACE = timedelta(days=1)


def generate_key(*, active: bool) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = uuid.uuid4().hex
    jwk = json.loads(JWK.from_pem(pem.encode()).export_public())
    jwk.update(kid=kid, alg="RS256", use="sig")
    return ToolKey(kid=kid, private_pem=pem, public_jwk=jwk, active=active,
                   activated_at=utcnow() if active else None)


def current_key() -> ToolKey | None:
    return db.session.execute(
        db.select(ToolKey).where(ToolKey.active.is_(True)).order_by(ToolKey.activated_at.desc(), ToolKey.id.desc())
    ).scalars().first()


def next_key() -> ToolKey | None:
    return db.session.execute(
        db.select(ToolKey).where(ToolKey.active.is_(False), ToolKey.activated_at.is_(None)).order_by(ToolKey.id)
    ).scalars().first()


def ensure_key() -> ToolKey:
    """The current (signing) key, creating the first one if there is none."""
    key = current_key()
    if key is None:
        key = generate_key(active=True)
        db.session.add(key)
        db.session.commit()
    return key


def ensure_keys() -> tuple[ToolKey, ToolKey]:
    """A current key and a published next key, so the next rotation never surprises a platform."""
    current = ensure_key()
    upcoming = next_key()
    if upcoming is None:
        upcoming = generate_key(active=False)
        db.session.add(upcoming)
        db.session.commit()
    return current, upcoming


def rotate_key(grace: timedelta = DEFAULT_GRACE) -> ToolKey:
    """The published next key starts signing; the old current one stays published for `grace`;
    a fresh next key is published; keys past their grace are deleted. One transaction."""
    now = utcnow()
    promoted = next_key() or generate_key(active=False)
    for old in db.session.execute(db.select(ToolKey).where(ToolKey.active.is_(True))).scalars():
        old.active, old.retire_after = False, now + grace
    promoted.active, promoted.activated_at = True, now
    db.session.add(promoted)
    db.session.add(generate_key(active=False))
    for gone in db.session.execute(
            db.select(ToolKey).where(ToolKey.retire_after.is_not(None), ToolKey.retire_after <= now)).scalars():
        db.session.delete(gone)
    db.session.commit()
    return promoted


def key_states() -> list[tuple[str, ToolKey]]:
    """Every stored key with its state (current, next, previous, retired), current first."""
    now = utcnow()
    out = []
    for k in db.session.execute(db.select(ToolKey).order_by(ToolKey.id.desc())).scalars():
        if k.active:
            state = "current"
        elif k.activated_at is None:
            state = "next"
        elif k.retire_after is not None and k.retire_after > now:
            state = "previous"
        else:
            state = "retired"
        out.append((state, k))
    order = {"current": 0, "next": 1, "previous": 2, "retired": 3}
    return sorted(out, key=lambda sk: order[sk[0]])


def private_key(key: ToolKey):
    """The loaded key object. Parsing a PEM costs ~37 ms; signing with a loaded key ~0.3 ms."""
    with _lock:
        obj = _loaded.get(key.kid)
        if obj is None:
            obj = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
            _loaded[key.kid] = obj
        return obj


def public_jwks() -> dict:
    """Current, next and previous (within grace) keys, by kid. Retired keys are never served."""
    return {"keys": [k.public_jwk for state, k in key_states() if state != "retired"]}
