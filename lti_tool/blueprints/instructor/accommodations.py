"""Accommodations: pick a student from the roster; time multiplier and extra attempts; audit trail."""
from __future__ import annotations

from flask import abort, redirect, request, url_for

from ...extensions import csrf, db
from ...forms.instructor import AccommodationForm
from ...launch_token import issue
from ...models import User
from ...services import assignments, results
from . import bp
from .common import page, problems, staff


def _page(tok, link, status=200, **kw):
    res = results.results(link)
    return page("instructor/accommodations.html", tok, link, "instructor.accommodations_page", status,
                res=res, rows=results.arrange(res.rows, "name", "all"),
                history=assignments.accommodation_history(link.context_id), **kw)


@bp.get("/accommodations")
def accommodations_page():
    tok, link = staff()
    return _page(tok, link, saved=request.args.get("saved"))


def _save(tok, link, user: User):
    form = AccommodationForm(request.form)
    if not form.validate():
        return _page(tok, link, 400, problems=problems(form))
    try:
        assignments.set_accommodation(link.context_id, user.id, float(form.time_multiplier.data),
                                      form.extra_attempts.data, set_by=tok.user_id)
    except assignments.SettingsError as exc:
        return _page(tok, link, 400, problems=exc.problems)
    return redirect(url_for("instructor.accommodations_page", lt=issue(tok), saved=user.name or user.sub), code=303)


@bp.post("/accommodations")
@csrf.exempt  # launch token
def accommodation_for_member():
    """By LMS user id, from the roster: a student who has not launched yet gets a user row."""
    tok, link = staff()
    user = results.student_user(link, request.form.get("sub", ""))
    if user is None:
        abort(404, "That person is not a student of this course.")
    return _save(tok, link, user)


@bp.post("/accommodations/<int:user_id>")
@csrf.exempt  # launch token
def accommodation(user_id):
    tok, link = staff()
    user = db.session.get(User, user_id)
    if user is None or user.platform_id != link.context.deployment.platform_id:
        abort(404)
    if results.student_user(link, user.sub) is None:
        abort(404, "That person is not a student of this course.")
    return _save(tok, link, user)
