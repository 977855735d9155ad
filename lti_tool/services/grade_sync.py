"""Keep each student's gradebook score in step with what Rapport says it should be.

Rapport delivers state, not events: a submit, a regrade or a settings change only marks the
(resource link, user) row as changed; the worker computes the score from the graded attempts
when it posts. So a retry after an outage, or after a crash, sends the current score, never
an older one. Functions here do not commit unless they say so: the caller's transaction (the
submit, the settings change) writes the change and the grade together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from question_bank.scoring import combine_attempts

from ..extensions import db
import threading

from ..lti.ags import ResultsUnavailable, can_create_lineitem, find_or_create_lineitem, get_results
from ..lti.platform_errors import UNREACHABLE, PlatformError
from ..models import Assignment, Attempt, Context, Deployment, GradeSync, Platform, ResourceLink, User
from ..models.attempts import GRADED
from ..models.base import utcnow
from ..models.grades import DEAD, DELIVERED, FAILED, PENDING
from .rows import adopt, insert_unless_exists, prepared


@dataclass(frozen=True)
class GradebookScore:
    """What the gradebook should hold for one user and line item."""
    fraction: float
    score_given: float
    score_maximum: float
    started_at: datetime | None
    submitted_at: datetime | None


def _graded(assignment_id: int, user_id: int) -> list[Attempt]:
    return list(db.session.execute(
        db.select(Attempt).where(Attempt.assignment_id == assignment_id, Attempt.user_id == user_id,
                                 Attempt.state == GRADED, Attempt.is_preview.is_(False))
        .order_by(Attempt.number)).scalars())


def gradebook_score(assignment: Assignment, user_id: int) -> GradebookScore | None:
    """The grading method over the graded (non-preview) attempts; None if there are none."""
    graded = _graded(assignment.id, user_id)
    if not graded:
        return None
    fractions = [a.fraction or 0.0 for a in graded]
    fraction = combine_attempts(fractions, assignment.grading_method)
    # The attempt whose times the score reports: the one that counts, or the newest for average.
    counting = {"highest": graded[fractions.index(max(fractions))], "first": graded[0]}.get(
        assignment.grading_method, graded[-1])
    points = float(assignment.points_possible)
    return GradebookScore(fraction, round(fraction * points, 4), points,
                          counting.started_at, counting.submitted_at)


def _second(dt: datetime) -> datetime:
    return dt.replace(microsecond=0)


def _new_grade_sync():
    return insert_unless_exists(GradeSync.__table__).returning(GradeSync.__table__.c.id)


def _row_for_update(link_id: int, user_id: int) -> GradeSync | None:
    q = db.select(GradeSync).filter_by(resource_link_id=link_id, user_id=user_id)
    if db.engine.dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.execute(q).scalar_one_or_none()


def request_sync(link: ResourceLink, user: User | int, changed_at: datetime | None = None,
                 cause: str = "submit", graded: bool = False, first_grade: bool = False) -> GradeSync | None:
    """Mark the user's gradebook score on this link as changed; the worker posts it.

    At most one row per (link, user): a second change before the first is posted updates the
    row, it does not queue another score. `changed_at` is when the grade's input changed (the
    submission time); the row's state timestamp becomes that, but always at least a second
    later than the state before it, so the platform can tell every state from the one before.
    Nothing is queued for a link without the grade service, or a user with no graded attempt
    (`graded`: the caller has just graded one in this transaction, so that is not asked).
    `link`: a ResourceLink, or a narrow row with its id, lineitem_url, lineitems_url, ags_scopes
    and assignment (submission.LinkRow). `first_grade` says the user's first attempt was just graded, so the row is most likely new:
    the insert is tried before the look-up (one statement where there was no row, as in an exam).
    """
    user_id = user if isinstance(user, int) else user.id
    if not has_grade_service(link) or link.assignment is None:
        return None
    if not graded and not _graded(link.assignment.id, user_id):
        return None
    now = utcnow()
    row = None if first_grade else _row_for_update(link.id, user_id)
    if row is None:
        # One statement (no savepoint): the row, unless another request created it at the same moment.
        values = dict(resource_link_id=link.id, user_id=user_id, lineitem_url=link.lineitem_url, status=PENDING,
                      requested_seq=1, delivered_seq=0, tries=0, state_at=_second(changed_at or now),
                      next_try_at=now, created_at=now, cause=cause)
        new_id = db.session.execute(prepared("new grade sync", _new_grade_sync), values).scalar()
        if new_id is not None:
            return adopt(GradeSync(id=new_id, **values))
        row = _row_for_update(link.id, user_id)
    row.state_at = max(_second(changed_at or now), row.state_at + timedelta(seconds=1))
    row.requested_seq += 1
    row.cause = cause
    row.lineitem_url = link.lineitem_url or row.lineitem_url
    if row.status == DEAD:  # a new change deserves a fresh retry horizon
        row.tries, row.failing_since = 0, None
    if row.status in (DELIVERED, DEAD):
        # A failing row keeps its backoff (the platform is still down); others go at once.
        row.status, row.next_try_at = PENDING, now
    return row


def has_grade_service(link: ResourceLink) -> bool:
    """A line item from the launch, or a line item container Rapport may add one to."""
    return bool(link.lineitem_url) or can_create_lineitem(link.lineitems_url, link.ags_scopes)


_lineitem_lock = threading.Lock()  # one creator per process; the row lock covers other hosts


def ensure_lineitem(link: ResourceLink, session=None) -> str:
    """The link's line item URL, found or created once through the AGS line items endpoint when
    the launch carried none (a Canvas link outside an assignment, a Moodle link added without
    one). Raises ags.LineItemUnavailable. Commits."""
    with _lineitem_lock:
        q = db.select(ResourceLink).where(ResourceLink.id == link.id).execution_options(populate_existing=True)
        if db.engine.dialect.name == "postgresql":
            q = q.with_for_update()  # other workers wait here, then see the URL
        locked = db.session.execute(q).scalar_one()
        if not locked.lineitem_url:
            assignment = locked.assignment
            locked.lineitem_url = find_or_create_lineitem(
                locked.context.deployment.platform, locked.lineitems_url, locked.ags_scopes or [],
                resource_link_id=locked.resource_link_id, label=(assignment.title if assignment else None) or
                locked.title or "Rapport", score_maximum=float(assignment.points_possible if assignment else 10),
                session=session, jwks_url=current_app.config["BASE_URL"] + "/lti/jwks")
        db.session.execute(db.update(GradeSync).where(GradeSync.resource_link_id == locked.id,
                                                      GradeSync.lineitem_url.is_(None))
                           .values(lineitem_url=locked.lineitem_url))
        db.session.commit()
        return locked.lineitem_url


def resync_link(link: ResourceLink, cause: str) -> int:
    """After a change that can move every student's score (grading method, points, a regrade).
    Returns how many students were queued. Does not commit."""
    if link.assignment is None:
        return 0
    user_ids = db.session.execute(
        db.select(Attempt.user_id).where(Attempt.assignment_id == link.assignment.id,
                                         Attempt.state == GRADED, Attempt.is_preview.is_(False))
        .distinct()).scalars().all()
    return sum(1 for uid in user_ids if request_sync(link, uid, cause=cause) is not None)


def send_again(row: GradeSync) -> None:
    """A person's "send again": post the current score now, whatever happened before. Commits."""
    link = row.resource_link
    request_sync(link, row.user_id, cause="send again")
    row.status, row.tries, row.failing_since, row.next_try_at, row.claimed_until = PENDING, 0, None, utcnow(), None
    db.session.commit()


