"""Deep linking: an instructor builds an assignment in Rapport and returns it to the LMS.

The deep-linking launch is recorded (user, course) and its settings travel in a signed,
short-lived token (`dl`) in the builder's form: the iframe has no cookies, and the token
binds the return URL, the `data` to echo and the course to this one launch. The assignment
is saved before the platform creates its resource link; the first launch of that link binds
it (custom parameter `rapport_assignment`, see services.launches).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..launch_token import TokenError
from ..lti import Launch, LaunchError
from ..lti.deep_linking import ASSIGNMENT_PARAM, DeepLinkSettings, resource_link_item, response_jwt, settings_of
from ..lti.tool_config import find_deployment, find_platform
from ..models import Assignment, Context, Deployment, User
from . import assignments
from .launches import lms_due_date_param, upsert

SALT = "rapport.deep-link.v1"
DL_TOKEN_TTL = 2 * 3600  # time to build an assignment


@dataclass(frozen=True)
class DeepLinkSession:
    user_id: int
    context_id: int
    deployment_id: int
    settings: DeepLinkSettings
    lms_sends_due_date: bool = False


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def issue(s: DeepLinkSession) -> str:
    return _serializer().dumps([s.user_id, s.context_id, s.deployment_id, s.settings.to_dict(), s.lms_sends_due_date])


def load(raw: str | None) -> DeepLinkSession:
    if not raw:
        raise TokenError("This page needs a launch from your course. Please choose \"Select content\" or "
                         "add the activity from your LMS again.")
    try:
        user_id, context_id, deployment_id, settings, due = _serializer().loads(raw, max_age=DL_TOKEN_TTL)
    except SignatureExpired as exc:
        raise TokenError("This activity builder has expired. Please add the activity from your course again.") from exc
    except BadSignature as exc:
        raise TokenError("This request's deep-linking token is not valid.") from exc
    return DeepLinkSession(user_id, context_id, deployment_id, DeepLinkSettings.from_dict(settings), due)


def begin(launch: Launch) -> DeepLinkSession:
    """Record the deep-linking launch; only staff of this course may build an activity. Commits."""
    settings = settings_of(launch)
    if not launch.context_id:
        raise LaunchError("This deep-linking request names no course (context claim missing).")
    if not launch.is_staff:
        raise LaunchError("Only instructors of this course can add Rapport activities.", 403)
    platform = find_platform(launch.issuer, launch.client_id)
    deployment = find_deployment(platform, launch.deployment_id)
    user = upsert(User, platform_id=platform.id, sub=launch.sub)
    user.name, user.email = launch.name or user.name, launch.email or user.email
    context = upsert(Context, deployment_id=deployment.id, context_id=launch.context_id)
    context.title = launch.context_title or context.title
    context.label = launch.context_label or context.label
    context.memberships_url = launch.memberships_url or context.memberships_url
    db.session.commit()
    # Canvas: the custom due_at variable is "$Canvas.assignment.dueAt.iso8601" while unexpandable, but
    # once the assignment exists it arrives with each launch.
    due = lms_due_date_param(launch.custom)
    return DeepLinkSession(user.id, context.id, deployment.id, settings, due)


def context_of(s: DeepLinkSession) -> Context:
    context = db.session.get(Context, s.context_id)
    if context is None or context.deployment_id != s.deployment_id:
        raise TokenError("This deep-linking token names a course Rapport does not know.")
    return context


def new_assignment(s: DeepLinkSession) -> Assignment:
    """An unsaved assignment for the builder to fill; not linked to any resource link yet."""
    return Assignment(context_id=s.context_id, title=s.settings.title or "Therapeutic alliance practice",
                      blueprint=None, attempts_allowed=1, grading_method="highest",
                      feedback_policy="after_submit", points_possible=10.0, shuffle_options=True,
                      time_limit_minutes=None)


def create(s: DeepLinkSession, settings: assignments.Settings) -> Assignment:
    """Validate and save the built assignment (no resource link yet). Commits."""
    context_of(s)
    assignment = new_assignment(s)
    assignments.save(assignment, settings, lms_sends_due_date=s.lms_sends_due_date)
    return assignment


def response(s: DeepLinkSession, assignment: Assignment, tool_url: str) -> tuple[str, str]:
    """(deep_link_return_url, signed JWT) for the auto-posting form."""
    deployment = db.session.get(Deployment, s.deployment_id)
    if assignment.context_id != s.context_id:
        raise TokenError("This assignment belongs to another course.")
    item = resource_link_item(
        url=tool_url.rstrip("/") + "/lti/launch", title=assignment.title,
        score_maximum=float(assignment.points_possible), resource_id=assignment.public_id, tag="rapport",
        custom={ASSIGNMENT_PARAM: assignment.public_id,
                # Canvas expands these per student once the assignment exists (rationales after the due date).
                "due_at": "$Canvas.assignment.dueAt.iso8601"} if _is_canvas(deployment) else
               {ASSIGNMENT_PARAM: assignment.public_id},
        with_lineitem=s.settings.accept_lineitem,
        text=assignments.blueprint_label(assignment.blueprint))
    return s.settings.return_url, response_jwt(deployment.platform, deployment.deployment_id, s.settings, [item])


def _is_canvas(deployment: Deployment) -> bool:
    return "instructure.com" in (deployment.platform.issuer or "")
