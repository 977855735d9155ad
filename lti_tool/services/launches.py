"""A validated resource-link launch: find or create the user, context, resource link and assignment."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..lti import Launch, LaunchError
from ..lti.deep_linking import ASSIGNMENT_PARAM
from ..lti.tool_config import find_deployment, find_platform
from ..models import Assignment, Context, Deployment, Platform, ResourceLink, User
from ..models.base import utcnow
from .attempts import start_or_resume
from .launch_context import LaunchContext  # noqa: F401 (callers import it from here too)
from .rows import adopt, commit_keeping_loaded, insert_unless_exists, prepared

DEFAULT_BLUEPRINT = {"name": "Mixed therapeutic-alliance set", "sections": [{"filter": {}, "count": 10}]}
# Where the platform can expand them, these custom parameters carry the due date.
DUE_DATE_PARAMS = ("due_at", "submission_end", "resource_link_submission_end")
# "Last launch" on the admin pages is shown to the minute; stamping it on every launch made
# every launch of an exam start write (and, on PostgreSQL, lock) the same two rows.
LAUNCH_STAMP_INTERVAL = timedelta(minutes=1)




def _parse_due(custom: dict) -> datetime | None:
    for key in DUE_DATE_PARAMS:
        value = custom.get(key)
        # Unexpandable variables arrive literally ("$Canvas.assignment.dueAt.iso8601").
        if isinstance(value, str) and value and not value.startswith("$"):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
    return None


def lms_due_date_param(custom: dict) -> bool:
    """Whether the LMS is set up to send a due date (a due-date custom parameter with a value;
    Canvas sends the variable literally until the assignment exists, then the date)."""
    return any(isinstance(custom.get(k), str) and custom.get(k) for k in DUE_DATE_PARAMS)


def record_launch(launch: Launch, items_per_attempt: int) -> LaunchContext:
    """Upsert everything a resource-link launch names, and commit it with the login state that
    validate_launch consumed (which it leaves uncommitted). open_launch does this and opens the
    learner's attempt in the same transaction."""
    lc = _record(launch, items_per_attempt)
    commit_keeping_loaded()
    return lc


def _record(launch: Launch, items_per_attempt: int) -> LaunchContext:
    if not launch.resource_link_id:
        raise LaunchError("This launch names no resource link, so Rapport cannot tell which assignment to open.")
    if not launch.context_id:
        raise LaunchError("This launch names no course (context claim missing).")
    if not launch.is_staff and not launch.is_learner:
        raise LaunchError("Your role in this course does not give access to Rapport assignments.", 403)
    # Both were read (once) while the launch was validated.
    platform = find_platform(launch.issuer, launch.client_id)
    deployment = find_deployment(platform, launch.deployment_id)
    user, new_user = _user(platform, launch)
    link = _known_link(deployment, launch)
    if link is None:  # the first launch of this link (or course): create what is missing
        context = upsert(Context, deployment_id=deployment.id, context_id=launch.context_id)
        link = upsert(ResourceLink, context_id=context.id, resource_link_id=launch.resource_link_id)
    context = link.context
    # Only values that differ from the stored ones are set: an unchanged row stays clean, so the
    # launch's statements need no flush (in an exam start, nearly every launch changes nothing).
    _update(context, title=launch.context_title, label=launch.context_label,
            memberships_url=launch.memberships_url or context.memberships_url)
    _update(link, title=launch.resource_link_title or link.title,
            lineitem_url=launch.lineitem_url or link.lineitem_url,
            lineitems_url=launch.lineitems_url or link.lineitems_url,
            ags_scopes=list(launch.ags_scopes) or link.ags_scopes, custom=launch.custom)
    _stamp_launch(platform, deployment)
    assignment = link.assignment or _bind_built(launch, context, link)
    if assignment is None:
        # Nobody has built this link's assignment: staff see the builder; a student meanwhile
        # practises on a mixed set (configured_at stays None).
        blueprint = dict(DEFAULT_BLUEPRINT, sections=[{"filter": {}, "count": items_per_attempt}])
        assignment = Assignment(resource_link=link, context_id=context.id,
                                title=launch.resource_link_title or "Therapeutic alliance practice", blueprint=blueprint)
        db.session.add(assignment)
    if assignment.id is None or link.id is None:
        db.session.flush()  # the attempt is inserted by id
    return LaunchContext(user, context, link, assignment, launch.is_staff,
                         is_preview=launch.is_staff or launch.is_test_user,
                         due_at=_parse_due(launch.custom) or assignment.due_at, new_user=new_user)