# ---- what people see ------------------------------------------------------------------------

@dataclass(frozen=True)
class SyncStatus:
    state: str  # no_service | not_sent | waiting | delivered | dead
    delivered_at: datetime | None = None
    message: str | None = None  # one readable line from the platform
    fix: str | None = None
    since: datetime | None = None


def sync_status(link: ResourceLink, user: User | int) -> SyncStatus:
    user_id = user if isinstance(user, int) else user.id
    if not has_grade_service(link):
        return SyncStatus("no_service", fix=NO_SERVICE_FIX)
    row = db.session.execute(db.select(GradeSync).filter_by(resource_link_id=link.id, user_id=user_id)).scalar_one_or_none()
    return status_of(row)


def status_of(row: GradeSync | None) -> SyncStatus:
    if row is None:
        return SyncStatus("not_sent")
    if row.up_to_date:
        return SyncStatus("delivered", row.delivered_at)
    if row.status == DEAD:
        return SyncStatus("dead", row.delivered_at, row.last_error, row.last_fix, row.failing_since)
    return SyncStatus("waiting", row.delivered_at, row.last_error, row.last_fix, row.failing_since)


NO_SERVICE_FIX = ("This link has no grade service, so no score can reach the gradebook. In Moodle, edit the "
                  "tool (Site administration > Plugins > Activity modules > External tool > Manage tools) and set "
                  "\"IMS LTI Assignment and Grade Services\" to \"Use this service for grade sync and column "
                  "management\"; in Canvas, give the developer key the AGS scopes and add the tool as an assignment.")


