"""LTI Deep Linking 2.0: read the request's settings, sign the LtiDeepLinkingResponse.

Platform quirks handled here (tests/fixtures/*/README.md):
- Moodle 4.5 sends no `data` and accepts only ltiResourceLink; its AGS claim has `lineitems`
  but no `lineitem`. It ignores `lineItem.label` (the grade item takes the item's title), so
  the label always equals the title.
- Canvas (assignment_selection) sends no `data` and no `accept_lineitem`, keeps its state in
  the return URL's own `?data=` (posted back to unchanged), and requires
  `lineItem.scoreMaximum`. `accept_multiple` is false: one item only.
The `data` claim is echoed only when the request had one; its value is returned verbatim.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from pylti1p3.deep_link import DeepLink

from ..models import Platform
from .errors import LaunchError
from .launch_data import Launch
from .tool_config import registration_for

DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
RESOURCE_LINK = "ltiResourceLink"
# The content item's custom parameter that ties the platform's link to Rapport's assignment.
ASSIGNMENT_PARAM = "rapport_assignment"
RESPONSE_TTL = 600


@dataclass(frozen=True)
class DeepLinkSettings:
    return_url: str
    accept_multiple: bool
    accept_lineitem: bool
    has_data: bool
    data: object
    title: str | None
    targets: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"return_url": self.return_url, "accept_multiple": self.accept_multiple,
                "accept_lineitem": self.accept_lineitem, "has_data": self.has_data, "data": self.data,
                "title": self.title, "targets": list(self.targets)}

    @classmethod
    def from_dict(cls, d: dict) -> "DeepLinkSettings":
        return cls(d["return_url"], bool(d["accept_multiple"]), bool(d["accept_lineitem"]), bool(d["has_data"]),
                   d.get("data"), d.get("title"), tuple(d.get("targets") or ()))


def _flag(value, default: bool) -> bool:
    # The spec says booleans; some platforms send "true"/"false".
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def settings_of(launch: Launch) -> DeepLinkSettings:
    """The request's deep_linking_settings, checked; LaunchError says what is wrong."""
    s = launch.deep_linking
    if not isinstance(s, dict):
        raise LaunchError("This deep-linking request has no deep_linking_settings claim, so Rapport cannot tell "
                          "where to send the new activity.")
    url = s.get("deep_link_return_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc:
        raise LaunchError("This deep-linking request has no usable deep_link_return_url.")
    accept = s.get("accept_types")
    accept = [accept] if isinstance(accept, str) else list(accept or [])
    if RESOURCE_LINK not in accept:
        raise LaunchError("This LMS placement does not accept LTI resource links (accept_types: "
                          f"{', '.join(map(str, accept)) or 'none'}); add Rapport as an activity or assignment instead.")
    targets = s.get("accept_presentation_document_targets") or []
    return DeepLinkSettings(
        return_url=url,
        accept_multiple=_flag(s.get("accept_multiple"), True),
        # Absent (Canvas, Moodle) means "not said": platforms that ignore a lineItem ignore it harmlessly.
        accept_lineitem=_flag(s.get("accept_lineitem"), True),
        has_data="data" in s,
        data=s.get("data"),
        title=s.get("title") or None,
        targets=tuple(t for t in targets if isinstance(t, str)),
    )


def resource_link_item(*, url: str, title: str, score_maximum: float, resource_id: str, tag: str,
                       custom: dict[str, str], with_lineitem: bool, text: str | None = None) -> dict:
    """An ltiResourceLink content item with its line item (Canvas requires scoreMaximum)."""
    item: dict = {"type": RESOURCE_LINK, "title": title, "url": url, "custom": dict(custom)}
    if text:
        item["text"] = text
    if with_lineitem:
        # label = title: Moodle names the grade item after the title whatever the label says.
        item["lineItem"] = {"scoreMaximum": score_maximum, "label": title, "resourceId": resource_id, "tag": tag}
    return item


def response_jwt(platform: Platform, deployment_id: str, settings: DeepLinkSettings, items: list[dict]) -> str:
    """The signed LtiDeepLinkingResponse: iss = our client_id, aud = the platform issuer,
    iat/exp, a nonce, the deployment, the content items, and `data` only if the request had it."""
    registration = registration_for(platform)
    link = DeepLink(registration, deployment_id, {"deep_link_return_url": settings.return_url})

    class _Item:  # pylti1p3 only calls to_dict()
        def __init__(self, d):
            self._d = d

        def to_dict(self):
            return self._d

    message = link.get_message_jwt([_Item(i) for i in items])
    message["aud"] = platform.issuer
    message["exp"] = message["iat"] + RESPONSE_TTL
    message.pop(DL_DATA, None)
    if settings.has_data:
        message[DL_DATA] = settings.data
    return link.encode_jwt(message)
