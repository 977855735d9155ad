"""Registering platforms and deployments."""
from __future__ import annotations

from ..extensions import db
from ..models import Deployment, Platform


def register(*, issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployment_ids,
             auth_audience=None, name=None) -> tuple[Platform, list[str]]:
    """Create or update (issuer, client_id); add any new deployment ids."""
    p = db.session.execute(db.select(Platform).filter_by(issuer=issuer, client_id=client_id)).scalar_one_or_none()
    if p is None:
        p = Platform(issuer=issuer, client_id=client_id)
        db.session.add(p)
    p.auth_login_url, p.auth_token_url, p.key_set_url = auth_login_url, auth_token_url, key_set_url
    p.auth_audience, p.name = auth_audience, name or p.name
    db.session.flush()
    known = {d.deployment_id for d in p.deployments}
    added = []
    for dep in deployment_ids:
        if dep not in known:
            p.deployments.append(Deployment(deployment_id=dep))
            known.add(dep)
            added.append(dep)
    db.session.commit()
    return p, added


def all_platforms() -> list[Platform]:
    return list(db.session.execute(db.select(Platform).order_by(Platform.id)).scalars())
