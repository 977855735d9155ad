"""Assignment and Grade Services: post one score, read a line item's results, with an access-token
cache that keeps tenants apart."""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector

from .. import shared_state
from ..models import Platform
from .platform_errors import UNREACHABLE, REFUSED, PlatformError, describe_http, describe_network
from .tool_config import registration_for

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"


class TenantServiceConnector(ServiceConnector):
    """Caches access tokens per (issuer, client_id, scopes), shared by every host and worker
    through shared_state (Redis when configured, else this process).

    pylti1p3 2.0.2 keys its cache by issuer and scopes only, so two Canvas developer
    keys (one issuer) would share a token.
    """

    CACHE = "ags-token"

    def _scope_key(self, scopes):
        reg = self._registration
        return "|".join([reg.get_issuer() or "", reg.get_client_id() or "", *sorted(scopes)])

    def _get_cached_access_token(self, scope_key):
        return shared_state.cache_get(self.CACHE, scope_key)

    def _cache_access_token(self, scope_key, access_token, expires_in):
        # Renew a minute early so a token never expires mid-request.
        shared_state.cache_set(self.CACHE, scope_key, access_token, float(expires_in or 0) - 60)

    @classmethod
    def forget(cls, scope_key_prefix: str = "") -> None:
        shared_state.cache_forget(cls.CACHE, scope_key_prefix)


@dataclass
class PostResult:
    ok: bool
    status: int | None
    error: PlatformError | None = None
    retry_after: float | None = None

    @property
    def message(self) -> str:
        return "delivered" if self.ok else self.error.message


class LineItemUnavailable(Exception):
    """The link's line item could not be found or created; `error` says why in one line."""

    def __init__(self, error: PlatformError):
        super().__init__(error.message)
        self.error = error


class ResultsUnavailable(Exception):
    """The line item's results could not be read; `error` says why in one line."""

    def __init__(self, error: PlatformError):
        super().__init__(error.message)
        self.error = error


def _retry_after(resp: requests.Response | None) -> float | None:
    if resp is None:
        return None
    value = resp.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _stage(resp: requests.Response, registration, default: str) -> str:
    token_url = registration.get_auth_token_url() or ""
    return "token" if resp.request is not None and resp.request.url == token_url else default


def _describe(exc: Exception, registration, url: str, jwks_url: str | None, stage: str = "score") -> PlatformError:
    if isinstance(exc, LtiServiceException):
        resp = exc.response
        if resp.ok:  # a 200 whose body was not the JSON token we asked for
            return describe_http("token", resp.url, resp.status_code, "not a JSON token response",
                                 resp.headers.get("Content-Type", ""), resp.text, jwks_url)
        return describe_http(_stage(resp, registration, stage), resp.url, resp.status_code, resp.reason or "",
                             resp.headers.get("Content-Type", ""), resp.text, jwks_url)
    if isinstance(exc, requests.RequestException):
        request = getattr(exc, "request", None)
        return describe_network(getattr(request, "url", None) or url, exc)
    # A malformed token response and the like: retry, keep the reason.
    return PlatformError(UNREACHABLE, f"{exc.__class__.__name__}: {str(exc)[:160]}",
                         "The LMS answered something Rapport could not read; it keeps retrying.")


def _service(platform: Platform, lineitem_url: str, scopes: list[str], session) -> tuple:
    registration = registration_for(platform)
    connector = TenantServiceConnector(registration, requests_session=session or _TimeoutSession())
    return registration, AssignmentsGradesService(connector, {"scope": list(scopes) or [SCORE_SCOPE],
                                                              "lineitem": lineitem_url})


def post_score(platform: Platform, lineitem_url: str, scopes: list[str], score: dict,
               session: requests.Session | None = None, jwks_url: str | None = None) -> PostResult:
    """POST one score to `lineitem_url`/scores. Never raises for HTTP or network trouble."""
    registration, service = _service(platform, lineitem_url, scopes, session)

    class _Score:  # the library only calls get_value()
        @staticmethod
        def get_value():
            return json.dumps(score)

    try:
        service.put_grade(_Score())
        return PostResult(True, 200)
    except Exception as exc:  # every failure becomes a readable, classified result
        resp = getattr(exc, "response", None)
        error = _describe(exc, registration, lineitem_url, jwks_url)
        if getattr(resp, "status_code", None) == 401:  # a revoked or expired token: fetch a new one next time
            TenantServiceConnector.forget(f"{registration.get_issuer()}|{registration.get_client_id()}|")
        return PostResult(False, getattr(resp, "status_code", None), error, _retry_after(resp))


def can_create_lineitem(lineitems_url: str | None, scopes: list[str] | None) -> bool:
    return bool(lineitems_url) and LINEITEM_SCOPE in (scopes or [])


def find_or_create_lineitem(platform: Platform, lineitems_url: str, scopes: list[str], *, resource_link_id: str,
                            label: str, score_maximum: float, session: requests.Session | None = None,
                            jwks_url: str | None = None) -> str:
    """The URL of this resource link's line item: found among the container's items (every page)
    by resourceLinkId, else created. For links launched without a lineitem claim."""
    registration = registration_for(platform)
    connector = TenantServiceConnector(registration, requests_session=session or _TimeoutSession())
    service = AssignmentsGradesService(connector, {"scope": list(scopes), "lineitems": lineitems_url})
    new = (LineItem().set_label(label).set_score_maximum(score_maximum)
           .set_resource_link_id(resource_link_id).set_tag("rapport"))
    try:
        found = service.find_or_create_lineitem(new, condition=lambda li: li.get("resourceLinkId") == resource_link_id)
    except Exception as exc:
        raise LineItemUnavailable(_describe(exc, registration, lineitems_url, jwks_url, "lineitems")) from exc
    url = found.get_id()
    if not url:
        raise LineItemUnavailable(PlatformError(UNREACHABLE, "the LMS created a line item without an id",
                                                "Rapport keeps retrying; report this to the LMS's administrator."))
    return url


def get_results(platform: Platform, lineitem_url: str, scopes: list[str],
                session: requests.Session | None = None, jwks_url: str | None = None) -> list[dict]:
    """Every result of the line item (AGS result.readonly), across pages."""
    if RESULT_SCOPE not in (scopes or []):
        raise ResultsUnavailable(PlatformError(
            REFUSED, "the LMS did not grant Rapport the scope to read results (result.readonly)",
            "Enable the grade service's results scope for this tool in the LMS "
            "(in Moodle: IMS LTI Assignment and Grade Services: \"Use this service for grade sync and column management\")."))
    registration, service = _service(platform, lineitem_url, scopes, session)
    try:
        return list(service.get_grades())
    except Exception as exc:
        raise ResultsUnavailable(_describe(exc, registration, lineitem_url, jwks_url, "results")) from exc


class _TimeoutSession(requests.Session):
    """pylti1p3 passes no timeout; an LMS that hangs must not hang the worker."""

    def request(self, method, url, **kw):
        kw.setdefault("timeout", 15.0)
        return super().request(method, url, **kw)
