"""Adaptive practice for students (issue 16): the session one question at a time, mastery by
topic, the study plan and its targeted practice sets. The launch token's own attempt only."""
from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import csrf
from ..launch_token import LaunchToken, issue
from ..models.attempts import IN_PROGRESS
from ..services import adaptive, mastery, review, study_plan
from ..services.attempt_error import AttemptError
from ..services.bank_store import item_type
from .auth import attempt_for, current_token
from .navigation import browser_request, go, page

bp = Blueprint("practice", __name__, url_prefix="/practice")


def _own_adaptive(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    if not attempt.assignment.is_adaptive:
        abort(404)
    return tok, attempt


# The pages take GET and POST: a POST only carries the launch token (the hand-off page, or a
# page's own navigation button) and changes nothing, as on the exam's pages.
@bp.route("/<int:attempt_id>", methods=["GET", "POST"])
@csrf.exempt
def session_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    token = issue(tok)
    if attempt.state != IN_PROGRESS:
        return go("practice.mastery_page", tok, token=token, attempt_id=attempt.id)
    current = adaptive.current_item(attempt)
    if current is None:  # a unit whose next choice did not complete (a crash): choose it now
        adaptive.resume(attempt, current_app.config["SECRET_KEY"])
        return go("practice.session_page", tok, token=token, attempt_id=attempt.id)
    iv = next(v for v in review.item_views(attempt) if v.position == current.position)
    settings = adaptive.settings_of(attempt.assignment, (attempt.adaptive or {}).get("focus"))
    return page(render_template("practice/session.html", attempt=attempt, iv=iv, token=token, settings=settings,
                                focus=(attempt.adaptive or {}).get("focus"), answered=current.position - 1,
                                error=request.args.get("error"), label=mastery.technique_label), tok, token)


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
        return go("practice.session_page", tok, anchor="question", attempt_id=attempt.id, error=problem)
    try:
        attempt = adaptive.answer(attempt, position, response, current_app.config["SECRET_KEY"])
    except AttemptError as exc:
        if exc.status != 400:
            raise
        # An answer the question cannot take (more ticks than a select-N allows, without
        # JavaScript): back to the question with the reason, nothing recorded, as the exam does.
        return go("practice.session_page", tok, anchor="question", attempt_id=attempt.id, error=exc.message)
    return go("practice.session_page", tok, attempt_id=attempt.id)


@bp.route("/<int:attempt_id>/mastery", methods=["GET", "POST"])
@csrf.exempt
def mastery_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    history = mastery.answers(tok.user_id, tok.context_id)[tok.user_id]
    token = issue(tok)
    return page(render_template("practice/mastery.html", attempt=attempt, token=token,
                                token_in_urls=not browser_request(), bands=mastery.bands(history, tok.context_id),
                                answers=len(history), habits=mastery.habits(history),
                                stop_labels=adaptive.STOP_LABELS, grade=adaptive.grade_kind(attempt.assignment),
                                label=mastery.technique_label), tok, token)


@bp.route("/<int:attempt_id>/plan", methods=["GET", "POST"])
@csrf.exempt
def plan_page(attempt_id):
    tok, attempt = _own_adaptive(attempt_id)
    token = issue(tok)
    return page(render_template("practice/plan.html", attempt=attempt, token=token,
                                token_in_urls=not browser_request(),
                                plan=study_plan.plan_for(tok.user_id, tok.context_id), label=mastery.technique_label),
                tok, token)


def _to_new(tok, new):
    return go("practice.session_page", LaunchToken(tok.user_id, tok.context_id, tok.resource_link_id, new.id, tok.role),
              attempt_id=new.id)


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
