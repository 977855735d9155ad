"""Scores and the NCSBN scoring rules; grading across attempts."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Part:
    """One scored part of an item (an option, row, column, blank, slot or position).

    For +/- rules a distractor part has max_points 0 and points -1 when chosen; the
    item's total is then floored, so the parts may sum below Score.points.
    """

    id: str
    points: float
    max_points: float


@dataclass(frozen=True)
class Score:
    points: float
    max_points: float
    parts: tuple = field(default=())

    def __post_init__(self):
        object.__setattr__(self, "parts", tuple(self.parts))
        if self.points < 0 or self.points > self.max_points:
            raise ValueError(f"points {self.points} outside 0..{self.max_points}")

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0

    def to_dict(self):
        return {
            "points": self.points,
            "max_points": self.max_points,
            "parts": [{"id": p.id, "points": p.points, "max_points": p.max_points} for p in self.parts],
        }


def zero_one(correct: bool) -> int:
    """NCSBN 0/1 rule."""
    return 1 if correct else 0


def plus_minus(chosen, keys) -> int:
    """NCSBN +/- rule: +1 per key chosen, -1 per non-key chosen, floor 0."""
    chosen, keys = set(chosen or ()), set(keys)
    return max(0, len(chosen & keys) - len(chosen - keys))


def plus_minus_parts(all_ids, chosen, keys):
    """Per-option parts for +/- scoring and the floored total."""
    chosen, keys = set(chosen or ()), set(keys)
    parts = []
    for oid in all_ids:
        if oid in keys:
            parts.append(Part(oid, 1 if oid in chosen else 0, 1))
        else:
            parts.append(Part(oid, -1 if oid in chosen else 0, 0))
    return plus_minus(chosen, keys), parts


GRADING_METHODS = ("highest", "latest", "first", "average")


def combine_attempts(scores, method: str):
    """Combine per-attempt fractions (in attempt order) into one fraction.

    Accepts floats or Score objects. Returns None when there are no attempts.
    """
    if method not in GRADING_METHODS:
        raise ValueError(f"unknown grading method {method!r}; expected one of {GRADING_METHODS}")
    values = [s.fraction if isinstance(s, Score) else float(s) for s in scores]
    if not values:
        return None
    if method == "highest":
        return max(values)
    if method == "latest":
        return values[-1]
    if method == "first":
        return values[0]
    return sum(values) / len(values)
