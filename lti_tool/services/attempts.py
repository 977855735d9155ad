"""The attempt lifecycle: start or resume, autosave, submit (idempotent), timer sweep."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, inspect as sa_inspect
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from question_bank import selection

from ..extensions import db
from ..metrics import note_attempt
from ..models import Accommodation, Assignment, Attempt, AttemptItem, BankItem, ResourceLink, ResponseStep
from ..models.attempts import GRADED, IN_PROGRESS, SUBMITTED
from ..models.base import utcnow
from . import adaptive, bank_store, exposure
from .attempt_error import AttemptError  # noqa: F401 (callers import it from here too)
from .case_progress import case_frontiers, is_last_of_case, reached
from .launch_context import LaunchContext
from .presentation import start_state
from .rows import adopt, commit_keeping_loaded, insert_unless_exists, prepared
from .submission import request_submit, submit  # noqa: F401 (callers use attempts.submit)


@dataclass
class SaveResult:
    applied: bool
    seq: int
    saved_at: datetime


def load(attempt_id: int) -> Attempt | None:
    """The attempt with its assignment, items and their bank items, in one query: every student
    page and action reads them all (lazy loading made it 2 + 2N queries)."""
    attempt = db.session.get(Attempt, attempt_id, options=[
        joinedload(Attempt.assignment).joinedload(Assignment.resource_link),
        joinedload(Attempt.items).joinedload(AttemptItem.bank_item)])
    if attempt is not None and "items" in sa_inspect(attempt).unloaded:
        load_items(attempt)  # held already without them (attempt_rows.head): one query, not 1 + N
    return attempt


def load_items(attempt: Attempt) -> Attempt:
    """Give an attempt loaded without them (attempt_rows.head) its items and bank items, in one query."""
    items = db.session.execute(db.select(AttemptItem).options(joinedload(AttemptItem.bank_item))
                               .where(AttemptItem.attempt_id == attempt.id).order_by(AttemptItem.position)).scalars()
    set_committed_value(attempt, "items", list(items))
    return attempt


def accommodation(context_id: int, user_id: int) -> Accommodation | None:
    return db.session.execute(db.select(Accommodation).filter_by(context_id=context_id, user_id=user_id)).scalar_one_or_none()


def attempts_allowed(assignment: Assignment, acc: Accommodation | None) -> int | None:
    """None means unlimited (adaptive practice always is: a session is practice, not a try)."""
    if assignment.attempts_allowed == 0 or assignment.is_adaptive:
        return None
    return assignment.attempts_allowed + (acc.extra_attempts if acc else 0)


def current_attempt(assignment_id: int, user_id: int) -> Attempt | None:
    return db.session.execute(
        db.select(Attempt).filter_by(assignment_id=assignment_id, user_id=user_id)
        .order_by(Attempt.number.desc())).scalars().first()


def start_or_resume(lc: LaunchContext, secret: str, new: bool = False) -> Attempt:
    """The open attempt if there is one; else a new one if allowed; else the latest attempt.

    `new` asks for another attempt after a finished one (the "Start another attempt" button).
    Commits once, with whatever the launch before it recorded.
    """
    latest = None if lc.new_user else current_attempt(lc.assignment.id, lc.user.id)
    if latest is not None and latest.due_at != lc.due_at and lc.due_at is not None:
        latest.due_at = lc.due_at
    if latest is not None and latest.state == IN_PROGRESS:
        if overdue(latest):
            return submit(latest.id, by="timer")
        commit_keeping_loaded()
        return latest
    if latest is not None and not new:
        commit_keeping_loaded()
        return latest
    # A user created by this launch has no accommodation yet (instructors set them for students
    # who took the assignment).
    acc = None if lc.new_user else accommodation(lc.context.id, lc.user.id)
    allowed = attempts_allowed(lc.assignment, acc)
    used = latest.number if latest else 0
    if allowed is not None and used >= allowed and not lc.is_preview:
        if latest is None:
            raise AttemptError("No attempts are allowed for this assignment.", 403)
        commit_keeping_loaded()
        return latest
    attempt = _create(lc, used + 1, acc, secret)
    if attempt is None:
        # Two tabs started at once: the other one won; use its attempt.
        attempt = current_attempt(lc.assignment.id, lc.user.id)
    commit_keeping_loaded()
    return attempt


def _new_attempt():
    return insert_unless_exists(Attempt.__table__).returning(Attempt.__table__.c.id)


def _create(lc: LaunchContext, number: int, acc: Accommodation | None, secret: str) -> Attempt | None:
    """Insert the attempt and its drawn items (two statements); None if another request
    created this attempt number first."""
    now = utcnow()
    assignment = lc.assignment
    values = dict(assignment_id=assignment.id, user_id=lc.user.id, number=number, state=IN_PROGRESS,
                  is_preview=lc.is_preview, started_at=now, due_at=lc.due_at, deadline_at=None,
                  submitted_at=None, submitted_by=None, submit_requested_at=None, points=None, max_points=None)
    # The clock does not run yet: deadline_at is set when the student presses Start (begin()).
    attempt_id = db.session.execute(prepared("new attempt", _new_attempt), values).scalar()
    if attempt_id is None:
        return None
    note_attempt(db.session, "started")
    if assignment.is_adaptive:  # one unit now, the rest as the student answers (services/adaptive.py)
        adaptive.begin(attempt_id, assignment, lc.user.id, lc.context.id, secret,
                       focus=getattr(lc, "focus", None), exclude=getattr(lc, "exclude", ()))
        return adopt(Attempt(id=attempt_id, **values))
    items, row_ids = bank_store.drawable(assignment.blueprint.get("collections"))
    by_id = {i.id: i for i in items}
    blueprint = selection.Blueprint.from_dict(assignment.blueprint)
    rng = random.Random(selection.seed_for(attempt_id, secret))
    seen = frozenset() if lc.new_user else _seen(lc)
    served = exposure.counts()
    drawn = selection.draw(blueprint, items, rng, seen_ids=seen, exposure=served.get(assignment.id))
    served.note_drawn(assignment.id, drawn)
    rows = []
    for position, item_id in enumerate(drawn, start=1):
        item = by_id[item_id]
        # "Shuffle the answer options" off: options as written, except where the order is the answer.
        state = start_state(item, assignment.shuffle_options, rng)
        rows.append(dict(attempt_id=attempt_id, position=position, bank_item_id=row_ids[item_id],
                         presentation=state, response=None, response_seq=0, points=None, max_points=None,
                         score_parts=None))
    if rows:
        # One executemany; the ORM's unit of work sends one INSERT per row on SQLite.
        db.session.execute(db.insert(AttemptItem.__table__), rows)
    return adopt(Attempt(id=attempt_id, **values))


def time_limit_minutes(assignment: Assignment, acc: Accommodation | None) -> float | None:
    """The student's time limit, accommodation included; None when untimed."""
    if not assignment.time_limit_minutes:
        return None
    return assignment.time_limit_minutes * (acc.time_multiplier if acc else 1.0)


