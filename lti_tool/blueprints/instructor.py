"""The instructor's view of one resource link: settings, results, grade-sync status, preview, accommodations."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..extensions import csrf, db
from ..forms.instructor import AccommodationForm, AssignmentForm
from ..launch_token import LaunchToken, issue
from ..models import Accommodation, Attempt, GradeSync, User
from ..services import assignments, attempts, grade_sync
from ..services.launches import context_for
from .auth import current_token, staff_link

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


def _settings_form(assignment, formdata=None):
    form = AssignmentForm(formdata=formdata, obj=None if formdata else assignment)
    form.blueprint_key.choices = assignments.blueprint_choices()
    form.collections.choices = [(c, c) for c in assignments.collection_choices()]
    if formdata is None:
        form.blueprint_key.data = assignment.blueprint.get("key")
        form.collections.data = assignment.blueprint.get("collections") or []
    return form


def _problems(form) -> list[str]:
    return [f"{getattr(form, k).label.text}: {', '.join(v)}" for k, v in form.errors.items()]


def _render(tok, link, form, status=200, problems=(), reconciliation=None):
    rows = db.session.execute(
        db.select(Attempt, User).join(User, User.id == Attempt.user_id)
        .where(Attempt.assignment_id == link.assignment.id).order_by(User.name, Attempt.number)).all()
    syncs = {r.user_id: r for r in db.session.execute(
        db.select(GradeSync).where(GradeSync.resource_link_id == link.id)).scalars()}
    last_attempt = {}
    for attempt, user in rows:
        last_attempt[user.id] = attempt.id
    accs = {a.user_id: a for a in db.session.execute(
        db.select(Accommodation).filter_by(context_id=link.context_id)).scalars()}
    students = sorted({u.id: u for _, u in rows}.values(), key=lambda u: u.name or u.sub)
    return render_template("instructor/overview.html", link=link, assignment=link.assignment, rows=rows,
                           syncs=syncs, status_of=grade_sync.status_of, last_attempt=last_attempt,
                           outages=grade_sync.outages([link.id]), no_service_fix=grade_sync.NO_SERVICE_FIX,
                           has_grade_service=grade_sync.has_grade_service(link),
                           reconciliation=reconciliation, token=issue(tok), form=form, problems=problems,
                           students=students, accs=accs), status


@bp.get("/")
def overview():
    tok = current_token()
    link = staff_link(tok)
    return _render(tok, link, _settings_form(link.assignment))


@bp.post("/settings")
@csrf.exempt  # launch token
def settings():
    tok = current_token()
    link = staff_link(tok)
    form = _settings_form(link.assignment, request.form)
    if not form.validate():
        return _render(tok, link, form, 400, _problems(form))
    try:
        assignments.update_settings(link.assignment, assignments.Settings(
            form.blueprint_key.data, form.attempts_allowed.data, form.grading_method.data,
            form.feedback_policy.data, float(form.points_possible.data), form.time_limit_minutes.data,
            form.collections.data or None))
    except assignments.SettingsError as exc:
        return _render(tok, link, form, 400, exc.problems)
    return redirect(url_for("instructor.overview", lt=issue(tok), saved=1), code=303)


@bp.post("/accommodations/<int:user_id>")
@csrf.exempt
def accommodation(user_id):
    tok = current_token()
    link = staff_link(tok)
    user = db.session.get(User, user_id)
    # Only students this page lists (they attempted this assignment): never someone of another course.
    took_it = db.session.scalar(db.select(Attempt.id).where(Attempt.user_id == user_id,
                                                            Attempt.assignment_id == link.assignment.id).limit(1))
    if user is None or user.platform_id != link.context.deployment.platform_id or took_it is None:
        abort(404)
    form = AccommodationForm(request.form)
    if not form.validate():
        return _render(tok, link, _settings_form(link.assignment), 400, _problems(form))
    assignments.set_accommodation(link.context_id, user.id, float(form.time_multiplier.data), form.extra_attempts.data)
    return redirect(url_for("instructor.overview", lt=issue(tok)), code=303)


@bp.post("/preview")
@csrf.exempt  # launch token
def preview():
    tok = current_token()
    link = staff_link(tok)
    lc = context_for(tok.user_id, tok.context_id, link, is_staff=True, is_preview=True)
    attempt = attempts.start_or_resume(lc, current_app.config["SECRET_KEY"], new=True)
    token = issue(LaunchToken(tok.user_id, tok.context_id, link.id, attempt.id, "staff"))
    return redirect(url_for("student.attempt_page", attempt_id=attempt.id, lt=token), code=303)


@bp.post("/grades/<int:row_id>/send-again")
@csrf.exempt
def send_again(row_id):
    """Posts the student's current score (never an older one), whatever happened before."""
    tok = current_token()
    link = staff_link(tok)
    row = db.session.get(GradeSync, row_id)
    if row is None or row.resource_link_id != link.id:
        abort(404)
    grade_sync.send_again(row)
    return redirect(url_for("instructor.overview", lt=issue(tok)), code=303)


@bp.post("/grades/reconcile")
@csrf.exempt
def reconcile():
    """Compare the LMS gradebook with what Rapport says it should hold; optionally queue fixes."""
    tok = current_token()
    link = staff_link(tok)
    report = grade_sync.reconcile(link, queue=request.form.get("queue") == "1")
    return _render(tok, link, _settings_form(link.assignment), reconciliation=report)
