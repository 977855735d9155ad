"""Validate an id_token posted to /lti/launch, adding the checks pylti1p3 lacks."""
from __future__ import annotations

import json
import threading
from urllib.parse import urlsplit

import jwt
from jwt.algorithms import RSAAlgorithm
from flask import request as flask_request
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.exception import LtiException, LtiKeyException

from .. import shared_state
from .errors import LaunchError, StorageCheckNeeded
from .launch_data import Launch
from .login import COOKIE_PREFIX, STATE_COOKIE, platform_origin, state_cookie, storage_key
from .tool_config import DatabaseToolConf

LTI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
# Platforms sign with RSA (the LTI security framework names RS256); never `none` or HMAC,
# which would let anyone holding our copy of the platform's public key forge a launch.
SIGNING_ALGS = ("RS256", "RS384", "RS512")
MAX_ID_TOKEN_BYTES = 64 * 1024
_key_lock = threading.Lock()
# Platform JWKs already turned into key objects. The library converts the JWK to PEM on every
# launch and PyJWT parses the PEM again (~0.5 ms, as much as the signature check); a JWK always
# gives the same key. Looked up by the JWK itself, found in the TTL-cached key set, so a key the
# platform stops publishing stops verifying when the key set is refetched.
_key_objects: dict[str, object] = {}


