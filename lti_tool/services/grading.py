"""Grade an attempt from its stored rows."""
from __future__ import annotations

from ..models import Attempt
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
