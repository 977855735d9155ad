"""The results of one resource link: the class roster (NRPS) joined with attempts, the score
that counts under the grading method, time used, accommodations and grade-sync status."""
from __future__ import annotations

import csv
import io
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app

from ..extensions import db
from ..lti.line_items import LineItemUnreadable, get_lineitem
from ..lti.nrps import Member, RosterUnavailable, fetch_members
from ..lti.platform_errors import PlatformError
from ..models import Accommodation, Attempt, GradeSync, ResourceLink, User
from ..models.attempts import GRADED, IN_PROGRESS
from ..models.base import utcnow
from . import grade_sync

ROSTER_TTL = 60.0  # seconds a roster is reused (page, CSV, accommodations within a minute)
LINEITEM_TTL = 300.0
FAILURE_TTL = 20.0
_cache: dict[tuple, tuple[float, object]] = {}
_cache_lock = threading.Lock()


def _cached(key: tuple, ttl: float, fetch):
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    value = fetch()
    with _cache_lock:
        _cache[key] = (now, value)
    return value


def _expire_soon(key: tuple, ttl: float) -> None:
    """A failure is kept FAILURE_TTL seconds only: pages stay fast during an LMS outage and
    the next view after that tries again."""
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache[key] = (min(hit[0], time.monotonic() - ttl + FAILURE_TTL), hit[1])


def forget_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _jwks_url() -> str:
    return current_app.config["BASE_URL"] + "/lti/jwks"


@dataclass
class Roster:
    members: list[Member] = field(default_factory=list)
    error: PlatformError | None = None
    available: bool = False  # the LMS shared its roster (NRPS)


def roster(link: ResourceLink) -> Roster:
    """The course's members from NRPS; an error in one line where the LMS will not say."""
    context = link.context
    if not context.memberships_url:
        return Roster(error=PlatformError(
            "refused", "the LMS did not share the class list with Rapport (no names and roles service)",
            "In Moodle, edit the tool and set \"IMS LTI Names and Role Provisioning\" to \"Use this service to "
            "retrieve members' information as per privacy settings\"; in Canvas, give the developer key the "
            "names and roles scope. Until then only students who have opened the assignment are listed."))
    platform = context.deployment.platform

    def fetch():
        try:
            return Roster(fetch_members(platform, context.memberships_url, jwks_url=_jwks_url()), available=True)
        except RosterUnavailable as exc:
            return Roster(error=exc.error)
    key = ("roster", platform.id, context.memberships_url)
    r = _cached(key, ROSTER_TTL, fetch)
    if r.error is not None:
        _expire_soon(key, ROSTER_TTL)
    return r


@dataclass
class Points:
    value: float
    from_lms: bool = False
    error: PlatformError | None = None


def points_possible(link: ResourceLink) -> Points:
    """The gradebook column's scoreMaximum when the LMS has one, so Rapport and the gradebook show
    the same scale; the assignment follows it (scores are sent as fractions of it). Commits."""
    assignment = link.assignment
    if not link.lineitem_url:
        return Points(float(assignment.points_possible))
    platform = link.context.deployment.platform

    def fetch():
        try:
            return get_lineitem(platform, link.lineitem_url, link.ags_scopes or [], jwks_url=_jwks_url())
        except LineItemUnreadable as exc:
            return exc.error
    got = _cached(("lineitem", link.id, link.lineitem_url), LINEITEM_TTL, fetch)
    if isinstance(got, PlatformError):
        _expire_soon(("lineitem", link.id, link.lineitem_url), LINEITEM_TTL)
        return Points(float(assignment.points_possible), error=got)
    if got.score_maximum is None:
        return Points(float(assignment.points_possible))
    if abs(got.score_maximum - float(assignment.points_possible)) > 1e-9:
        assignment.points_possible = got.score_maximum
        db.session.commit()
    return Points(got.score_maximum, from_lms=True)