class _MessageLaunch(FlaskMessageLaunch):
    jwks_ttl = 3600
    refetch_interval = 30
    leeway = 5
    tool_url = ""

    def check_header(self):
        """Refuse unsigned or HMAC tokens and tokens naming no key before any JWKS fetch."""
        header = self._jwt.get("header")
        if not isinstance(header, dict) or not isinstance(self._jwt.get("body"), dict):
            raise LaunchError("The id_token is not a JSON Web Token.")
        alg = header.get("alg")
        if alg not in SIGNING_ALGS:
            raise LaunchError(f"The id_token is signed with {alg or 'no'} algorithm; "
                              f"Rapport accepts only {', '.join(SIGNING_ALGS)}.", 401)
        if not header.get("kid"):
            raise LaunchError("The id_token header names no key (kid), so its signature cannot be checked.", 401)
        return self

    def get_client_id(self):
        """With `aud` as a list, `azp` names the client and must be one of the audiences."""
        body = self._jwt.get("body", {})
        aud, azp = body.get("aud"), body.get("azp")
        if isinstance(aud, list):
            if not azp or azp not in aud:
                raise LaunchError("The id_token has several audiences but no matching azp claim.", 401)
            return azp
        if azp is not None and azp != aud:
            raise LaunchError("The id_token's azp does not match its audience.", 401)
        return aud

    def fetch_public_key(self, key_set_url):
        # Shared by every host (Redis when configured): a class launching together costs one fetch.
        if not getattr(self, "_refetch", False):
            hit = shared_state.cache_get("jwks", key_set_url)
            if hit is not None:
                return json.loads(hit)
        jwks = super().fetch_public_key(key_set_url)
        shared_state.cache_set("jwks", key_set_url, json.dumps(jwks), self.jwks_ttl)
        return jwks

    def _public_key_from_set(self):
        """The library's get_public_key (same checks and messages), returning a cached key object."""
        key_set = self._registration.get_key_set()
        if not key_set:
            url = self._registration.get_key_set_url() or ""
            if not url.startswith(("http://", "https://")):
                raise LtiKeyException("The public key set URL is invalid: " + url)
            key_set = self.fetch_public_key(url)
            self._registration.set_key_set(key_set)
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if not kid:
            raise LtiKeyException("JWT KID not found")
        if not alg:
            raise LtiKeyException("JWT ALG not found")
        for key in (key_set.get("keys") or []) if isinstance(key_set, dict) else []:
            if isinstance(key, dict) and key.get("kid") == kid and key.get("alg", "RS256") == alg:
                return _key_object(key), alg
        raise LtiKeyException("Unable to find public key")

    def get_public_key(self):
        """An unknown kid refetches the platform JWKS once (key rotation), then gives up; and at
        most once per `refetch_interval` seconds per key set, on every host, so a flood of launches
        naming made-up kids cannot make Rapport hammer the platform."""
        try:
            return self._public_key_from_set()
        except LtiException as exc:
            if "Unable to find public key" not in str(exc):
                raise
            url = self._registration.get_key_set_url() or ""
            if url and not shared_state.cache_add("jwks-refetch", url, "1", self.refetch_interval):
                self._explain_key_mismatch()
                raise LaunchError("The id_token is signed with a key the platform does not publish (its key set "
                                  f"was fetched again less than {self.refetch_interval} s ago).", 401) from exc
            self._registration.set_key_set(None)
            self._refetch = True
            try:
                return self._public_key_from_set()
            except LtiException as again:
                self._explain_key_mismatch()
                raise LaunchError("The id_token is signed with a key the platform does not publish.", 401) from again
            finally:
                self._refetch = False

    def _explain_key_mismatch(self):
        """A published kid used with another algorithm (RS512 against an RS256 key) says so."""
        header = self._jwt["header"]
        for key in (self._registration.get_key_set() or {}).get("keys", []):
            if key.get("kid") == header.get("kid"):
                raise LaunchError(f"The id_token is signed with {header.get('alg')}, but the platform publishes "
                                  f"key {key.get('kid')} for {key.get('alg', 'RS256')}.", 401)

    def validate_jwt_signature(self):
        public_key, alg = self.get_public_key()
        try:
            jwt.decode(self._get_id_token(), public_key, algorithms=[alg], leeway=self.leeway,
                       options={"verify_aud": False, "require": ["exp", "iat", "iss", "aud"]})
        except jwt.ExpiredSignatureError as exc:
            raise LaunchError("The launch has expired. Please launch again from your course.", 401) from exc
        except jwt.ImmatureSignatureError as exc:
            raise LaunchError("The id_token was issued in the future (iat); check the platform's clock.", 401) from exc
        except jwt.MissingRequiredClaimError as exc:
            raise LaunchError(f"The id_token is missing the required claim: {exc.claim}.", 401) from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchError(f"The id_token could not be verified: {exc}.", 401) from exc
        return self

    def consume_state_and_nonce(self):
        """The state row must exist, be fresh and unused, and carry this token's nonce."""
        state = self._get_request_param("state")
        if not state:
            raise LaunchError("The launch has no state parameter.")
        ours = [k for k in flask_request.cookies if k.startswith(COOKIE_PREFIX + STATE_COOKIE + "-")]
        if ours and COOKIE_PREFIX + state_cookie(state) not in ours:
            # Cookies reach us, and this browser started other logins but not this one.
            raise LaunchError("This launch was started in another browser window.", 401)
        nonce = self._get_jwt_body().get("nonce")
        if not nonce:
            raise LaunchError("The id_token has no nonce.", 401)
        # Single use on every host at once (shared_state: Redis GETDEL, else one conditional UPDATE
        # that the launch's service commits with the user, link and attempt: one transaction).
        # A Platform Storage login also needs the value it stored, read back in this browser.
        value = self._get_request_param("rapport_storage_value") or None
        checked = self._get_request_param("rapport_storage") == "unavailable"
        check = shared_state.consume_launch_state(
            state, nonce, self._registration.platform.id, storage_value=value, storage_checked=checked,
            cookie_ok=COOKIE_PREFIX + state_cookie(state) in ours)
        if check.needs_storage:
            raise StorageCheckNeeded(check.storage_target, platform_origin(self._registration.platform.auth_login_url),
                                     storage_key(state))
        if not check.ok and check.storage_target:
            if value is not None:
                raise LaunchError("This launch was started in another browser: your LMS does not hold this "
                                  "login's check in this browser. Please launch again from your course.", 401)
            raise LaunchError("Your LMS could not confirm that this launch started in this browser (its storage "
                              "did not answer and this browser blocks the cookie Rapport set at login). "
                              "Please launch again from your course.", 401)
        if not check.ok:
            raise LaunchError("This launch was already used or has expired (nonce or state not valid). "
                              "Please launch again from your course.", 401)
        return self

    def check_message_claims(self):
        """Clear messages for what the library's validators would crash on or word vaguely."""
        body = self._get_jwt_body()
        kind = body.get(LTI_CLAIM + "message_type")
        if kind not in MESSAGE_TYPES:
            raise LaunchError(f"Rapport handles {' and '.join(MESSAGE_TYPES)} messages; this launch's "
                              f"message_type is {kind!r}.")
        version = body.get(LTI_CLAIM + "version")
        if version != "1.3.0":
            raise LaunchError(f"This launch is LTI version {version!r}; Rapport speaks LTI 1.3.0.")
        if kind == "LtiResourceLinkRequest":
            link = body.get(LTI_CLAIM + "resource_link")
            if not isinstance(link, dict) or not link.get("id"):
                raise LaunchError("This launch names no resource link, so Rapport cannot tell which assignment to open.")
        if not body.get("sub") or not isinstance(body.get("sub"), str):
            raise LaunchError("This launch has no user (sub claim). Anonymous launches are not supported.")
        roles = body.get(LTI_CLAIM + "roles")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise LaunchError("This launch has no roles claim (a list, empty when the user has no role here).")
        self.check_target_link_uri(body.get(LTI_CLAIM + "target_link_uri"))
        return self

    def check_target_link_uri(self, target):
        """The platform must have meant this launch for us: same origin, under our base path.

        Without this, an id_token a platform minted for another tool it hosts (same issuer,
        client_id and keys in a shared registration) would open a Rapport session.
        """
        if not isinstance(target, str) or not target:
            raise LaunchError("This launch has no target_link_uri, so Rapport cannot tell it was meant for it.")
        ours, theirs = urlsplit(self.tool_url), urlsplit(target)
        same_origin = (theirs.scheme.lower(), (theirs.netloc or "").lower()) == (ours.scheme.lower(), ours.netloc.lower())
        base_path = ours.path.rstrip("/")
        if not same_origin or not (theirs.path == base_path or theirs.path.startswith(base_path + "/")
                                   or (not base_path and not theirs.path)):
            raise LaunchError(f"This launch was meant for another tool: its target_link_uri ({target[:200]}) "
                              f"is not under {self.tool_url}.", 403)

    def validate(self):
        self._validated = True
        try:
            (self.validate_jwt_format().check_header().validate_registration().validate_jwt_signature()
             .validate_deployment().check_message_claims().validate_message().consume_state_and_nonce())
        except Exception:
            self._validated = False
            raise
        return self