@dataclass
class Outage:
    platform: Platform
    since: datetime
    waiting: int
    message: str
    fix: str | None


def outages(resource_link_ids: list[int] | None = None) -> list[Outage]:
    """Platforms Rapport cannot reach now, one line each instead of one per student."""
    q = (db.select(GradeSync, Platform).join(User, User.id == GradeSync.user_id)
         .join(Platform, Platform.id == User.platform_id)
         .where(GradeSync.status == FAILED, GradeSync.last_error_kind == UNREACHABLE))
    if resource_link_ids is not None:
        q = q.where(GradeSync.resource_link_id.in_(resource_link_ids))
    found: dict[int, Outage] = {}
    for row, platform in db.session.execute(q).all():
        o = found.get(platform.id)
        since = row.failing_since or row.created_at
        if o is None:
            found[platform.id] = Outage(platform, since, 1, row.last_error or "", row.last_fix)
        else:
            o.waiting += 1
            o.since = min(o.since, since)
    return sorted(found.values(), key=lambda o: o.since)


# ---- reconcile ------------------------------------------------------------------------------

@dataclass
class Difference:
    user: User
    expected: GradebookScore | None
    actual_fraction: float | None  # None: the gradebook has no score
    actual_text: str
    status: SyncStatus


@dataclass
class Reconciliation:
    link: ResourceLink
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    error: PlatformError | None = None
    queued: int = 0


def _fraction(result: dict) -> float | None:
    score, maximum = result.get("resultScore"), result.get("resultMaximum") or 1.0
    if score is None:
        return None
    try:
        return float(score) / float(maximum)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def reconcile(link: ResourceLink, queue: bool = False, session=None) -> Reconciliation:
    """Read the line item's results (AGS result.readonly) and list every student whose
    gradebook score differs from the grading method's; with `queue`, queue corrections (commits)."""
    report = Reconciliation(link)
    if not has_grade_service(link) or link.assignment is None:
        report.error = PlatformError("refused", "this link has no grade service", NO_SERVICE_FIX)
        return report
    if not link.lineitem_url:
        report.error = PlatformError("refused", "no gradebook column yet: Rapport creates it with the first score")
        return report
    platform = link.context.deployment.platform
    try:
        results = get_results(platform, link.lineitem_url, link.ags_scopes or [], session=session,
                              jwks_url=current_app.config["BASE_URL"] + "/lti/jwks")
    except ResultsUnavailable as exc:
        report.error = exc.error
        return report
    by_sub = {str(r.get("userId")): r for r in results if isinstance(r, dict)}
    user_ids = db.session.execute(
        db.select(Attempt.user_id).where(Attempt.assignment_id == link.assignment.id,
                                         Attempt.state == GRADED, Attempt.is_preview.is_(False)).distinct()).scalars().all()
    for user in db.session.execute(db.select(User).where(User.id.in_(user_ids)).order_by(User.name, User.sub)).scalars():
        expected = gradebook_score(link.assignment, user.id)
        result = by_sub.get(user.sub)
        actual = _fraction(result) if result else None
        report.checked += 1
        if expected is not None and actual is not None and abs(actual - expected.fraction) < 0.0005:
            continue
        text = "no score" if actual is None else f"{result.get('resultScore'):g} / {result.get('resultMaximum') or 1:g}"
        report.differences.append(Difference(user, expected, actual, text, sync_status(link, user.id)))
    if queue and report.differences:
        for d in report.differences:
            if request_sync(link, d.user.id, cause="reconcile") is not None:
                report.queued += 1
        db.session.commit()
    return report


def links_in_context(context_id: str | None) -> list[ResourceLink]:
    """Links with the grade service, optionally of one LMS context id (any deployment)."""
    q = (db.select(ResourceLink).join(Context, Context.id == ResourceLink.context_id)
         .join(Deployment, Deployment.id == Context.deployment_id)
         .where(ResourceLink.lineitem_url.is_not(None)).order_by(ResourceLink.id))
    if context_id is not None:
        q = q.where(Context.context_id == context_id)
    return list(db.session.execute(q).scalars())
