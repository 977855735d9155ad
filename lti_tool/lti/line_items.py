"""Read one line item (AGS lineitem.readonly): the gradebook column's scoreMaximum and label.

Rapport shows points on the gradebook's scale: Moodle's activity may say 100 where the
deep-linking response said 10 (a teacher edits the grade), and Canvas maps scoreMaximum to
the assignment's points possible.
"""
from __future__ import annotations

from dataclasses import dataclass

from .ags import TenantServiceConnector, _describe, _TimeoutSession
from .platform_errors import REFUSED, PlatformError
from .tool_config import registration_for

LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"


@dataclass(frozen=True)
class LineItem:
    url: str
    score_maximum: float | None
    label: str | None


class LineItemUnreadable(Exception):
    def __init__(self, error: PlatformError):
        super().__init__(error.message)
        self.error = error


def get_lineitem(platform, lineitem_url: str, scopes: list[str], session=None, jwks_url: str | None = None) -> LineItem:
    granted = [s for s in (scopes or []) if s in (LINEITEM_SCOPE, LINEITEM_READ_SCOPE)]
    if not granted:
        raise LineItemUnreadable(PlatformError(
            REFUSED, "the LMS did not grant Rapport the scope to read its gradebook column (lineitem)",
            "In Moodle set \"IMS LTI Assignment and Grade Services\" to \"Use this service for grade sync and "
            "column management\"; in Canvas give the developer key the line item scopes."))
    registration = registration_for(platform)
    connector = TenantServiceConnector(registration, requests_session=session or _TimeoutSession())
    try:
        resp = connector.make_service_request(granted[:1], lineitem_url, accept=LINEITEM_TYPE)
    except Exception as exc:
        raise LineItemUnreadable(_describe(exc, registration, lineitem_url, jwks_url, stage="lineitems")) from exc
    body = resp.get("body") if isinstance(resp, dict) else None
    if not isinstance(body, dict):
        raise LineItemUnreadable(PlatformError(REFUSED, "the LMS answered the line item request with no JSON object", None))
    maximum = body.get("scoreMaximum")
    try:
        maximum = float(maximum) if maximum is not None else None
    except (TypeError, ValueError):
        maximum = None
    if maximum is not None and maximum <= 0:
        maximum = None
    return LineItem(lineitem_url, maximum, body.get("label") or None)