def open_launch(launch: Launch, items_per_attempt: int, secret: str):
    """A resource-link launch, recorded in one transaction with the login state validate_launch
    consumed: the user, course, link and assignment, and for a learner the attempt to open.
    Returns (LaunchContext, Attempt or None for staff). Commits."""
    lc = _record(launch, items_per_attempt)
    if lc.is_staff:
        commit_keeping_loaded()
        return lc, None
    return lc, start_or_resume(lc, secret)


def _user(platform: Platform, launch: Launch) -> tuple[User, bool]:
    """The launching user, created if new; (user, True) when this launch created it."""
    new_id = db.session.execute(prepared("new user", _new_user), dict(
        platform_id=platform.id, sub=launch.sub, name=launch.name, email=launch.email)).scalar()
    if new_id is not None:
        return adopt(User(id=new_id, platform_id=platform.id, sub=launch.sub, name=launch.name,
                          email=launch.email)), True
    user = db.session.execute(db.select(User).filter_by(platform_id=platform.id, sub=launch.sub)).scalar_one()
    user.name, user.email = launch.name or user.name, launch.email or user.email
    return user, False


def _new_user():
    return insert_unless_exists(User.__table__).returning(User.__table__.c.id)


def _known_link(deployment: Deployment, launch: Launch) -> ResourceLink | None:
    """The link with its course and assignment, in one query."""
    return db.session.execute(
        db.select(ResourceLink).join(ResourceLink.context)
        .options(contains_eager(ResourceLink.context), joinedload(ResourceLink.assignment))
        .where(Context.deployment_id == deployment.id, Context.context_id == launch.context_id,
               ResourceLink.resource_link_id == launch.resource_link_id)).scalar_one_or_none()


def _update(row, **values) -> None:
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def _stamp_launch(*rows) -> None:
    now = utcnow()
    for row in rows:
        if row.last_launch_at is None or now - row.last_launch_at >= LAUNCH_STAMP_INTERVAL:
            row.last_launch_at = now


def _bind_built(launch: Launch, context: Context, link: ResourceLink) -> Assignment | None:
    """The assignment a deep-linking builder saved for this link (custom rapport_assignment).

    First launch of the link: bind it. The same id on another link (a course copy, a duplicated
    activity) gets its own copy of the settings, never the other link's students. An id from
    another platform registration is ignored: nothing crosses tenants.
    """
    ref = launch.custom.get(ASSIGNMENT_PARAM)
    if not isinstance(ref, str) or not ref:
        return None
    built = db.session.execute(db.select(Assignment).filter_by(public_id=ref)).scalar_one_or_none()
    if built is None or built.context_id is None:
        return None
    home = db.session.get(Context, built.context_id)
    if home is None or home.deployment.platform_id != context.deployment.platform_id:
        return None
    if built.resource_link_id is None and built.context_id == context.id:
        built.resource_link = link
        return built
    copy = Assignment(resource_link=link, context_id=context.id, title=built.title, blueprint=dict(built.blueprint),
                      attempts_allowed=built.attempts_allowed, grading_method=built.grading_method,
                      feedback_policy=built.feedback_policy, points_possible=built.points_possible,
                      time_limit_minutes=built.time_limit_minutes, due_at=built.due_at,
                      shuffle_options=built.shuffle_options, delivery=built.delivery,
                      configured_at=built.configured_at, mode=built.mode,
                      adaptive=dict(built.adaptive) if built.adaptive else None)
    db.session.add(copy)
    return copy


def context_for(user_id: int, context_id: int, resource_link: ResourceLink, *, is_staff: bool,
                is_preview: bool, due_at: datetime | None = None) -> LaunchContext:
    """A LaunchContext rebuilt from a launch token, for actions after the launch."""
    return LaunchContext(db.session.get(User, user_id), db.session.get(Context, context_id), resource_link,
                         resource_link.assignment, is_staff, is_preview, due_at)


def upsert(model, **keys):
    """The row with these keys, created (and flushed) if there is none."""
    row = db.session.execute(db.select(model).filter_by(**keys)).scalar_one_or_none()
    if row is None:
        row = model(**keys)
        db.session.add(row)
        db.session.flush()
    return row