def begin(attempt: Attempt) -> Attempt:
    """The student pressed Start: the clock starts now. Pressing it again (two tabs, a reload) changes nothing."""
    if attempt.opened_at is not None or attempt.state != IN_PROGRESS:
        return attempt
    now = utcnow()
    limit = time_limit_minutes(attempt.assignment, accommodation(attempt.assignment.resource_link.context_id,
                                                                 attempt.user_id))
    values = {"opened_at": now, "started_at": now}
    if limit:
        values["deadline_at"] = now + timedelta(minutes=limit)
    db.session.execute(db.update(Attempt).where(Attempt.id == attempt.id, Attempt.opened_at.is_(None))
                       .values(**values))
    db.session.commit()
    db.session.refresh(attempt)
    return attempt


EXTENSION_MINUTES = 10
MAX_EXTENSIONS = 10  # WCAG 2.2.1 asks that time can be extended at least ten times


def can_extend(attempt: Attempt) -> bool:
    """Students with a time accommodation (or an instructor previewing) may add time themselves."""
    if attempt.deadline_at is None or attempt.state != IN_PROGRESS:
        return False
    if attempt.is_preview:
        return True
    acc = accommodation(attempt.assignment.resource_link.context_id, attempt.user_id)
    return acc is not None and acc.time_multiplier > 1


