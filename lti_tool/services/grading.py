"""Grade an attempt from its stored rows."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Attempt
from . import bank_store


@dataclass
class ItemScore:
    id: int
    points: float
    max_points: float
    score_parts: list


def score_items(items) -> tuple[float, float, list[ItemScore]]:
    """(points, max points, each item's score) from what each item stored: its bank item version
    and its saved answer. `items` are AttemptItems or attempt_rows.ItemRows."""
    total = maximum = 0.0
    scores = []
    for item in items:
        score = bank_store.item_type(item.bank_item).grade(item.response)
        s = ItemScore(item.id, float(score.points), float(score.max_points),
                      [{"id": p.id, "points": p.points, "max_points": p.max_points} for p in score.parts])
        scores.append(s)
        total += s.points
        maximum += s.max_points
    return total, maximum, scores


def grade_attempt(attempt: Attempt) -> None:
    """Set the scores on an Attempt and its items (the ORM writes them with the next flush)."""
    total, maximum, scores = score_items(attempt.items)
    for item, s in zip(attempt.items, scores):
        item.points, item.max_points, item.score_parts = s.points, s.max_points, s.score_parts
    attempt.points, attempt.max_points = total, maximum
