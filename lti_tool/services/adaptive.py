"""Adaptive practice sessions (issue 16): one item at a time, chosen for the student.

An adaptive attempt is an ordinary Attempt whose items are added one unit at a time (a
standalone item, or a whole case study in order) as the student answers. Each answer is
graded when it is sent, the ability is re-estimated once its unit is complete, and the
session stops when question_bank.adaptive says so (standard error below the target, the
maximum length, or no eligible unit left). Difficulties come from `rapport bank calibrate`
(item_calibration), else the item's label; nothing is calibrated in a request.
"""
from __future__ import annotations

import random

from question_bank import selection
from question_bank.adaptive import Ability, CatSettings, build_units, estimate, is_correct, next_unit, stop_reason
from question_bank.habits import items_with_habit

from ..extensions import db
from ..metrics import note_attempt
from ..models import Assignment, Attempt, AttemptItem, BankItem, ResponseStep
from ..models.attempts import GRADED, IN_PROGRESS
from ..models.base import utcnow
from . import bank_store, calibration, grade_sync, mastery, worked_examples
from .attempt_error import AttemptError
from .presentation import start_state
from .rows import commit_keeping_loaded, insert_unless_exists
from .seen import served_items

DEFAULTS = {"min_items": 5, "max_items": 25, "se_target": 0.45, "grade": "completion"}
GRADE_LABELS = {"completion": "Completion (full points for finishing a session)",
                "mastery": "Mastery percent (share of the session's topics likely mastered)"}
STOP_LABELS = {"precision": "your ability estimate was precise enough",
               "length": "you reached the most questions a session holds",
               "bank": "no further question fitted the session"}
FOCUS_LENGTH = (4, 8)  # a targeted practice set: at least 4, at most 8 questions


def settings_of(assignment: Assignment, focus: str | None = None) -> CatSettings:
    s = dict(DEFAULTS, **(assignment.adaptive or {}))
    if focus:
        return CatSettings(min_items=FOCUS_LENGTH[0], max_items=FOCUS_LENGTH[1], se_target=float(s["se_target"]))
    return CatSettings(min_items=int(s["min_items"]), max_items=int(s["max_items"]), se_target=float(s["se_target"]))


def grade_kind(assignment: Assignment) -> str:
    return (assignment.adaptive or {}).get("grade", DEFAULTS["grade"])


def _pool(assignment: Assignment, context_id: int, focus: str | None, exclude=()):
    """(units, sections, item id -> bank row id, item id -> difficulty) for this session."""
    bp = selection.Blueprint.from_dict(assignment.blueprint)
    visible = set(bank_store.visible_collections(context_id))
    items, row_ids = bank_store.drawable(list(bp.collections) if bp.collections else None)
    items = [i for i in items if i.collection in visible or i.collection == "bundled"]
    sections = list(bp.sections)
    if focus:
        items = [i for i in items_with_habit(items, focus) if i.id not in set(exclude)]
        sections = [(selection.Filter(), 1)]
    difficulty = calibration.difficulties(items)
    return build_units(items, difficulty), sections, row_ids, difficulty


def _seen_or_shown(user_id: int, context_id: int, attempt_id: int) -> frozenset[str]:
    """Served in this course before, or shown with its key as a study-plan worked example."""
    return served_items(user_id, context_id, attempt_id) | worked_examples.shown(user_id, context_id)


def _exposure(assignment_id: int) -> tuple[dict[str, int], int]:
    """Sessions on this link that showed each item, and how many sessions there were."""
    q = (db.select(BankItem.item_id, db.func.count(db.distinct(Attempt.id)))
         .join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .where(Attempt.assignment_id == assignment_id).group_by(BankItem.item_id))
    sessions = db.session.execute(db.select(db.func.count(Attempt.id))
                                  .where(Attempt.assignment_id == assignment_id)).scalar() or 0
    return dict(db.session.execute(q).all()), sessions


def _rng(attempt_id: int, position: int, secret: str) -> random.Random:
    return random.Random(selection.seed_for(f"adaptive:{attempt_id}:{position}", secret))


def begin(attempt_id: int, assignment: Assignment, user_id: int, context_id: int, secret: str,
          focus: str | None = None, exclude=()) -> None:
    """Called in the transaction that inserts the attempt: the session's first unit.
    Adaptive practice is untimed; the session is open from the start. `focus` (a technique)
    makes it a targeted practice set on that habit, without the items in `exclude`."""
    now = utcnow()
    state = {"focus": focus, "exclude": sorted(exclude)} if focus else {}
    db.session.execute(db.update(Attempt).where(Attempt.id == attempt_id).values(opened_at=now, adaptive=state))
    units, sections, row_ids, _ = _pool(assignment, context_id, focus, exclude)
    if not units:
        raise AttemptError("No questions are available for this practice set. Ask your instructor to check its "
                           "question set.", 409)
    exposure, sessions = _exposure(assignment.id)
    rng = _rng(attempt_id, 1, secret)
    unit = next_unit(units, sections, Ability(0.0, 1.0, 0), [], rng, settings_of(assignment, focus),
                     seen_before=_seen_or_shown(user_id, context_id, attempt_id), exposure=exposure,
                     sessions=sessions)
    if unit is None:
        raise AttemptError("No question fits this practice set. Ask your instructor to check its question set.", 409)
    _add_unit(attempt_id, 1, unit, row_ids, rng, assignment.shuffle_options)


