"""The student's attempt: the question page, autosave, submit, review."""
from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from ..extensions import csrf, db
from ..launch_token import LaunchToken, issue
from ..models import Attempt
from ..models.attempts import IN_PROGRESS
from ..models.base import utcnow
from ..services import attempts, grade_sync, page_answers, review, submission
from ..services.lms_frame import lms_origins
from ..services.bank_store import item_type
from ..services.launches import context_for
from .auth import attempt_for, attempt_head_for, attempt_rows_for, current_token
from .navigation import browser_request, go, page

bp = Blueprint("student", __name__)


@bp.route("/attempt/<int:attempt_id>", methods=["GET", "POST"])
@csrf.exempt  # POST only carries the launch token here (the hand-off page); it changes nothing
def attempt_page(attempt_id):
    return _attempt_response(current_token(), attempt_id)


def launch_page(tok, attempt_id):
    """The page a browser's launch opens, in the launch's own response: the first page costs no
    request of its own. Its URL is still the launch's, which a reload would post again (a used
    id_token: refused), so the page settles itself (static/handoff.js): where this browser keeps
    the partitioned cookie (/lti/cookie-check), history.replaceState moves it to its own URL,
    which a reload opens with that cookie; elsewhere it posts the token there, as a hand-off does."""
    return _attempt_response(tok, attempt_id, settle=True)


def _attempt_response(tok, attempt_id, settle=False):
    attempt, questions, cases, acc = attempt_head_for(tok, attempt_id)  # the items only if the page shows them
    if attempt.state == IN_PROGRESS and attempts.overdue(attempt):
        attempt = attempts.submit(attempt.id, by="timer")
    token = issue(tok)
    if attempt.assignment.is_adaptive:  # adaptive practice has its own pages (blueprints/practice.py)
        return go("practice.session_page", tok, token=token, attempt_id=attempt.id, check=settle)
    if attempt.state != IN_PROGRESS:
        return go("student.review_page", tok, token=token, attempt_id=attempt.id, check=settle)
    where = _settle(tok, attempt.id) if settle else None
    if attempt.opened_at is None and attempt.submit_requested_at is None:
        return page(_start_page(tok, attempt, token, questions, cases, acc, where), tok, token)
    return page(_attempt_page(tok, attempts.load_items(attempt), token, settle=where), tok, token)


def _settle(tok, attempt_id) -> dict:
    """Where a page served in a launch's response belongs (see launch_page)."""
    return {"url": url_for("student.attempt_page", attempt_id=attempt_id),
            "check_url": url_for("lti.cookie_check", link=tok.resource_link_id)}


def _attempt_page(tok, attempt, token, problems=None, status=200, settle=None):
    """The questions; `problems` (position -> words) from a form that could not be taken as sent."""
    items = review.item_views(attempt)
    return render_template("student/attempt.html", attempt=attempt, items=items,
                           token=token, unanswered=review.unanswered(attempt),
                           mode=attempt.assignment.delivery_mode, can_extend=attempts.can_extend(attempt),
                           extension_minutes=attempts.EXTENSION_MINUTES,
                           grace=current_app.config["SUBMIT_GRACE_SECONDS"],
                           lms_origins=lms_origins(tok.resource_link_id), problems=problems or {},
                           settle=settle), status


def _keep_page_answers(attempt) -> dict[int, str]:
    """Save what the posted page holds that the server does not have yet; the problems, by question."""
    if attempt.state != IN_PROGRESS or request.form.get("has_answers") != "1":
        return {}
    found = page_answers.read(attempt, request.form)
    attempts.save_unsaved(attempt, found.responses, page_answers.fresh_positions(request.form.get("fresh")))
    return found.problems


def _start_page(tok, attempt, token, questions, cases, acc, settle=None):
    a = attempt.assignment
    allowed = attempts.attempts_allowed(a, acc)
    return render_template("student/start.html", attempt=attempt, assignment=a, token=token,
                           questions=questions, cases=cases, allowed=allowed,
                           limit=attempts.time_limit_minutes(a, acc), accommodated=bool(acc and acc.time_multiplier > 1),
                           mode=a.delivery_mode, lms_origins=lms_origins(tok.resource_link_id), settle=settle)


