"""Results of one link: the roster with counted scores and grade-sync status, CSV, one attempt,
preview, send again, the LMS gradebook check."""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, url_for

from ...extensions import csrf, db
from ...launch_token import LaunchToken, issue
from ...models import GradeSync
from ...services import assignments, attempts, grade_sync, results, review
from ...services.launches import context_for
from . import bp
from .common import page, staff


def _results_page(tok, link, status=200, **kw):
    res = results.results(link)
    sort, show = request.args.get("sort", "name"), request.args.get("show", "all")
    rows = results.arrange(res.rows, sort, show)
    return page("instructor/results.html", tok, link, "instructor.overview", status, res=res, rows=rows, sort=sort,
                show=show, sorts=results.SORTS, filters=results.FILTERS, minutes=results.minutes,
                sync_text=results.sync_text, outages=grade_sync.outages([link.id]),
                no_service_fix=grade_sync.NO_SERVICE_FIX, has_grade_service=grade_sync.has_grade_service(link), grading_labels=assignments.GRADING_LABELS, **kw)


@bp.get("/")
def overview():
    tok, link = staff()
    return _results_page(tok, link)


@bp.get("/results.csv")
def results_csv():
    tok, link = staff()
    body = results.to_csv(results.results(link))
    name = f"rapport-results-{link.id}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/attempts/<int:attempt_id>")
def attempt_view(attempt_id):
    """The student's answers with the key and rationales, as the student's review shows them."""
    tok, link = staff()
    attempt = results.attempt_in_link(link, attempt_id)
    if attempt is None:
        abort(404, "There is no such attempt in this assignment.")
    if attempt.state != "graded":
        return page("instructor/attempt.html", tok, link, "instructor.overview", attempt=attempt, items=[],
                    breakdown=None, in_progress=True)
    return page("instructor/attempt.html", tok, link, "instructor.overview", attempt=attempt,
                items=review.item_views(attempt, with_review=True), breakdown=review.breakdown(attempt),
                in_progress=False, points=review.points)


@bp.post("/preview")
@csrf.exempt  # launch token
def preview():
    """Always a fresh attempt drawn with the current settings (an old preview is discarded)."""
    tok, link = staff()
    assignments.discard_previews(link.assignment, tok.user_id)
    lc = context_for(tok.user_id, tok.context_id, link, is_staff=True, is_preview=True)
    attempt = attempts.start_or_resume(lc, current_app.config["SECRET_KEY"], new=True)
    token = issue(LaunchToken(tok.user_id, tok.context_id, link.id, attempt.id, "staff"))
    return redirect(url_for("student.attempt_page", attempt_id=attempt.id, lt=token), code=303)


@bp.post("/grades/<int:row_id>/send-again")
@csrf.exempt
def send_again(row_id):
    """Posts the student's current score (never an older one), whatever happened before."""
    tok, link = staff()
    row = db.session.get(GradeSync, row_id)
    if row is None or row.resource_link_id != link.id:
        abort(404)
    grade_sync.send_again(row)
    return redirect(url_for("instructor.overview", lt=issue(tok), sent=1), code=303)


@bp.post("/grades/reconcile")
@csrf.exempt
def reconcile():
    """Compare the LMS gradebook with what Rapport says it should hold; optionally queue fixes."""
    tok, link = staff()
    report = grade_sync.reconcile(link, queue=request.form.get("queue") == "1")
    return _results_page(tok, link, reconciliation=report)
