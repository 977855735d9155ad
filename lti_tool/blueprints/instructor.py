"""The instructor's view of one resource link: results, grade-sync status, preview."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..extensions import csrf, db
from ..grades import worker
from ..launch_token import LaunchToken, issue
from ..models import Attempt, Context, GradeDelivery, User
from ..services import attempts
from ..services.launches import LaunchContext
from .auth import current_token, staff_link

bp = Blueprint("instructor", __name__, url_prefix="/instructor")


@bp.get("/")
def overview():
    tok, _ = current_token()
    link = staff_link(tok)
    rows = db.session.execute(
        db.select(Attempt, User).join(User, User.id == Attempt.user_id)
        .where(Attempt.assignment_id == link.assignment.id).order_by(User.name, Attempt.number)).all()
    deliveries = {d.attempt_id: d for d in db.session.execute(
        db.select(GradeDelivery).where(GradeDelivery.resource_link_id == link.id)
        .order_by(GradeDelivery.id)).scalars()}
    return render_template("instructor/overview.html", link=link, assignment=link.assignment, rows=rows,
                           deliveries=deliveries, token=issue(tok))


@bp.post("/preview")
@csrf.exempt  # launch token
def preview():
    tok, _ = current_token()
    link = staff_link(tok)
    lc = LaunchContext(db.session.get(User, tok.user_id), db.session.get(Context, tok.context_id), link,
                       link.assignment, is_staff=True, is_preview=True)
    attempt = attempts.start_or_resume(lc, current_app.config["SECRET_KEY"], new=True)
    token = issue(LaunchToken(tok.user_id, tok.context_id, link.id, attempt.id, "staff"))
    return redirect(url_for("student.attempt_page", attempt_id=attempt.id, lt=token), code=303)


@bp.post("/deliveries/<int:row_id>/retry")
@csrf.exempt
def retry_delivery(row_id):
    tok, _ = current_token()
    link = staff_link(tok)
    row = db.session.get(GradeDelivery, row_id)
    if row is None or row.resource_link_id != link.id:
        return ("Not found", 404)
    worker.retry(row.id)
    return redirect(url_for("instructor.overview", lt=issue(tok)), code=303)
