"""`Launch`: what the rest of Rapport knows of a validated LTI message."""
from __future__ import annotations

from dataclasses import dataclass, field

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
# Mentor (observer) is deliberately absent: observers neither take nor manage assignments.
_STAFF = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}
TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"


def membership_roles(roles: list[str]) -> set[str]:
    """Context (membership) roles only, as short names.

    Canvas adds institution roles earned anywhere in the account (an admin who is a
    student here gets institution/person#Administrator), so those are ignored.
    """
    out = set()
    for role in roles or []:
        if role.startswith(MEMBERSHIP):
            rest = role[len(MEMBERSHIP):]
            out.add(rest)
        elif role.startswith("http://purl.imsglobal.org/vocab/lis/v2/membership/"):
            # membership/Instructor#TeachingAssistant
            out.add(role.rsplit("#", 1)[-1])
        elif "/" not in role and "#" not in role:
            out.add(role)  # LTI 1.1-style short context role ("Learner")
    return out


@dataclass(frozen=True)
class Launch:
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None
    context_id: str | None = None
    context_title: str | None = None
    context_label: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    lineitem_url: str | None = None
    lineitems_url: str | None = None
    ags_scopes: tuple[str, ...] = ()
    memberships_url: str | None = None
    custom: dict = field(default_factory=dict)
    deep_linking: dict | None = None
    return_url: str | None = None

    @classmethod
    def from_claims(cls, claims: dict, client_id: str) -> "Launch":
        ctx = claims.get(LTI + "context") or {}
        rl = claims.get(LTI + "resource_link") or {}
        ags = claims.get(AGS) or {}
        nrps = claims.get(NRPS) or {}
        custom = claims.get(LTI + "custom") or {}
        pres = claims.get(LTI + "launch_presentation") or {}
        return cls(
            issuer=claims["iss"],
            client_id=client_id,
            deployment_id=claims.get(LTI + "deployment_id"),
            message_type=claims.get(LTI + "message_type"),
            sub=str(claims.get("sub") or ""),
            roles=tuple(claims.get(LTI + "roles") or ()),
            name=claims.get("name") or " ".join(
                p for p in (claims.get("given_name"), claims.get("family_name")) if p) or None,
            email=claims.get("email"),
            context_id=str(ctx["id"]) if ctx.get("id") is not None else None,
            context_title=ctx.get("title"),
            context_label=ctx.get("label"),
            resource_link_id=str(rl["id"]) if rl.get("id") is not None else None,
            resource_link_title=rl.get("title"),
            lineitem_url=ags.get("lineitem"),
            lineitems_url=ags.get("lineitems"),
            ags_scopes=tuple(ags.get("scope") or ()),
            # Moodle puts the NRPS URL in custom when it sends no NRPS claim.
            memberships_url=nrps.get("context_memberships_url") or custom.get("context_memberships_url"),
            custom=dict(custom),
            deep_linking=claims.get(DL),
            return_url=pres.get("return_url"),
        )

    @property
    def context_roles(self) -> set[str]:
        return membership_roles(list(self.roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.context_roles & _STAFF)

    @property
    def is_learner(self) -> bool:
        # An empty roles array is how the spec says "no particular role here"; such a user may
        # practise as a learner. Institution-only roles (an unenrolled Canvas admin) stay refused.
        return not self.is_staff and ("Learner" in self.context_roles or not self.roles)

    @property
    def is_test_user(self) -> bool:
        return TEST_USER in self.roles
