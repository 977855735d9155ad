"""Mastery by topic: an ability per topic, and a band with one plain sentence.

The band compares the topic ability with the passing standard (PASSING, on the calibrated
scale) using the estimate's normal approximation: the chance that the student's ability in
the topic is above the standard. At least LIKELY (0.8): "likely mastered"; at most
1 - LIKELY: "needs practice"; otherwise "borderline" (the evidence does not decide yet).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from scipy.stats import norm

from .ability import Ability, estimate, estimate_many

PASSING = 0.0   # logits: the centre of the calibrated bank, like a "medium" item
LIKELY = 0.8

MASTERED, BORDERLINE, NEEDS_PRACTICE = "likely mastered", "borderline", "needs practice"


@dataclass(frozen=True)
class Band:
    topic: str
    label: str
    ability: Ability
    chance_above: float   # probability the ability is above the passing standard
    sentence: str


def band(topic: str, topic_label: str, ability: Ability) -> Band:
    chance = float(norm.cdf((ability.theta - PASSING) / ability.se))
    pct = round(chance * 100)
    n = ability.n
    answers = f"{n} answer{'s' if n != 1 else ''}"
    if chance >= LIKELY:
        return Band(topic, MASTERED, ability, chance,
                    f"From your {answers} on {topic_label}, there is about a {pct}% chance you are above "
                    "the passing standard: keep it fresh with an occasional question.")
    if chance <= 1 - LIKELY:
        return Band(topic, NEEDS_PRACTICE, ability, chance,
                    f"From your {answers} on {topic_label}, there is only about a {pct}% chance you are above "
                    "the passing standard: this topic is where practice will help most.")
    return Band(topic, BORDERLINE, ability, chance,
                f"From your {answers} on {topic_label}, the evidence is not yet clear either way "
                f"(about {pct}% above the passing standard): a few more questions will tell.")


def topic_abilities(answers: Iterable[tuple[str, float, bool]]) -> dict[str, Ability]:
    """(topic, item difficulty, answered right) triples -> an ability per topic."""
    by_topic: dict[str, list] = defaultdict(list)
    for topic, difficulty, ok in answers:
        by_topic[topic].append((difficulty, ok))
    return {t: estimate(a) for t, a in sorted(by_topic.items())}


def topic_abilities_many(answers: dict) -> dict:
    """{student: [(topic, item id, difficulty, right)]} -> {student: {topic: Ability}}, one girth call per topic."""
    by_topic: dict = defaultdict(dict)
    for student, rows in answers.items():
        for topic, item_id, difficulty, ok in rows:
            by_topic[topic].setdefault(student, []).append((item_id, difficulty, ok))
    out: dict = {s: {} for s in answers}
    for topic, sets in sorted(by_topic.items()):
        for student, ability in estimate_many(sets).items():
            out[student][topic] = ability
    return out