def extend(attempt: Attempt) -> Attempt:
    if not can_extend(attempt):
        raise AttemptError("More time is not available for this attempt. Ask your instructor about an accommodation.", 403)
    if overdue(attempt):
        submit(attempt.id, by="timer")
        raise AttemptError("Time is up. The attempt was submitted with your saved answers.", 409)
    limit = time_limit_minutes(attempt.assignment, accommodation(attempt.assignment.resource_link.context_id,
                                                                 attempt.user_id)) or 0
    ceiling = attempt.opened_at + timedelta(minutes=limit + EXTENSION_MINUTES * MAX_EXTENSIONS)
    new_deadline = min(attempt.deadline_at + timedelta(minutes=EXTENSION_MINUTES), ceiling)
    if new_deadline <= attempt.deadline_at:
        raise AttemptError(f"You have already added the most time allowed ({MAX_EXTENSIONS} × {EXTENSION_MINUTES} min).", 409)
    attempt.deadline_at = new_deadline
    db.session.commit()
    return attempt


def lock(attempt: Attempt, position: int, response=None) -> AttemptItem:
    """Lock a case item's answer (the student moves on to the next part of the case).

    `response` is the answer shown on the page when the student pressed the button: kept if
    the question was never autosaved, so a save lost in flight loses nothing.
    """
    if attempt.state != IN_PROGRESS:
        raise AttemptError("This attempt has already been submitted.", 409)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"There is no question {position} in this attempt.", 404)
    case = item.bank_item.definition.get("case")
    if not case:
        raise AttemptError(f"Question {position} is not part of a case study; there is nothing to lock.")
    if item.locked_at is not None:
        return item  # a double click or a retried post
    if not reached(item, case_frontiers(attempt)):
        raise AttemptError(f"Question {position} comes later in the case; answer the earlier questions first.", 409)
    if is_last_of_case(item, attempt):
        raise AttemptError("The last question of a case stays open until you submit.", 409)
    if item.response is None and response is not None:
        save_response(attempt, position, item.response_seq + 1, response)
    db.session.execute(db.update(AttemptItem).where(AttemptItem.id == item.id, AttemptItem.locked_at.is_(None))
                       .values(locked_at=utcnow()))
    db.session.commit()
    db.session.refresh(item)
    return item


def set_flag(attempt: Attempt, position: int, flagged: bool) -> None:
    if attempt.state != IN_PROGRESS:
        raise AttemptError("This attempt has already been submitted.", 409)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"There is no question {position} in this attempt.", 404)
    item.flagged = flagged
    db.session.commit()


def _seen(lc: LaunchContext) -> frozenset[str]:
    """Items this student was served anywhere in this course."""
    q = (db.select(BankItem.item_id).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(Attempt.user_id == lc.user.id, ResourceLink.context_id == lc.context.id))
    return frozenset(db.session.execute(q).scalars())


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["SUBMIT_GRACE_SECONDS"])


def overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    return attempt.deadline_at is not None and (now or utcnow()) > attempt.deadline_at + grace()


def save_response(attempt: Attempt, position: int, seq: int, response, commit: bool = True) -> SaveResult:
    """Idempotent and out-of-order safe: every save is logged; only a newer seq replaces the answer.
    commit=False leaves the commit to the caller (several answers in one transaction). `attempt`
    is an Attempt or the narrow attempt_rows.AttemptRow (autosave)."""
    if attempt.state != IN_PROGRESS:
        raise AttemptError("This attempt has already been submitted; the answer was not changed.", 409)
    if overdue(attempt):
        submit(attempt.id, by="timer")
        raise AttemptError("Time is up. The attempt was submitted with your saved answers.", 409)
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None:
        raise AttemptError(f"There is no question {position} in this attempt.", 404)
    if seq < 1:
        raise AttemptError("The save has no sequence number.")
    if attempt.opened_at is None and attempt.assignment.time_limit_minutes:
        raise AttemptError("This timed attempt has not been started; press Start first.", 409)
    if item.locked_at is not None:
        raise AttemptError(f"Your answer to question {position} is locked: you moved on in the case study.", 423)
    if not reached(item, case_frontiers(attempt)):
        raise AttemptError(f"Question {position} comes later in the case; answer the earlier questions first.", 423)
    try:
        bank_store.item_type(item.bank_item).validate_response(response)
    except ValueError as exc:
        raise AttemptError(f"That answer is not valid for question {position}: {exc}") from exc
    now = utcnow()
    # Log the step unless this seq is already logged (a retried save), apply it unless a newer one
    # was. Conditional, not compared in Python: two saves for one question racing in concurrent
    # requests must not let the older overwrite the newer (lost update).
    step = dict(attempt_item_id=item.id, seq=seq, response=response, created_at=now)
    answer = dict(item_id=item.id, new_seq=seq, new_response=response)
    if db.engine.dialect.name == "postgresql":
        # One round trip: the log and the apply as one statement (PostgreSQL runs DML in a CTE).
        logged, applied = db.session.execute(prepared("log and apply answer", _log_and_apply),
                                             step | answer).one()
        applied = bool(logged) and applied == 1
    else:
        logged = db.session.execute(prepared("log step", _log_step), step).scalar()
        applied = logged is not None and db.session.execute(
            prepared("apply answer", _apply_answer), answer).rowcount == 1
    if not logged:
        return SaveResult(False, max(item.response_seq, seq), now)  # a retried save we already have
    if applied:  # what the row now holds, so the rest of the request need not read it again
        if isinstance(item, AttemptItem):
            set_committed_value(item, "response", response)
            set_committed_value(item, "response_seq", seq)
        else:  # an attempt_rows.ItemRow (autosave reads no ORM objects)
            item.response, item.response_seq = response, seq
    if commit:
        commit_keeping_loaded()
    return SaveResult(applied, seq if applied else max(item.response_seq, seq), now)


