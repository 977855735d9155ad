"""Grade an attempt from its stored rows and queue the gradebook score (the outbox row)."""
from __future__ import annotations

from question_bank.scoring import combine_attempts

from ..extensions import db
from ..models import Attempt, GradeDelivery
from ..models.attempts import GRADED
from ..models.grades import PENDING
from ..models.base import utcnow
from . import bank_store


def grade_attempt(attempt: Attempt) -> None:
    """Reads only what the attempt stored: item version, option order, saved answer."""
    total = maximum = 0.0
    for item in attempt.items:
        score = bank_store.item_type(item.bank_item).grade(item.response)
        item.points, item.max_points = float(score.points), float(score.max_points)
        item.score_parts = [{"id": p.id, "points": p.points, "max_points": p.max_points} for p in score.parts]
        total += item.points
        maximum += item.max_points
    attempt.points, attempt.max_points = total, maximum


def gradebook_fraction(assignment_id: int, user_id: int, method: str) -> float | None:
    graded = db.session.execute(
        db.select(Attempt).where(Attempt.assignment_id == assignment_id, Attempt.user_id == user_id,
                                 Attempt.state == GRADED).order_by(Attempt.number)).scalars().all()
    fractions = [a.fraction or 0.0 for a in graded]
    return combine_attempts(fractions, method) if fractions else None


def queue_delivery(attempt: Attempt) -> GradeDelivery | None:
    """Never for previews: Moodle rejects scores for users who cannot be graded."""
    if attempt.is_preview:
        return None
    assignment = attempt.assignment
    link = assignment.resource_link
    if not link.lineitem_url:
        return None
    fraction = gradebook_fraction(assignment.id, attempt.user_id, assignment.grading_method) or 0.0
    row = GradeDelivery(attempt_id=attempt.id, resource_link_id=link.id, user_id=attempt.user_id,
                        lineitem_url=link.lineitem_url,
                        score_given=round(fraction * assignment.points_possible, 4),
                        score_maximum=float(assignment.points_possible),
                        started_at=attempt.started_at, submitted_at=attempt.submitted_at,
                        status=PENDING, next_try_at=utcnow())
    db.session.add(row)
    return row