@dataclass
class StudentRow:
    sub: str
    user: User | None
    display_name: str
    name_shared: bool
    role: str
    status: str  # Active / Inactive / Deleted (NRPS); "Active" without a roster
    attempts: list[Attempt]
    counted: grade_sync.GradebookScore | None
    time_used: timedelta | None
    accommodation: Accommodation | None
    sync: grade_sync.SyncStatus | None
    sync_row: GradeSync | None
    in_roster: bool

    @property
    def state(self) -> str:
        if not self.attempts:
            return "not started"
        if any(a.state == IN_PROGRESS for a in self.attempts):
            return "in progress"
        return "submitted"

    @property
    def percent(self) -> float | None:
        return None if self.counted is None else round(self.counted.fraction * 100, 1)


@dataclass
class Results:
    link: ResourceLink
    rows: list[StudentRow]
    roster: Roster
    points: Points
    staff_count: int = 0


def _time_used(attempts: list[Attempt]) -> timedelta | None:
    spans = [(a.submitted_at or utcnow()) - a.started_at for a in attempts if a.started_at]
    return sum(spans, timedelta()) if spans else None


def results(link: ResourceLink, with_roster: bool = True) -> Results:
    """Every student: the roster's learners plus anyone who took an attempt (a dropped student
    keeps their row). Staff are never listed as students. Commits names NRPS adds."""
    assignment = link.assignment
    platform_id = link.context.deployment.platform_id
    r = roster(link) if with_roster else Roster()
    points = points_possible(link)
    attempts = db.session.execute(
        db.select(Attempt).where(Attempt.assignment_id == assignment.id, Attempt.is_preview.is_(False))
        .order_by(Attempt.number)).scalars().all()
    by_user: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_user.setdefault(a.user_id, []).append(a)
    users = {u.sub: u for u in db.session.execute(db.select(User).where(
        User.platform_id == platform_id,
        db.or_(User.sub.in_([m.user_id for m in r.members]), User.id.in_(list(by_user))))).scalars()}
    accs = {a.user_id: a for a in db.session.execute(
        db.select(Accommodation).filter_by(context_id=link.context_id)).scalars()}
    syncs = {s.user_id: s for s in db.session.execute(
        db.select(GradeSync).where(GradeSync.resource_link_id == link.id)).scalars()}
    rows: list[StudentRow] = []
    seen: set[str] = set()
    named = False
    staff = 0
    for m in r.members:
        if m.is_staff:
            staff += 1
            continue
        if not m.is_learner:
            continue
        user = users.get(m.user_id)
        if user is not None and m.name and not user.name:
            user.name, named = m.name, True  # the launch carried no name; the roster does
        if user is not None and m.email and not user.email:
            user.email = m.email
        rows.append(_row(link, m.user_id, user, m.name, m.role_label, m.status, by_user, accs, syncs, True))
        seen.add(m.user_id)
    for user in users.values():
        if user.sub in seen or user.id not in by_user:
            continue
        rows.append(_row(link, user.sub, user, None, "Student", "Not in the LMS class list" if r.available else "Active",
                         by_user, accs, syncs, False))
    if named:
        db.session.commit()
    return Results(link, rows, r, points, staff)


def _row(link, sub, user, roster_name, role, status, by_user, accs, syncs, in_roster) -> StudentRow:
    name = (user.name if user is not None else None) or roster_name
    attempts = by_user.get(user.id, []) if user is not None else []
    counted = grade_sync.gradebook_score(link.assignment, user.id) if user is not None and attempts else None
    sync = grade_sync.status_of(syncs.get(user.id)) if user is not None and grade_sync.has_grade_service(link) else None
    return StudentRow(sub=sub, user=user, display_name=name or f"Name not shared by the LMS (user id {sub})",
                      name_shared=bool(name), role=role, status=status, attempts=attempts, counted=counted,
                      time_used=_time_used(attempts), accommodation=accs.get(user.id) if user is not None else None,
                      sync=sync, sync_row=syncs.get(user.id) if user is not None else None, in_roster=in_roster)


