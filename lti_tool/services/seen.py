"""What a student has already met in a course: the bank items they were served, and those whose
key and rationales their reviews show."""
from __future__ import annotations

from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Assignment, Attempt, AttemptItem, BankItem, ResourceLink
from ..models.attempts import GRADED
from .review import feedback_visible


def served_items(user_id: int, context_id: int, before_attempt: int = 0) -> frozenset[str]:
    """Items this student was served in this course (other than in `before_attempt`)."""
    q = (db.select(BankItem.item_id).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(Attempt.user_id == user_id, ResourceLink.context_id == context_id, Attempt.id != before_attempt))
    return frozenset(db.session.execute(q).scalars())


def reviewed_items(user_id: int, context_id: int) -> dict[str, str]:
    """Items whose key and rationales the review of this student's graded assignments (not
    adaptive practice, which has no review page of its own) in this course shows now: the
    attempt is graded and its assignment's feedback policy allows it. item id -> the title of
    the assignment whose review shows it (the latest)."""
    attempts = db.session.execute(
        db.select(Attempt).join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
        .where(Attempt.user_id == user_id, ResourceLink.context_id == context_id, Attempt.state == GRADED,
               Assignment.mode != "adaptive")
        .order_by(Attempt.started_at)
        .options(joinedload(Attempt.assignment))).scalars().all()
    shown = {a.id: a.assignment.title for a in attempts if feedback_visible(a)}
    if not shown:
        return {}
    q = (db.select(BankItem.item_id, AttemptItem.attempt_id).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .where(AttemptItem.attempt_id.in_(list(shown))).order_by(AttemptItem.attempt_id))
    return {item_id: shown[attempt_id] for item_id, attempt_id in db.session.execute(q)}