def _key_object(jwk: dict):
    cache_key = json.dumps(jwk, sort_keys=True)
    with _key_lock:
        obj = _key_objects.get(cache_key)
    if obj is None:
        try:
            obj = RSAAlgorithm.from_jwk(jwk)
        except (ValueError, TypeError, KeyError, jwt.InvalidKeyError) as exc:
            raise LtiKeyException("Can't convert JWT key to PEM format") from exc
        with _key_lock:
            if len(_key_objects) > 256:  # platforms rotate keys; never grow without bound
                _key_objects.clear()
            _key_objects[cache_key] = obj
    return obj


def validate_launch(form: dict, *, tool_url: str, jwks_ttl: int, leeway: int, refetch_interval: int = 30) -> Launch:
    """Return the validated Launch, or raise LaunchError with a message a person can act on.

    `tool_url` is Rapport's base URL: the token's target_link_uri must be under it.
    """
    token = form.get("id_token")
    if not token:
        raise LaunchError("The launch request has no id_token.")
    if len(token) > MAX_ID_TOKEN_BYTES:
        raise LaunchError(f"The id_token is larger than {MAX_ID_TOKEN_BYTES // 1024} KB; no platform sends one that big.", 413)
    launch = _MessageLaunch(FlaskRequest(request_data=form), DatabaseToolConf())
    launch.jwks_ttl, launch.leeway, launch.tool_url = jwks_ttl, leeway, tool_url
    launch.refetch_interval = refetch_interval
    launch.set_auto_validation(False)
    try:
        launch.validate()
    except LaunchError:
        raise
    except LtiException as exc:
        msg = str(exc)
        if "Registration not found" in msg or "Client id not registered" in msg:
            raise LaunchError("No platform is registered with Rapport for this issuer and client_id.", 403) from exc
        if "deployment" in msg.lower():
            raise LaunchError(msg, 403) from exc
        if "public key" in msg.lower() or "KID" in msg:
            raise LaunchError("The id_token is signed with a key the platform does not publish.", 401) from exc
        raise LaunchError(f"The launch is not valid: {msg}", 400) from exc
    body = launch._jwt["body"]
    return Launch.from_claims(body, launch.get_client_id())
