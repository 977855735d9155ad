"""LTI Dynamic Registration (1EdTech LTI-DR 1.0) and the Canvas developer-key JSON.

The library has no usable flow for this (pylti1p3next omits the registration token on the
OpenID-configuration request, which Canvas requires), so Rapport speaks the protocol itself:

1. fetch the platform's OpenID configuration with `Authorization: Bearer <registration_token>`;
2. validate it (issuer vs the configuration URL, endpoints, Canvas's one issuer for everyone);
3. POST the tool's registration to `registration_endpoint` with the same token;
4. read `client_id` and `deployment_id` (top level in Canvas, inside the tool configuration in Moodle).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_EXT = "https://canvas.instructure.com/lti/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# What Rapport asks for, with the words shown to the admin on the confirmation page.
SCOPES = {
    AGS + "lineitem": "create and manage grade columns (Assignment and Grade Services)",
    AGS + "score": "send scores to the gradebook",
    AGS + "result.readonly": "read back gradebook results, to check delivery",
    NRPS: "read the course roster (Names and Role Provisioning Services)",
}
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]
# Custom parameters carrying the student's due date, sent only where the platform lists the variable.
DUE_DATE_CUSTOM = {"due_at": "$Canvas.assignment.dueAt.iso8601",
                   "submission_end": "$ResourceLink.submission.endDateTime"}
# Canvas quirk: one issuer for every hosted customer; the configuration comes from the school's domain.
CANVAS_ISSUERS = {"https://canvas.instructure.com", "https://canvas.beta.instructure.com",
                  "https://canvas.test.instructure.com"}
CANVAS_HOST_SUFFIXES = (".instructure.com", ".canvaslms.com")
CANVAS_PLACEMENTS = ("assignment_selection", "link_selection")
TIMEOUT = 15
MAX_BYTES = 512 * 1024


class RegistrationError(Exception):
    """A registration we cannot go on with. `message` is for the admin and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_loopback(host: str | None) -> bool:
    """localhost, *.localhost or a loopback address: where plain http is acceptable (a lab platform)."""
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin(url: str) -> str:
    p = urlsplit(url)
    default = {"https": 443, "http": 80}.get(p.scheme)
    port = f":{p.port}" if p.port and p.port != default else ""
    return f"{p.scheme}://{(p.hostname or '').lower()}{port}"