def _log_step():
    step = ResponseStep.__table__
    return insert_unless_exists(step).returning(step.c.id)


def _log_and_apply():
    """PostgreSQL: _log_step and _apply_answer in one statement; (steps logged, rows applied)."""
    step, item = ResponseStep.__table__, AttemptItem.__table__
    logged = (insert_unless_exists(step).values(
        attempt_item_id=bindparam("attempt_item_id"), seq=bindparam("seq"),
        response=bindparam("response", type_=step.c.response.type),
        created_at=bindparam("created_at", type_=step.c.created_at.type)).returning(step.c.id).cte("logged"))
    applied = (_apply_answer().where(db.exists(db.select(logged.c.id))).returning(item.c.id).cte("applied"))
    return db.select(db.select(db.func.count()).select_from(logged).scalar_subquery(),
                     db.select(db.func.count()).select_from(applied).scalar_subquery())


def _apply_answer():
    item = AttemptItem.__table__
    return (db.update(item).where(item.c.id == bindparam("item_id"), item.c.response_seq < bindparam("new_seq"))
            .values(response=bindparam("new_response", type_=item.c.response.type), response_seq=bindparam("new_seq")))


ALL_FRESH = "all"  # a page without JavaScript: every answer on its form is the newest there is


def save_unsaved(attempt: Attempt, responses: dict, fresh: set[int] | str = frozenset()) -> None:
    """Answers sent with a page's form (submit, case lock): kept for questions never autosaved,
    and for those the page says are newer than their last save (`fresh`: the positions whose
    autosave had not got through, or ALL_FRESH from a page without JavaScript). Any other
    question keeps its autosaved answer: a stale second tab must not overwrite newer saves."""
    if overdue(attempt) or (attempt.opened_at is None and attempt.assignment.time_limit_minutes):
        return
    frontiers = case_frontiers(attempt)
    saved = False
    for item in attempt.items:
        response = responses.get(item.position)
        if response is None or item.locked_at is not None or not reached(item, frontiers):
            continue
        if item.response is None or (response != item.response and (fresh == ALL_FRESH or item.position in fresh)):
            try:  # one transaction for them all: a 25-question form without JavaScript was 25 commits
                save_response(attempt, item.position, item.response_seq + 1, response, commit=False)
            except AttemptError:
                continue  # an answer the item refuses: grade whatever was autosaved for it
            saved = True
    if saved:
        commit_keeping_loaded()


def sweep_overdue(now: datetime | None = None) -> int:
    """Submit attempts whose time ran out and whose student never came back."""
    now = now or utcnow()
    ids = db.session.execute(db.select(Attempt.id).where(
        Attempt.state == IN_PROGRESS, Attempt.deadline_at.is_not(None),
        Attempt.deadline_at < now - grace())).scalars().all()
    for attempt_id in ids:
        submit(attempt_id, by="sweep")
    return len(ids)
