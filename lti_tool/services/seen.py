"""What a student has already met in a course: the bank items they were served."""
from __future__ import annotations

from ..extensions import db
from ..models import Assignment, Attempt, AttemptItem, BankItem, ResourceLink


def served_items(user_id: int, context_id: int, before_attempt: int = 0) -> frozenset[str]:
    """Items this student was served in this course (other than in `before_attempt`)."""
    q = (db.select(BankItem.item_id).join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .join(Assignment, Assignment.id == Attempt.assignment_id)
         .join(ResourceLink, ResourceLink.id == Assignment.resource_link_id)
         .where(Attempt.user_id == user_id, ResourceLink.context_id == context_id, Attempt.id != before_attempt))
    return frozenset(db.session.execute(q).scalars())
