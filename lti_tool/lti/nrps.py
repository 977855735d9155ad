"""Names and Role Provisioning Services: the course roster, every page (Link: rel="next").

Quirks (tests/fixtures/*/README.md): Moodle gives short roles ("Learner", "Instructor"), an
empty lis_person_sourcedid and no Link header; Canvas gives full role URIs (institution
roles too, which never count here) and pages with Link headers.
"""
from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.names_roles import NamesRolesProvisioningService

from ..models import Platform
from .ags import TenantServiceConnector, _describe, _TimeoutSession
from .launch_data import _STAFF, membership_roles
from .platform_errors import PlatformError
from .tool_config import registration_for

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
NRPS_FIX = ("Check that the tool's Names and Role Provisioning service is enabled for this course (Moodle: "
            "\"IMS LTI Names and Role Provisioning\"; Canvas: the developer key's names and roles scope).")
MAX_PAGES = 200  # a platform whose "next" never ends must not hang the page


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str | None
    email: str | None
    roles: tuple[str, ...]  # short context roles: Learner, Instructor, TeachingAssistant, ...
    status: str  # Active | Inactive | Deleted

    @property
    def is_staff(self) -> bool:
        return bool(set(self.roles) & _STAFF)

    @property
    def is_learner(self) -> bool:
        return "Learner" in self.roles and not self.is_staff

    @property
    def role_label(self) -> str:
        labels = {"Learner": "Student", "Instructor": "Instructor", "TeachingAssistant": "Teaching assistant",
                  "ContentDeveloper": "Content developer", "Administrator": "Administrator", "Mentor": "Observer"}
        return ", ".join(labels.get(r, r) for r in self.roles) or "no role in this course"


class RosterUnavailable(Exception):
    def __init__(self, error: PlatformError):
        super().__init__(error.message)
        self.error = error


def _member(raw: dict) -> Member | None:
    uid = raw.get("user_id")
    if uid is None or str(uid) == "":
        return None
    name = raw.get("name") or " ".join(p for p in (raw.get("given_name"), raw.get("family_name")) if p) or None
    roles = raw.get("roles") or []
    short = sorted(membership_roles([r for r in roles if isinstance(r, str)]))
    # "membership/Instructor#TeachingAssistant" also sends membership#Instructor: a TA stays a TA.
    if "TeachingAssistant" in short and "Instructor" in short:
        short.remove("Instructor")
    return Member(str(uid), name, raw.get("email") or None, tuple(short), str(raw.get("status") or "Active"))


def fetch_members(platform: Platform, memberships_url: str, session=None, jwks_url: str | None = None) -> list[Member]:
    """Every member of the context, across pages; RosterUnavailable says why in one line."""
    registration = registration_for(platform)
    connector = TenantServiceConnector(registration, requests_session=session or _TimeoutSession())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": memberships_url})
    out: dict[str, Member] = {}
    url: str | None = memberships_url
    pages = 0
    try:
        while url and pages < MAX_PAGES:
            members, url = service.get_members_page(url)
            pages += 1
            for raw in members:
                m = _member(raw) if isinstance(raw, dict) else None
                if m is not None:
                    out[m.user_id] = m
    except Exception as exc:  # every failure becomes one readable line
        err = _describe(exc, registration, memberships_url, jwks_url, stage="roster")
        if err.message.startswith("score:"):  # the AGS wording: say what was asked for instead
            err = PlatformError(err.kind, "class list request:" + err.message[len("score:"):], NRPS_FIX)
        raise RosterUnavailable(err) from exc
    return list(out.values())
