"""OIDC third-party initiated login (/lti/login)."""
from __future__ import annotations

import secrets
from urllib.parse import urlencode

from pylti1p3.contrib.flask import FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import OIDCException

from .. import shared_state
from .errors import LaunchError
from .tool_config import DatabaseToolConf, check_login_deployment

STATE_COOKIE = "rapport-lti-state"
COOKIE_PREFIX = "lti1p3-"  # what pylti1p3's cookie service puts before every name


def state_cookie(state: str) -> str:
    return f"{STATE_COOKIE}-{state}"


class _Login(FlaskOIDCLogin):
    """Keeps state and nonce in the database instead of the session cookie.

    A cross-site iframe with third-party cookies blocked never returns the library's
    state cookie, so the state row (single use, short TTL) is what the launch checks.
    """

    state_ttl = 600

    def _prepare_redirect_url(self, launch_url: str) -> str:
        registration = self.validate_oidc_login()
        self._registration = registration
        platform = registration.platform
        deployment_id = self._get_request_param("lti_deployment_id")
        if deployment_id:
            check_login_deployment(platform, deployment_id)
        state = "state-" + secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        # Shared by every app host (Redis, else the database): the launch may land on another.
        shared_state.save_launch_state(state, nonce, platform.id, self.state_ttl)
        # One cookie per login, so two launches opened together in two tabs both succeed.
        self._cookie_service.set_cookie(state_cookie(state), "1", self.state_ttl)
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
        return url + ("&" if "?" in url else "?") + urlencode(params)


def login_redirect(launch_url: str, state_ttl: int, request_data: dict):
    """Validate a login initiation and return the Flask redirect response to the platform."""
    req = FlaskRequest(request_data=request_data, request_is_secure=None)
    login = _Login(req, DatabaseToolConf())
    login.state_ttl = state_ttl
    try:
        if not request_data.get("iss"):
            raise LaunchError("The login request has no issuer (iss).")
        if not request_data.get("login_hint"):
            raise LaunchError("The login request has no login_hint.")
        return login.redirect(launch_url)
    except OIDCException as exc:
        if "registration" in str(exc).lower():
            raise LaunchError(
                f'No platform is registered for issuer "{request_data.get("iss")}"'
                f' and client_id "{request_data.get("client_id") or "(none)"}".', 403) from exc
        raise LaunchError(str(exc)) from exc