@bp.post("/attempt/<int:attempt_id>/start")
@csrf.exempt  # the launch token is the CSRF defence here
def start(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    if attempt.state == IN_PROGRESS:
        attempts.begin(attempt)
    return go("student.attempt_page", tok, attempt_id=attempt.id)


@bp.post("/attempt/<int:attempt_id>/flag")
@csrf.exempt
def flag(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    try:
        position = int(request.form["position"])
    except (KeyError, ValueError):
        return jsonify(error="A flag needs a question position."), 400
    attempts.set_flag(attempt, position, request.form.get("flagged") == "1")
    return jsonify(flagged=request.form.get("flagged") == "1", lt=issue(tok))


@bp.post("/attempt/<int:attempt_id>/lock")
@csrf.exempt
def lock(attempt_id):
    """Lock a case item's answer and go on to the next part of the case (a plain form post: works
    without JavaScript). The page's other answers are kept too; a lock is refused while the
    answer to lock cannot be kept as given (locking is for good)."""
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    try:
        position = int(request.form["lock"])
    except (KeyError, ValueError):
        return jsonify(error="Say which question to lock."), 400
    problems = _keep_page_answers(attempt)
    if position in problems:
        return _attempt_page(tok, attempt, issue(tok), problems, 400)
    attempts.lock(attempt, position)
    return go("student.attempt_page", tok, attempt_id=attempt.id, anchor=f"question-{position + 1}")


@bp.post("/attempt/<int:attempt_id>/extend")
@csrf.exempt
def extend(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    attempt = attempts.extend(attempt)
    return jsonify(deadline=attempt.deadline_at.isoformat(), lt=issue(tok))


@bp.post("/attempt/<int:attempt_id>/save")
@csrf.exempt  # the launch token is the CSRF defence here
def save(attempt_id):
    tok = current_token()
    attempt = attempt_rows_for(tok, attempt_id)  # narrow rows: the hottest request of an exam
    try:
        position, seq = int(request.form["position"]), int(request.form["seq"])
    except (KeyError, ValueError):
        return jsonify(error="A save needs a question position and a sequence number."), 400
    item = attempt.item_at(position)
    if item is None:
        return jsonify(error=f"There is no question {position} in this attempt."), 404
    try:
        response = item_type(item.bank_item).from_form(request.form, review.prefix_for(position))
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    result = attempts.save_response(attempt, position, seq, response)
    return jsonify(saved=True, applied=result.applied, seq=result.seq,
                   saved_at=result.saved_at.isoformat(), lt=issue(tok),
                   unanswered=review.unanswered(attempt))


@bp.post("/attempt/<int:attempt_id>/submit")
@csrf.exempt
def submit(attempt_id):
    tok = current_token()
    attempt = attempt_rows_for(tok, attempt_id)  # narrow rows: graded without an ORM object per item
    # The form carries every answer too, so a save lost in flight (or no JavaScript) loses nothing.
    problems = _keep_page_answers(attempt)
    timed_out = request.form.get("timed_out") == "1" and attempt.deadline_at is not None \
        and utcnow() >= attempt.deadline_at
    if problems and page_answers.fresh_positions(request.form.get("fresh")) == attempts.ALL_FRESH \
            and not timed_out and not attempts.overdue(attempt):
        # A page without JavaScript showed no message while answering: say what to fix, submit nothing yet.
        return _attempt_page(tok, attempts.load(attempt.id), issue(tok), problems, 400)
    submission.request_submit(attempt)
    # The page's own timer posts with timed_out=1; believe it only once the deadline has passed.
    submission.finish(attempt, by="timer" if timed_out else "student")
    return go("student.review_page", tok, attempt_id=attempt.id)


def _own_attempt(tok, attempt_id):
    """The token's attempt, or an earlier attempt of the same student on the same link (its review)."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != tok.user_id \
            or attempt.assignment.resource_link_id != tok.resource_link_id:
        abort(403, "This attempt does not belong to your launch.")
    return attempt


@bp.route("/attempt/<int:attempt_id>/review", methods=["GET", "POST"])
@csrf.exempt  # POST only carries the launch token here (the hand-off page); it changes nothing
def review_page(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id) if tok.attempt_id == attempt_id else _own_attempt(tok, attempt_id)
    if attempt.assignment.is_adaptive and tok.attempt_id == attempt.id:
        return go("practice.session_page", tok, attempt_id=attempt.id)
    if attempt.state == IN_PROGRESS:
        if tok.attempt_id != attempt.id:
            abort(403, "This attempt does not belong to your launch.")
        return go("student.attempt_page", tok, attempt_id=attempt.id)
    show = review.feedback_visible(attempt)
    acc = attempts.accommodation(tok.context_id, tok.user_id)
    allowed = attempts.attempts_allowed(attempt.assignment, acc)
    latest = attempts.current_attempt(attempt.assignment_id, attempt.user_id)
    can_retry = (allowed is None or latest.number < allowed or attempt.is_preview) and latest.state != IN_PROGRESS
    past = review.history(attempt)
    trend = review.topic_trend([db.session.get(Attempt, h.id) for h in past]) if len(past) > 1 else {}
    counted = None if attempt.is_preview else grade_sync.gradebook_score(attempt.assignment, attempt.user_id)
    token = issue(tok)
    return page(render_template("student/review.html", attempt=attempt, show=show, token=token,
                           items=review.item_views(attempt, with_review=show),
                           breakdown=review.breakdown(attempt) if show else None,
                           can_retry=can_retry, allowed=allowed, history=past, trend=trend, counted=counted,
                           percent=review.percent, points=review.points,
                           sync=grade_sync.sync_status(attempt.assignment.resource_link, attempt.user_id),
                           lms_origins=lms_origins(tok.resource_link_id),
                           token_in_urls=not browser_request()), tok, token)


@bp.post("/attempt/<int:attempt_id>/again")
@csrf.exempt
def again(attempt_id):
    tok = current_token()
    attempt = attempt_for(tok, attempt_id)
    lc = context_for(tok.user_id, tok.context_id, attempt.assignment.resource_link, is_staff=tok.role == "staff",
                     is_preview=attempt.is_preview, due_at=attempt.due_at)
    new = attempts.start_or_resume(lc, current_app.config["SECRET_KEY"], new=True)
    return go("student.attempt_page", LaunchToken(tok.user_id, tok.context_id, tok.resource_link_id, new.id, tok.role),
              attempt_id=new.id)
