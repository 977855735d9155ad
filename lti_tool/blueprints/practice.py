"""Adaptive practice for students (issue 16): the session one question at a time, mastery by
topic, the study plan and its targeted practice sets. The launch token's own attempt only."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from ..extensions import csrf
from ..launch_token import LaunchToken, issue
from ..models.attempts import IN_PROGRESS
from ..services import adaptive, mastery, review, study_plan
from ..services.attempt_error import AttemptError
from ..services.bank_store import item_type
from .auth import attempt_for, current_token

bp = Blueprint("practice", __name__, url_prefix="/practice")


def _own_adaptive(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    if not attempt.assignment.is_adaptive:
        abort(404)
    return tok, attempt


@bp.get("/<int:attempt_id>")
def session_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    token = issue(tok)
    if attempt.state != IN_PROGRESS:
        return redirect(url_for("practice.mastery_page", attempt_id=attempt.id, lt=token), code=303)
    current = adaptive.current_item(attempt)
    if current is None:  # a unit whose next choice did not complete (a crash): choose it now
        adaptive.resume(attempt, current_app.config["SECRET_KEY"])
        return redirect(url_for("practice.session_page", attempt_id=attempt.id, lt=token), code=303)
    iv = next(v for v in review.item_views(attempt) if v.position == current.position)
    settings = adaptive.settings_of(attempt.assignment, (attempt.adaptive or {}).get("focus"))
    return render_template("practice/session.html", attempt=attempt, iv=iv, token=token, settings=settings,
                           focus=(attempt.adaptive or {}).get("focus"), answered=current.position - 1,
                           error=request.args.get("error"), label=mastery.technique_label)


@bp.post("/<int:attempt_id>/answer")
@csrf.exempt  # the launch token is the CSRF defence here
def answer(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    try:
        position = int(request.form["position"])
    except (KeyError, ValueError):
        abort(400, "An answer needs its question number.")
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        abort(404, f"There is no question {position} in this session.")
    try:
        response = item_type(item.bank_item).from_form(request.form, review.prefix_for(position))
        problem = "Choose an answer before you go on." if response in (None, "", [], {}) else None
    except ValueError as exc:
        response, problem = None, f"That answer could not be read: {exc}"
    if problem and item.points is None:
        return redirect(url_for("practice.session_page", attempt_id=attempt.id, lt=issue(tok), error=problem,
                                _anchor="question"), code=303)
    try:
        attempt = adaptive.answer(attempt, position, response, current_app.config["SECRET_KEY"])
    except AttemptError as exc:
        if exc.status != 400:
            raise
        # An answer the question cannot take (more ticks than a select-N allows, without
        # JavaScript): back to the question with the reason, nothing recorded, as the exam does.
        return redirect(url_for("practice.session_page", attempt_id=attempt.id, lt=issue(tok), error=exc.message,
                                _anchor="question"), code=303)
    return redirect(url_for("practice.session_page", attempt_id=attempt.id, lt=issue(tok)), code=303)


@bp.get("/<int:attempt_id>/mastery")
def mastery_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    history = mastery.answers(tok.user_id, tok.context_id)[tok.user_id]
    return render_template("practice/mastery.html", attempt=attempt, token=issue(tok),
                           bands=mastery.bands(history, tok.context_id),
                           answers=len(history), habits=mastery.habits(history), stop_labels=adaptive.STOP_LABELS,
                           grade=adaptive.grade_kind(attempt.assignment), label=mastery.technique_label)


@bp.get("/<int:attempt_id>/plan")
def plan_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    return render_template("practice/plan.html", attempt=attempt, token=issue(tok),
                           plan=study_plan.plan_for(tok.user_id, tok.context_id), label=mastery.technique_label)


def _to_new(tok, new):
    token = issue(LaunchToken(tok.user_id, tok.context_id, tok.resource_link_id, new.id, tok.role))
    return redirect(url_for("practice.session_page", attempt_id=new.id, lt=token), code=303)


@bp.post("/<int:attempt_id>/targeted")
@csrf.exempt
def targeted(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    new = study_plan.start_targeted(attempt, request.form.get("technique", ""), tok.user_id, tok.context_id,
                                    tok.role, current_app.config["SECRET_KEY"])
    return _to_new(tok, new)


@bp.post("/<int:attempt_id>/again")
@csrf.exempt
def again(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    new = study_plan.start_session(attempt, tok.user_id, tok.context_id, tok.role, current_app.config["SECRET_KEY"])
    return _to_new(tok, new)
