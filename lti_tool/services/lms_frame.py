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

from urllib.parse import urlsplit

from ..extensions import db
from ..models import Context, Deployment, Platform, ResourceLink

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
    One statement: every page in the frame asks."""
    if resource_link_id is None:
        return []
    row = db.session.execute(
        db.select(Platform.issuer, ResourceLink.lineitems_url, ResourceLink.lineitem_url, Context.memberships_url,
                  Platform.auth_login_url)
        .select_from(ResourceLink).join(Context, ResourceLink.context_id == Context.id)
        .join(Deployment, Context.deployment_id == Deployment.id).join(Platform, Deployment.platform_id == Platform.id)
        .where(ResourceLink.id == resource_link_id)).first()
    out: list[str] = []
    for url in row or ():
        o = origin(url)
        if o and o not in out:
            out.append(o)
    return out
