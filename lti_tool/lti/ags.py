"""Assignment and Grade Services: post one score, with an access-token cache that keeps tenants apart."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.service_connector import ServiceConnector

from ..models import Platform
from .tool_config import registration_for

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"


class TenantServiceConnector(ServiceConnector):
    """Caches access tokens per (issuer, client_id, scopes).

    pylti1p3 2.0.2 keys its cache by issuer and scopes only, so two Canvas developer
    keys (one issuer) would share a token.
    """

    _tokens: dict[str, tuple[str, float]] = {}
    _lock = threading.Lock()

    def _scope_key(self, scopes):
        reg = self._registration
        return "|".join([reg.get_issuer() or "", reg.get_client_id() or "", *sorted(scopes)])

    def _get_cached_access_token(self, scope_key):
        with self._lock:
            hit = self._tokens.get(scope_key)
        if hit and hit[1] > time.monotonic():
            return hit[0]
        return None

    def _cache_access_token(self, scope_key, access_token, expires_in):
        # Renew a minute early so a token never expires mid-request.
        with self._lock:
            self._tokens[scope_key] = (access_token, time.monotonic() + max(0, float(expires_in or 0) - 60))

    @classmethod
    def forget(cls, scope_key_prefix: str = "") -> None:
        with cls._lock:
            for k in [k for k in cls._tokens if k.startswith(scope_key_prefix)]:
                del cls._tokens[k]


@dataclass
class PostResult:
    ok: bool
    status: int | None
    message: str
    retry_after: float | None = None


def _retry_after(resp: requests.Response | None) -> float | None:
    if resp is None:
        return None
    value = resp.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def post_score(platform: Platform, lineitem_url: str, scopes: list[str], score: dict,
               session: requests.Session | None = None) -> PostResult:
    """POST one score to `lineitem_url`/scores. Never raises for HTTP or network trouble."""
    session = session or _TimeoutSession()
    connector = TenantServiceConnector(registration_for(platform), requests_session=session)
    service = AssignmentsGradesService(connector, {"scope": list(scopes) or [SCORE_SCOPE], "lineitem": lineitem_url})

    class _Score:  # the library only calls get_value()
        @staticmethod
        def get_value():
            return json.dumps(score)

    try:
        service.put_grade(_Score())
        return PostResult(True, 200, "delivered")
    except LtiServiceException as exc:
        resp = exc.response
        # Moodle puts its reason in the status line and sends "[]".
        reason = f"{resp.status_code} {resp.reason or ''} {resp.text[:300]}".strip()
        return PostResult(False, resp.status_code, reason, _retry_after(resp))
    except requests.RequestException as exc:
        return PostResult(False, None, f"network error: {exc.__class__.__name__}: {exc}")
    except Exception as exc:  # a malformed token response and the like: retry, keep the reason
        return PostResult(False, None, f"{exc.__class__.__name__}: {exc}")


class _TimeoutSession(requests.Session):
    """pylti1p3 passes no timeout; an LMS that hangs must not hang the worker."""

    def request(self, method, url, **kw):
        kw.setdefault("timeout", 15.0)
        return super().request(method, url, **kw)
