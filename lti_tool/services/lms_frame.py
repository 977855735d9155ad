"""Where the LMS page that frames Rapport lives, from what the server already holds.

The page posts `lti.frameResize` and `lti.scrollToTop` (Canvas's postMessage API; others ignore
them) to the LMS page. It must name that page's origin, and it cannot ask the browser: the
no-referrer policy empties `document.referrer`, and Firefox has no `location.ancestorOrigins`.
The registration and the launch do say where the LMS is: Moodle's issuer is its own site; a
Canvas course's AGS and NRPS URLs are on the institution's domain (its issuer and login host
are Instructure's shared ones, never the page's). These origins are an allowlist: a message to
an origin that is not the parent's is dropped by the browser.
"""
from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from ..extensions import db
from ..models import Context, Deployment, Platform, ResourceLink
from .rows import database_key, prepared

# Every student page asks; the answer changes only when the LMS moves (a new issuer or service
# URL), and a message to a stale origin is merely dropped by the browser. So each process reads
# it at most every ORIGINS_TTL seconds per link, as security.py does for the CSP's frame-ancestors.
ORIGINS_TTL = 10.0
_ORIGINS_MAX = 20_000  # links; cleared when exceeded
_origins: dict = {}  # (database, resource link id) -> (read at, origins)
_origins_lock = threading.Lock()

# Shared hosts that never serve a course page (Canvas's issuers and its OIDC host).
_NOT_A_PAGE = {"canvas.instructure.com", "canvas.beta.instructure.com", "canvas.test.instructure.com",
               "sso.canvaslms.com", "sso.beta.canvaslms.com", "sso.test.canvaslms.com"}


def origin(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.hostname in _NOT_A_PAGE:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def lms_origins(resource_link_id: int | None) -> list[str]:
    """The origins the LMS page framing this link can have, most likely first (no duplicates).
    At most one statement, and none while this process read it in the last ORIGINS_TTL seconds."""
    if resource_link_id is None:
        return []
    key = (database_key(), resource_link_id)
    hit = _origins.get(key)
    if hit is not None and time.monotonic() - hit[0] < ORIGINS_TTL:
        return list(hit[1])
    row = db.session.execute(prepared("lms origins", _origins_statement), {"link_id": resource_link_id}).first()
    out: list[str] = []
    for url in row or ():
        o = origin(url)
        if o and o not in out:
            out.append(o)
    with _origins_lock:
        if len(_origins) > _ORIGINS_MAX:
            _origins.clear()
        _origins[key] = (time.monotonic(), tuple(out))
    return out


def _origins_statement():
    return (db.select(Platform.issuer, ResourceLink.lineitems_url, ResourceLink.lineitem_url, Context.memberships_url,
                      Platform.auth_login_url)
            .select_from(ResourceLink).join(Context, ResourceLink.context_id == Context.id)
            .join(Deployment, Context.deployment_id == Deployment.id).join(Platform, Deployment.platform_id == Platform.id)
            .where(ResourceLink.id == db.bindparam("link_id")))