SORTS = {
    "name": lambda r: (r.display_name.lower(), r.sub),
    "score": lambda r: (r.percent is None, -(r.percent or 0), r.display_name.lower()),
    "attempts": lambda r: (-len(r.attempts), r.display_name.lower()),
    "status": lambda r: (r.state, r.display_name.lower()),
}
FILTERS = {
    "all": lambda r: True,
    "not-started": lambda r: not r.attempts,
    "in-progress": lambda r: r.state == "in progress",
    "submitted": lambda r: r.state == "submitted",
    "grade-problem": lambda r: r.sync is not None and r.sync.state in ("dead", "waiting") and bool(r.sync.message),
}


def arrange(rows: list[StudentRow], sort: str, show: str) -> list[StudentRow]:
    keep = FILTERS.get(show, FILTERS["all"])
    return sorted((r for r in rows if keep(r)), key=SORTS.get(sort, SORTS["name"]))


def minutes(td: timedelta | None) -> str:
    if td is None:
        return ""
    total = int(td.total_seconds() // 60)
    if total < 1:
        return "under 1 min"
    return f"{total // 60} h {total % 60} min" if total >= 60 else f"{total} min"


def sync_text(row: StudentRow) -> str:
    s = row.sync
    if s is None:
        return "not sent: this link has no grade service" if row.attempts else ""
    if s.state == "delivered":
        return f"in gradebook since {s.delivered_at:%Y-%m-%d %H:%M} UTC"
    if s.state == "not_sent":
        return "nothing to send yet" if row.counted is None else "queued"
    if s.state == "dead":
        return f"not delivered: {s.message}" + (f" {s.fix}" if s.fix else "")
    if s.message:
        return f"retrying: {s.message}" + (f" {s.fix}" if s.fix else "")
    return "queued"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading ' keeps them text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(res: Results) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Name", "LMS user id", "Email", "Role", "LMS status", "Attempts", "State", "Counted score",
                "Points possible", "Percent", "Time used (minutes)", "Time multiplier", "Extra attempts",
                "Gradebook"])
    for r in res.rows:
        acc = r.accommodation
        used = int(r.time_used.total_seconds() // 60) if r.time_used is not None else ""
        w.writerow([safe_cell(v) for v in (
            r.display_name if r.name_shared else "", r.sub, r.user.email if r.user else "", r.role, r.status,
            len(r.attempts), r.state, "" if r.counted is None else f"{r.counted.fraction * res.points.value:.2f}",
            f"{res.points.value:g}", "" if r.percent is None else f"{r.percent:g}", used,
            f"{acc.time_multiplier:g}" if acc else "1", acc.extra_attempts if acc else 0, sync_text(r))])
    return out.getvalue()


def attempt_in_link(link: ResourceLink, attempt_id: int) -> Attempt | None:
    """An attempt of this link only: an instructor never opens another course's attempt by id."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.assignment.resource_link_id != link.id:
        return None
    return attempt


def graded_count(link: ResourceLink) -> int:
    return db.session.execute(db.select(db.func.count(Attempt.id)).where(
        Attempt.assignment_id == link.assignment.id, Attempt.state == GRADED,
        Attempt.is_preview.is_(False))).scalar() or 0


def student_user(link: ResourceLink, sub: str) -> User | None:
    """The user row of a student of this link (roster learner or someone with attempts), created
    for a roster student who has not launched yet. Staff and strangers get None. Commits."""
    res = results(link)
    row = next((r for r in res.rows if r.sub == sub), None)
    if row is None:
        return None
    if row.user is not None:
        return row.user
    user = User(platform_id=link.context.deployment.platform_id, sub=sub,
                name=row.display_name if row.name_shared else None)
    db.session.add(user)
    db.session.commit()
    return user