def check_platform_url(url, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise RegistrationError(f"The platform's configuration has no {what}.")
    try:
        p = urlsplit(url)
        p.port  # noqa: B018 - a bad port raises
    except ValueError:
        raise RegistrationError(f"The platform's {what} is not a valid URL: {url}") from None
    if p.scheme not in ("http", "https") or not p.hostname:
        raise RegistrationError(f"The platform's {what} is not a web address: {url}")
    if p.scheme == "http" and not is_loopback(p.hostname):
        raise RegistrationError(f"The platform's {what} uses plain http ({url}); Rapport registers only with "
                                "platforms served over https.")
    return url


@dataclass
class PlatformConfiguration:
    """The validated parts of a platform's OpenID configuration."""

    configuration_url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product_family: str
    version: str
    scopes_supported: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    placements: list[str] = field(default_factory=list)
    authorization_server: str | None = None

    @property
    def is_canvas(self) -> bool:
        return self.product_family == "canvas"

    @property
    def is_moodle(self) -> bool:
        return self.product_family == "moodle"

    @property
    def display_name(self) -> str:
        names = {"canvas": "Canvas", "moodle": "Moodle"}
        return names.get(self.product_family, self.product_family or "your platform")

    def unsupported_scopes(self) -> list[str]:
        if not self.scopes_supported:
            return []
        return [s for s in SCOPES if s not in self.scopes_supported]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def fetch_configuration(configuration_url: str, registration_token: str | None,
                        session: requests.Session | None = None) -> dict:
    """GET the OpenID configuration with the registration token as Bearer (Canvas requires it)."""
    check_platform_url(configuration_url, "openid_configuration URL")
    headers = {"Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        resp = (session or requests).get(configuration_url, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise RegistrationError(f"Rapport could not reach the platform's configuration at {configuration_url} "
                                f"({exc.__class__.__name__}). Check that this server can reach the platform.") from exc
    if resp.status_code != 200:
        raise RegistrationError(f"The platform answered HTTP {resp.status_code} for its configuration "
                                f"({configuration_url}). The registration link may have expired: start the "
                                "registration again from the platform.")
    if len(resp.content) > MAX_BYTES:
        raise RegistrationError("The platform's configuration is larger than Rapport accepts.")
    try:
        data = resp.json()
    except ValueError:
        raise RegistrationError(f"The platform's configuration at {configuration_url} is not JSON.") from None
    if not isinstance(data, dict):
        raise RegistrationError("The platform's configuration is not a JSON object.")
    return data


def validate_configuration(configuration_url: str, data: dict) -> PlatformConfiguration:
    """Check the configuration against the URL it came from; refuse what cannot be right."""
    issuer = data.get("issuer")
    check_platform_url(issuer, "issuer")
    lti = data.get(PLATFORM_CONFIG) if isinstance(data.get(PLATFORM_CONFIG), dict) else {}
    family = str(lti.get("product_family_code") or "").strip().lower()
    endpoints = {name: check_platform_url(data.get(name), name.replace("_", " "))
                 for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")}
    config_origin = origin(configuration_url)
    if issuer.rstrip("/") in CANVAS_ISSUERS:
        # Canvas: the configuration is served by the school's Canvas (its own domain) but the
        # issuer is Instructure's shared one; the keys and token endpoint are Instructure's.
        if family != "canvas":
            raise RegistrationError(f"The configuration claims Canvas's issuer {issuer} but is not from Canvas.")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            host = urlsplit(endpoints[name]).hostname or ""
            if not host.endswith(CANVAS_HOST_SUFFIXES):
                raise RegistrationError(f"The configuration claims Canvas's issuer but its {name.replace('_', ' ')} "
                                        f"is not an Instructure address ({endpoints[name]}).")
        # (The school's own domain may be a vanity one, canvas.example.edu, so it is not checked.)
    elif origin(issuer) != config_origin:
        raise RegistrationError(f"The platform's issuer ({issuer}) does not match the site its configuration came "
                                f"from ({config_origin}). Start the registration from the platform itself.")
    if origin(endpoints["registration_endpoint"]) != config_origin:
        raise RegistrationError(f"The platform's registration endpoint ({endpoints['registration_endpoint']}) is on "
                                f"another site than its configuration ({config_origin}).")
    messages = lti.get("messages_supported") if isinstance(lti.get("messages_supported"), list) else []
    placements = sorted({p for m in messages if isinstance(m, dict) for p in (m.get("placements") or [])
                         if isinstance(p, str)})
    return PlatformConfiguration(
        configuration_url=configuration_url, issuer=issuer, product_family=family,
        version=str(lti.get("version") or ""),
        scopes_supported=[s for s in data.get("scopes_supported") or [] if isinstance(s, str)],
        variables=[v for v in lti.get("variables") or [] if isinstance(v, str)], placements=placements,
        authorization_server=data.get("authorization_server") if isinstance(data.get("authorization_server"), str) else None,
        **endpoints)


def tool_urls(base_url: str) -> dict:
    return {"login": f"{base_url}/lti/login", "launch": f"{base_url}/lti/launch", "jwks": f"{base_url}/lti/jwks",
            "canvas_json": f"{base_url}/lti/canvas.json"}


def custom_parameters(config: PlatformConfiguration) -> dict:
    """Due-date parameters whose variable the platform says it can expand (Moodle lists neither)."""
    return {name: var for name, var in DUE_DATE_CUSTOM.items() if var[1:] in config.variables}


def registration_request(base_url: str, config: PlatformConfiguration, *, client_name: str = "Rapport") -> dict:
    """The client registration Rapport POSTs, shaped for the platform it goes to."""
    urls = tool_urls(base_url)
    domain = urlsplit(base_url).netloc
    tool = {
        "domain": domain,
        "target_link_uri": urls["launch"],
        "description": "Therapeutic-alliance assessments for nursing programmes, graded back to the gradebook.",
        "claims": CLAIMS,
        "custom_parameters": custom_parameters(config),
    }
    if config.is_canvas:
        tool["messages"] = [{
            "type": "LtiDeepLinkingRequest", "target_link_uri": urls["launch"],
            "label": "Rapport assessment" if placement == "assignment_selection" else "Rapport practice set",
            "placements": [CANVAS_EXT + placement],
            "custom_parameters": {"placement": placement},
            CANVAS_EXT + "launch_width": 1000, CANVAS_EXT + "launch_height": 700,
        } for placement in CANVAS_PLACEMENTS]
        tool[CANVAS_EXT + "privacy_level"] = "public"
        tool[CANVAS_EXT + "tool_id"] = "rapport"
    else:
        message = {"type": "LtiDeepLinkingRequest", "target_link_uri": urls["launch"], "label": "Rapport assessment"}
        if "ContentArea" in config.placements:
            message["placements"] = ["ContentArea"]
        tool["messages"] = [message]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["login"],
        "redirect_uris": [urls["launch"]],
        "client_name": client_name,
        "jwks_uri": urls["jwks"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIG: tool,
    }


@dataclass
class RegistrationResult:
    client_id: str
    deployment_id: str | None
    scope: str
    response: dict
    # RFC 7592's address of this registration at the platform (Canvas sends it; Moodle does not).
    registration_client_uri: str | None = None


def register(config: PlatformConfiguration, registration_token: str | None, body: dict,
             session: requests.Session | None = None) -> RegistrationResult:
    """POST the registration; read client_id and the deployment id wherever the platform put it."""
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        resp = (session or requests).post(config.registration_endpoint, json=body, headers=headers, timeout=TIMEOUT,
                                          allow_redirects=False)
    except requests.RequestException as exc:
        raise RegistrationError(f"Rapport could not reach the platform's registration endpoint "
                                f"({exc.__class__.__name__}).") from exc
    if resp.status_code not in (200, 201):
        detail = " ".join((resp.text or "").split())[:300]
        raise RegistrationError(f"{config.display_name} refused the registration (HTTP {resp.status_code}"
                                f"{': ' + detail if detail else ''}). The registration link may have expired or "
                                "been used: start again from the platform.")
    try:
        data = resp.json()
    except ValueError:
        raise RegistrationError("The platform's answer to the registration is not JSON.") from None
    client_id = data.get("client_id") if isinstance(data, dict) else None
    if not isinstance(client_id, str) and not isinstance(client_id, int) or client_id == "":
        raise RegistrationError("The platform's answer to the registration has no client_id.")
    tool = data.get(TOOL_CONFIG) if isinstance(data.get(TOOL_CONFIG), dict) else {}
    # Canvas: top level (only when it created the deployment); Moodle: inside the tool configuration.
    deployment = data.get("deployment_id") or tool.get("deployment_id")
    return RegistrationResult(client_id=str(client_id), deployment_id=str(deployment) if deployment else None,
                              scope=str(data.get("scope") or ""), response=data,
                              registration_client_uri=_client_uri(data.get("registration_client_uri"), config))


def _client_uri(raw, config: PlatformConfiguration) -> str | None:
    """The registration's own URI, kept only when it is an https URL (http on loopback) on a host
    of the platform's, at most 1024 characters; anything else is ignored, never an error."""
    if not isinstance(raw, str) or len(raw) > 1024:
        return None
    parts = urlsplit(raw)
    if not parts.hostname or (parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname))):
        return None
    return raw


def canvas_developer_key(base_url: str) -> dict:
    """The JSON an admin pastes into Canvas (Developer Keys > + LTI Key > Paste JSON)."""
    urls = tool_urls(base_url)
    placements = [{
        "placement": placement, "message_type": "LtiDeepLinkingRequest", "target_link_uri": urls["launch"],
        "text": "Rapport assessment" if placement == "assignment_selection" else "Rapport practice set",
        "selection_height": 700, "selection_width": 1000, "custom_fields": {"placement": placement},
    } for placement in CANVAS_PLACEMENTS]
    return {
        "title": "Rapport",
        "description": "Therapeutic-alliance assessments for nursing programmes, graded back to the gradebook.",
        "oidc_initiation_url": urls["login"],
        "target_link_uri": urls["launch"],
        "public_jwk_url": urls["jwks"],
        "scopes": list(SCOPES),
        "extensions": [{
            "domain": urlsplit(base_url).hostname,
            "tool_id": "rapport",
            "platform": "canvas.instructure.com",
            "privacy_level": "public",
            "settings": {"text": "Rapport", "selection_height": 700, "selection_width": 1000,
                         "placements": placements},
        }],
        "custom_fields": dict(DUE_DATE_CUSTOM),
    }