def _add_unit(attempt_id: int, position: int, unit, row_ids: dict, rng: random.Random, shuffle: bool) -> None:
    for offset, item in enumerate(unit.items):
        state = start_state(item, shuffle, rng)
        db.session.execute(insert_unless_exists(AttemptItem).values(
            attempt_id=attempt_id, position=position + offset, bank_item_id=row_ids[item.id], presentation=state,
            response=None, response_seq=0, points=None, max_points=None, score_parts=None))


def current_item(attempt: Attempt) -> AttemptItem | None:
    """The question the student is on: the first one not yet answered."""
    return next((i for i in attempt.items if i.points is None), None)


def answer(attempt: Attempt, position: int, response, secret: str) -> Attempt:
    """Grade the answer to the current question, then choose the next unit or stop. A repeated
    post (a double click, a reload) changes nothing. Commits."""
    if attempt.state != IN_PROGRESS:
        raise AttemptError("This practice session has finished; the answer was not changed.", 409)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"There is no question {position} in this session.", 404)
    if item.points is not None:
        return attempt  # already answered: a retried post
    current = current_item(attempt)
    if current is not item:
        raise AttemptError(f"Answer question {current.position} first.", 409)
    t = bank_store.item_type(item.bank_item)
    try:
        score = t.grade(response)
    except ValueError as exc:
        raise AttemptError(f"That answer is not valid for question {position}: {exc}") from exc
    parts = [{"id": p.id, "points": p.points, "max_points": p.max_points} for p in score.parts]
    claimed = db.session.execute(
        db.update(AttemptItem).where(AttemptItem.id == item.id, AttemptItem.points.is_(None))
        .values(response=response, response_seq=1, points=float(score.points), max_points=float(score.max_points),
                # A practice answer is final, so it locks at once: the next part of a case study opens
                # (services/case_progress.py shows a case part only once the parts before it are locked).
                score_parts=parts, locked_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return attempt
    db.session.execute(insert_unless_exists(ResponseStep).values(attempt_item_id=item.id, seq=1, response=response,
                                                                 created_at=utcnow()))
    db.session.commit()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    if current_item(attempt) is None:  # the unit (an item or a whole case study) is complete
        _after_unit(attempt, secret)
    return attempt


def resume(attempt: Attempt, secret: str) -> None:
    """Every question answered but no next one and no stop recorded (the request that graded
    the last answer died before choosing): decide now. Commits."""
    if attempt.state == IN_PROGRESS and current_item(attempt) is None:
        _after_unit(attempt, secret)


def _after_unit(attempt: Attempt, secret: str) -> None:
    assignment = attempt.assignment
    context_id = assignment.resource_link.context_id
    focus = (attempt.adaptive or {}).get("focus")
    units, sections, row_ids, difficulty = _pool(assignment, context_id, focus, (attempt.adaptive or {}).get("exclude", ()))
    answered = [i for i in attempt.items if i.points is not None]
    ability = estimate((difficulty.get(i.bank_item.item_id, 0.0), is_correct(i.points, i.max_points))
                       for i in answered)
    settings = settings_of(assignment, focus)
    reason = stop_reason(ability, len(answered), settings)
    given = [i.bank_item.item_id for i in attempt.items]
    if reason is None:
        exposure, sessions = _exposure(assignment.id)
        position = len(attempt.items) + 1
        rng = _rng(attempt.id, position, secret)
        unit = next_unit(units, sections, ability, given, rng, settings,
                         seen_before=_seen_or_shown(attempt.user_id, context_id, attempt.id), exposure=exposure,
                         sessions=sessions)
        if unit is None:
            reason = "bank"
        else:
            _add_unit(attempt.id, position, unit, row_ids, rng, assignment.shuffle_options)
    state = dict(attempt.adaptive or {}, theta=ability.theta, se=ability.se, n=ability.n)
    if reason is None:
        db.session.execute(db.update(Attempt).where(Attempt.id == attempt.id).values(adaptive=state))
        db.session.commit()
        return
    _finish(attempt, state, reason)


def _finish(attempt: Attempt, state: dict, reason: str) -> None:
    """Stop the session: the grade the instructor chose, and the gradebook sync, in one transaction."""
    now = utcnow()
    assignment = attempt.assignment
    state["stopped"] = reason
    fraction = 1.0
    if grade_kind(assignment) == "mastery":
        topics = {i.bank_item.topic for i in attempt.items}
        bands = mastery.for_student(attempt.user_id, assignment.resource_link.context_id)
        fraction = sum(1 for b in bands if b.topic in topics and b.label == "likely mastered") / (len(topics) or 1)
    claimed = db.session.execute(
        db.update(Attempt).where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
        .values(state=GRADED, submitted_at=now, submitted_by="student", points=fraction, max_points=1.0,
                adaptive=state).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return
    note_attempt(db.session, "submitted", "student")
    if not attempt.is_preview:
        grade_sync.request_sync(assignment.resource_link, attempt.user_id, changed_at=now, cause="submit")
    commit_keeping_loaded()
    db.session.expire_all()
