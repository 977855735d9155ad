"""OIDC third-party initiated login (/lti/login)."""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import OIDCException

from .. import shared_state
from .errors import LaunchError
from .tool_config import DatabaseToolConf, check_login_deployment

STATE_COOKIE = "rapport-lti-state"
COOKIE_PREFIX = "lti1p3-"  # what pylti1p3's cookie service puts before every name
# Logins a browser may have pending at once (tabs opened together). Each holds a ~70-byte cookie
# for the state's TTL; without a cap, ~100 launches in 10 minutes outgrow a server's 8 KB headers.
MAX_PENDING_LOGINS = 8
_COOKIE_ATTRS = dict(path="/", secure=True, httponly=True, samesite="None", partitioned=True)


# lti_storage_target: "_parent" or the name of a sibling frame (Canvas: post_message_forwarding).
_FRAME_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def state_cookie(state: str) -> str:
    return f"{STATE_COOKIE}-{state}"


def pending_state_cookies(cookies) -> dict[str, int]:
    """This browser's state cookies and when each login set them (0 for cookies of older releases)."""
    ours = {}
    for name, value in cookies.items():
        if name.startswith(COOKIE_PREFIX + STATE_COOKIE + "-"):
            ours[name] = int(value) if value.isdigit() else 0
    return ours


def forget_state(response, state: str):
    """A launch consumed `state`: its cookie has done its job."""
    response.delete_cookie(COOKIE_PREFIX + state_cookie(state), **_COOKIE_ATTRS)
    return response


def _remember_state(response, state: str, ttl: int, cookies):
    """Set this login's cookie; expire the oldest pending ones beyond MAX_PENDING_LOGINS."""
    pending = pending_state_cookies(cookies)
    for name in sorted(pending, key=pending.get)[:max(0, len(pending) - MAX_PENDING_LOGINS + 1)]:
        response.delete_cookie(name, **_COOKIE_ATTRS)
    response.set_cookie(COOKIE_PREFIX + state_cookie(state), str(int(time.time())), max_age=ttl, **_COOKIE_ATTRS)
    return response


def storage_key(state: str) -> str:
    """The platform-storage key a login writes and its launch reads (one per login, cleared after)."""
    return f"rapport-{state}"


def storage_target(raw: str | None) -> str | None:
    """The login's lti_storage_target if it is a usable frame name, else None (cookie path)."""
    raw = (raw or "").strip()
    return raw if _FRAME_NAME.match(raw) else None


def platform_origin(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "*"


@dataclass(frozen=True)
class StorageLogin:
    """A login that binds its state to the browser through LTI Platform Storage: the page puts
    `value` under `key` in `target` (postMessage to `origin`), then goes on to `auth_url`."""

    auth_url: str
    target: str
    origin: str
    key: str
    value: str


class _Login(FlaskOIDCLogin):
    """Keeps state and nonce in the database instead of the session cookie.

    A cross-site iframe with third-party cookies blocked never returns the library's
    state cookie, so the state row (single use, short TTL) is what the launch checks.
    """

    state_ttl = 600
    state: str | None = None
    storage_target: str | None = None
    storage: StorageLogin | None = None

    def _prepare_redirect_url(self, launch_url: str) -> str:
        registration = self.validate_oidc_login()
        self._registration = registration
        platform = registration.platform
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id:
            check_login_deployment(platform, deployment_id)
        state = "state-" + secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        # With Platform Storage the login puts a secret into the platform's storage; only a launch
        # in this browser can read it back (a state alone is no secret: it travels in URLs).
        secret = secrets.token_urlsafe(32) if self.storage_target else None
        # Shared by every app host (Redis, else the database): the launch may land on another.
        shared_state.save_launch_state(state, nonce, platform.id, self.state_ttl,
                                       storage_target=self.storage_target, storage_secret=secret)
        # One cookie per login (set by login_redirect), so two launches opened together in two tabs
        # both succeed. With Platform Storage too: it is the fallback when the storage cannot answer.
        self.state = state
        params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.get_client_id(),
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": self._get_request_param("login_hint"),
        }
        hint = self._get_request_param("lti_message_hint")
        if hint:
            params["lti_message_hint"] = hint
        url = registration.get_auth_login_url()
        url = url + ("&" if "?" in url else "?") + urlencode(params)
        if self.storage_target:
            self.storage = StorageLogin(url, self.storage_target, platform_origin(platform.auth_login_url),
                                        storage_key(state), secret)
        return url


def login_redirect(launch_url: str, state_ttl: int, request_data: dict, storage_page=None, cookies=None):
    """Validate a login initiation and return the Flask response: a redirect to the platform,
    or, when the login names an lti_storage_target, `storage_page(StorageLogin)` (a page that
    stores the state's secret in the platform, then goes on to the platform)."""
    req = FlaskRequest(request_data=request_data, request_is_secure=None)
    login = _Login(req, DatabaseToolConf())
    login.state_ttl = state_ttl
    login.storage_target = storage_target(request_data.get("lti_storage_target")) if storage_page else None
    try:
        if not request_data.get("iss"):
            raise LaunchError("The login request has no issuer (iss).")
        if not request_data.get("login_hint"):
            raise LaunchError("The login request has no login_hint.")
        response = login.redirect(launch_url)
        if login.storage is not None:
            response = storage_page(login.storage)
        # Partitioned (CHIPS), so browsers that block third-party cookies still keep it inside the LMS
        # frame; Secure, which browsers also accept from http://localhost and 127.0.0.1.
        return _remember_state(response, login.state, state_ttl, cookies or {})
    except OIDCException as exc:
        if "registration" in str(exc).lower():
            raise LaunchError(
                f'No platform is registered for issuer "{request_data.get("iss")}"'
                f' and client_id "{request_data.get("client_id") or "(none)"}".', 403) from exc
        raise LaunchError(str(exc)) from exc
