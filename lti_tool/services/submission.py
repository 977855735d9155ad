"""Finishing an attempt: the student's request to submit (noted in its own commit), and the
grading that closes the attempt exactly once, whoever asks (the student, the page's timer, the
sweep, a relaunch after the deadline).

Graded from narrow rows (attempt_rows): no ORM object per item; the items' scores go in one
executemany, the attempt is claimed and scored by one conditional UPDATE, and the gradebook
sync request is written in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..metrics import note_attempt
from ..models import Attempt, AttemptItem, ResourceLink
from ..models.attempts import GRADED, IN_PROGRESS
from ..models.base import utcnow
from . import attempt_rows, grade_sync, grading
from .attempt_error import AttemptError
from .rows import commit_keeping_loaded, prepared


def request_submit(attempt) -> None:
    """Note, in its own commit, that the student asked to submit: if grading never completes
    (a crash), the next launch says so and offers Submit again. `attempt`: an Attempt or an
    attempt_rows.AttemptRow."""
    if attempt.state == IN_PROGRESS and attempt.submit_requested_at is None:
        now = utcnow()
        if db.session.execute(db.update(Attempt).where(Attempt.id == attempt.id, Attempt.state == IN_PROGRESS)
                              .values(submit_requested_at=now)).rowcount:
            if isinstance(attempt, Attempt):
                set_committed_value(attempt, "submit_requested_at", now)
            else:
                attempt.submit_requested_at = now
        commit_keeping_loaded()  # the submit that follows grades the items this request holds


def submit(attempt_id: int, by: str = "student") -> Attempt:
    """Grade once, whatever happens: a double click, two tabs, a retry, the timer. Returns the
    attempt (as stored once graded, or as it was if someone else graded it first)."""
    rows = attempt_rows.load(attempt_id)
    if rows is None:
        raise AttemptError("No such attempt.", 404)
    finish(rows, by)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise AttemptError("No such attempt.", 404)
    return attempt


@dataclass(frozen=True, slots=True)
class LinkRow:
    """What grade_sync.request_sync reads of a resource link (a narrow row, not the ORM object)."""

    id: int
    lineitem_url: str | None
    lineitems_url: str | None
    ags_scopes: list | None
    assignment: object


def _link_statement():
    link = ResourceLink.__table__.c
    return (db.select(link.id, link.lineitem_url, link.lineitems_url, link.ags_scopes)
            .where(link.id == bindparam("link_id")))


def finish(rows: attempt_rows.AttemptRow, by: str = "student", now: datetime | None = None) -> bool:
    """Grade and close the attempt these rows were read from; False if it was no longer in
    progress (nothing written). Commits (expiring what the session holds: it was written past it).

    Graded from the rows as read; the claim makes it count only if the attempt was still in
    progress, and writes the state and the score in one statement.
    """
    if rows.state != IN_PROGRESS:
        return False
    now = now or utcnow()
    total, maximum, scores = grading.score_items(rows.items)
    claimed = db.session.execute(
        db.update(Attempt.__table__).where(Attempt.id == rows.id, Attempt.state == IN_PROGRESS)
        .values(state=GRADED, submitted_at=now, submitted_by=by, points=total, max_points=maximum)).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    note_attempt(db.session, "submitted", by)
    if scores:
        item = AttemptItem.__table__
        db.session.execute(
            db.update(item).where(item.c.id == bindparam("item_id"))
            .values(points=bindparam("p"), max_points=bindparam("m"), score_parts=bindparam("parts")),
            [{"item_id": s.id, "p": s.points, "m": s.max_points, "parts": s.score_parts} for s in scores])
    link_id = rows.assignment.resource_link_id
    if not rows.is_preview and link_id is not None:  # Moodle rejects scores for users who cannot be graded
        link = db.session.execute(prepared("link for grade sync", _link_statement), {"link_id": link_id}).one()
        grade_sync.request_sync(LinkRow(link.id, link.lineitem_url, link.lineitems_url, link.ags_scopes,
                                        rows.assignment), rows.user_id, changed_at=now, cause="submit",
                                graded=True, first_grade=rows.number == 1)
    db.session.commit()
    return True
