"""The attempt lifecycle: start or resume, autosave, submit (idempotent), timer sweep."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from question_bank import selection
from question_bank.types import get_type

from ..extensions import db
from ..models import Accommodation, Assignment, Attempt, AttemptItem, BankItem, ResourceLink, ResponseStep
from ..models.attempts import GRADED, IN_PROGRESS, SUBMITTED
from ..models.base import utcnow
from . import bank_store, grade_sync, grading
from .launches import LaunchContext


class AttemptError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class SaveResult:
    applied: bool
    seq: int
    saved_at: datetime


def accommodation(context_id: int, user_id: int) -> Accommodation | None:
    return db.session.execute(db.select(Accommodation).filter_by(context_id=context_id, user_id=user_id)).scalar_one_or_none()


def attempts_allowed(assignment: Assignment, acc: Accommodation | None) -> int | None:
    """None means unlimited."""
    if assignment.attempts_allowed == 0:
        return None
    return assignment.attempts_allowed + (acc.extra_attempts if acc else 0)


def current_attempt(assignment_id: int, user_id: int) -> Attempt | None:
    return db.session.execute(
        db.select(Attempt).filter_by(assignment_id=assignment_id, user_id=user_id)
        .order_by(Attempt.number.desc())).scalars().first()


def start_or_resume(lc: LaunchContext, secret: str, new: bool = False) -> Attempt:
    """The open attempt if there is one; else a new one if allowed; else the latest attempt.

    `new` asks for another attempt after a finished one (the "Start another attempt" button).
    """
    latest = current_attempt(lc.assignment.id, lc.user.id)
    if latest is not None and latest.due_at != lc.due_at and lc.due_at is not None:
        latest.due_at = lc.due_at
        db.session.commit()
    if latest is not None and latest.state == IN_PROGRESS:
        if overdue(latest):
            return submit(latest.id, by="timer")
        return latest
    if latest is not None and not new:
        return latest
    acc = accommodation(lc.context.id, lc.user.id)
    allowed = attempts_allowed(lc.assignment, acc)
    used = latest.number if latest else 0
    if allowed is not None and used >= allowed and not lc.is_preview:
        if latest is None:
            raise AttemptError("No attempts are allowed for this assignment.", 403)
        return latest
    try:
        attempt = _create(lc, used + 1, acc, secret)
        db.session.commit()
        return attempt
    except IntegrityError:
        # Two tabs started at once: the other one won; use its attempt.
        db.session.rollback()
        return current_attempt(lc.assignment.id, lc.user.id)


def _create(lc: LaunchContext, number: int, acc: Accommodation | None, secret: str) -> Attempt:
    now = utcnow()
    assignment = lc.assignment
    attempt = Attempt(assignment_id=assignment.id, user_id=lc.user.id, number=number, state=IN_PROGRESS,
                      is_preview=lc.is_preview, started_at=now, due_at=lc.due_at)
    if assignment.time_limit_minutes:
        multiplier = acc.time_multiplier if acc else 1.0
        attempt.deadline_at = now + timedelta(minutes=assignment.time_limit_minutes * multiplier)
    db.session.add(attempt)
    db.session.flush()  # the id seeds the draw
    items, row_ids = bank_store.drawable(assignment.blueprint.get("collections"))
    by_id = {i.id: i for i in items}
    blueprint = selection.Blueprint.from_dict(assignment.blueprint)
    rng = random.Random(selection.seed_for(attempt.id, secret))
    drawn = selection.draw(blueprint, items, rng, seen_ids=_seen(lc), exposure=_exposure(assignment.id))
    for position, item_id in enumerate(drawn, start=1):
        item = by_id[item_id]
        # "Shuffle the answer options" off: options as written, except where the order is the answer.
        as_written = not assignment.shuffle_options and item.type != "ordered_response"
        state = get_type(item.type)(item.definition).start(_AS_WRITTEN if as_written else rng)
        db.session.add(AttemptItem(attempt_id=attempt.id, position=position, bank_item_id=row_ids[item_id],
                                   presentation=state))
    db.session.flush()
    return attempt


class _AsWritten(random.Random):
    """An RNG whose shuffle keeps the order: items start with their options as the author wrote them."""

    def shuffle(self, x):
        return None


_AS_WRITTEN = _AsWritten(0)


def _seen(lc: LaunchContext) -> frozenset[str]:
    """Items this student was served anywhere in this course."""
    q = (db.select(BankItem.item_id).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(Attempt.user_id == lc.user.id, ResourceLink.context_id == lc.context.id))
    return frozenset(db.session.execute(q).scalars())


def _exposure(assignment_id: int) -> dict[str, int]:
    """How often each item was served in this resource link."""
    q = (db.select(BankItem.item_id, func.count()).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .where(Attempt.assignment_id == assignment_id).group_by(BankItem.item_id))
    return dict(db.session.execute(q).all())


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["SUBMIT_GRACE_SECONDS"])


def overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    return attempt.deadline_at is not None and (now or utcnow()) > attempt.deadline_at + grace()


def save_response(attempt: Attempt, position: int, seq: int, response) -> SaveResult:
    """Idempotent and out-of-order safe: every save is logged; only a newer seq replaces the answer."""
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
    try:
        bank_store.item_type(item.bank_item).validate_response(response)
    except ValueError as exc:
        raise AttemptError(f"That answer is not valid for question {position}: {exc}") from exc
    now = utcnow()
    exists = db.session.execute(db.select(ResponseStep.id).filter_by(attempt_item_id=item.id, seq=seq)).first()
    if exists:
        return SaveResult(False, item.response_seq, now)  # a retried save we already have
    db.session.add(ResponseStep(attempt_item_id=item.id, seq=seq, response=response, created_at=now))
    # A conditional UPDATE, not a compare in Python: two saves for one question racing in
    # concurrent requests must not let the older one overwrite the newer (lost update).
    applied = db.session.execute(
        db.update(AttemptItem).where(AttemptItem.id == item.id, AttemptItem.response_seq < seq)
        .values(response=response, response_seq=seq)).rowcount == 1
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same seq raced in from another request
        return SaveResult(False, seq, now)
    db.session.refresh(item)
    return SaveResult(applied, item.response_seq, now)


def save_unsaved(attempt: Attempt, responses: dict) -> None:
    """Answers sent with the submit form, kept only for questions never autosaved:
    a stale second tab must not overwrite newer saves."""
    if overdue(attempt):
        return
    for item in attempt.items:
        response = responses.get(item.position)
        if item.response is None and response is not None:
            save_response(attempt, item.position, item.response_seq + 1, response)


def request_submit(attempt: Attempt) -> None:
    """Note, in its own commit, that the student asked to submit: if grading never completes
    (a crash), the next launch says so and offers Submit again."""
    if attempt.state == IN_PROGRESS and attempt.submit_requested_at is None:
        db.session.execute(db.update(Attempt).where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
                           .values(submit_requested_at=utcnow()))
        db.session.commit()


def submit(attempt_id: int, by: str = "student") -> Attempt:
    """Grade once, whatever happens: a double click, two tabs, a retry, the timer.

    A conditional UPDATE claims the attempt, so only one caller grades it; the grade
    and the gradebook sync request are written in that same transaction.
    """
    now = utcnow()
    claimed = db.session.execute(
        db.update(Attempt).where(Attempt.id == attempt_id, Attempt.state == IN_PROGRESS)
        .values(state=SUBMITTED, submitted_at=now, submitted_by=by)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is None:
            raise AttemptError("No such attempt.", 404)
        return attempt
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    grading.grade_attempt(attempt)
    attempt.state = GRADED
    if not attempt.is_preview:  # Moodle rejects scores for users who cannot be graded
        grade_sync.request_sync(attempt.assignment.resource_link, attempt.user_id,
                                changed_at=attempt.submitted_at, cause="submit")
    db.session.commit()
    return attempt


def sweep_overdue(now: datetime | None = None) -> int:
    """Submit attempts whose time ran out and whose student never came back."""
    now = now or utcnow()
    ids = db.session.execute(db.select(Attempt.id).where(
        Attempt.state == IN_PROGRESS, Attempt.deadline_at.is_not(None),
        Attempt.deadline_at < now - grace())).scalars().all()
    for attempt_id in ids:
        submit(attempt_id, by="sweep")
    return len(ids)
