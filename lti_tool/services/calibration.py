"""Calibrate the bank from every graded, non-preview answer (all courses): the offline step
behind `rapport bank calibrate`. Requests only read the stored difficulties."""
from __future__ import annotations

from dataclasses import dataclass

from question_bank.adaptive import GradedResponse, calibrate, difficulty_of

from ..extensions import db
from ..models import Attempt, AttemptItem, BankItem, ItemCalibration
from ..models.attempts import GRADED
from ..models.base import utcnow
from . import bank_store


@dataclass
class CalibrationReport:
    items: int           # items calibrated (every current item)
    with_data: int       # items that had graded answers
    responses: int
    students: int
    poor_fit: list       # (item_id, n, difficulty, [problems])


def graded_responses() -> list[GradedResponse]:
    """One per graded answer, oldest first (a later answer by the same student wins)."""
    q = (db.select(BankItem.item_id, Attempt.user_id, AttemptItem.points, AttemptItem.max_points)
         .join(AttemptItem, AttemptItem.bank_item_id == BankItem.id)
         .join(Attempt, Attempt.id == AttemptItem.attempt_id)
         .where(Attempt.state == GRADED, Attempt.is_preview.is_(False), AttemptItem.points.is_not(None),
                AttemptItem.max_points > 0)
         .order_by(Attempt.submitted_at, AttemptItem.id))
    return [GradedResponse(i, u, float(p), float(m)) for i, u, p, m in db.session.execute(q)]


def run() -> CalibrationReport:
    """Refit every current item and replace the stored calibrations. Commits."""
    labels = {iid: row.difficulty for iid, row in bank_store.current_items().items()}
    responses = graded_responses()
    result = calibrate(responses, labels)
    now = utcnow()
    db.session.execute(db.delete(ItemCalibration))
    db.session.add_all(ItemCalibration(
        item_id=c.item_id, label=c.label, difficulty=float(c.difficulty), se=float(c.se), responses=c.n,
        facility=c.facility, infit=c.infit, outfit=c.outfit, discrimination=c.discrimination,
        problems=c.problems or None, calibrated_at=now) for c in result.items.values())
    db.session.commit()
    poor = sorted(((c.item_id, c.n, c.difficulty, c.problems) for c in result.items.values() if c.problems),
                  key=lambda r: -r[1])
    return CalibrationReport(len(result.items), sum(1 for c in result.items.values() if c.n),
                             len(responses), result.persons, poor)


def difficulties(items) -> dict[str, float]:
    """item id -> difficulty for these question_bank Items: calibrated, else the label's prior."""
    stored = {r.item_id: r.difficulty for r in db.session.execute(
        db.select(ItemCalibration).where(ItemCalibration.item_id.in_([i.id for i in items]))).scalars()}
    return {i.id: difficulty_of(i.id, i.difficulty, stored) for i in items}
