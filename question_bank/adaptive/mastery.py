"""Mastery by topic: an ability per topic, and a band with one plain sentence.

The standard is the topic's own: a student has mastered a topic when they would answer a
typical question of it (one of the topic's median difficulty, `topic_standards`) right more
often than not, i.e. when their ability is above that difficulty. Topics differ in difficulty
(boundaries items run harder than active-listening ones), so one cut for all would call the
hard topics unmastered for students who answer them as well as anyone could expect.

The topic ability's prior is centred on that standard (`topic_abilities(..., centres)`): before
any answer the chance of being above it is one half, so the band moves on the student's answers
alone, not on where the class happens to sit against an easy or a hard topic. The band compares
the topic ability with the standard through the estimate's normal approximation: the chance
that the ability is above it. At least LIKELY (0.8): "likely mastered"; at most 1 - LIKELY:
"needs practice"; otherwise "borderline", as with fewer than MIN_FOR_VERDICT answers in the
topic (two answers give no verdict, whatever they say). The sentence gives the precision in the
student's terms: the share of the topic's typical questions they would answer right, and the
range it probably lies in (the ability +- Z_LIKELY standard errors, so the band and the range
agree: "likely mastered" exactly when the whole range is above half, given enough answers).
"""
from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from scipy.stats import norm

from .ability import PRIOR_MEAN, Ability, estimate, estimate_many

PASSING = 0.0   # logits: the standard where a topic has no items to set its own
LIKELY = 0.8
MIN_FOR_VERDICT = 3  # fewer answers in a topic: borderline whatever the estimate (no verdict from one or two)
Z_LIKELY = float(norm.ppf(LIKELY))  # 0.84: the range is ability +- this many standard errors

MASTERED, BORDERLINE, NEEDS_PRACTICE = "likely mastered", "borderline", "needs practice"


@dataclass(frozen=True)
class Band:
    topic: str
    label: str
    ability: Ability
    chance_above: float   # probability the ability is above the topic's standard
    sentence: str
    standard: float = PASSING        # the difficulty of a typical question of the topic (logits)
    typical_right: float = 0.5       # share of the topic's typical questions answered right, at the estimate
    likely_range: tuple = (0.0, 1.0)  # that share at ability -+ Z_LIKELY standard errors


def _share(theta: float, difficulty: float) -> float:
    return 1.0 / (1.0 + math.exp(difficulty - theta))


def topic_standards(items: Iterable[tuple[str, float]]) -> dict[str, float]:
    """(topic, item difficulty) pairs -> topic: the median difficulty, a typical question of it."""
    by_topic: dict[str, list] = defaultdict(list)
    for topic, difficulty in items:
        by_topic[topic].append(float(difficulty))
    return {t: float(statistics.median(ds)) for t, ds in by_topic.items()}


def band(topic: str, topic_label: str, ability: Ability, standard: float = PASSING) -> Band:
    chance = float(norm.cdf((ability.theta - standard) / ability.se))
    share = _share(ability.theta, standard)
    low = _share(ability.theta - Z_LIKELY * ability.se, standard)
    high = _share(ability.theta + Z_LIKELY * ability.se, standard)
    pct, lo, hi = round(share * 100), math.floor(low * 100), math.ceil(high * 100)
    n = ability.n
    evidence = (f"From your {n} answer{'s' if n != 1 else ''} on {topic_label}, you would get about {pct}% of "
                f"its typical questions right")
    if n < MIN_FOR_VERDICT:
        label, sentence = BORDERLINE, (f"{evidence}, but it could be anywhere from {lo}% to {hi}%: too few answers "
                                       "to tell yet, so a few more questions will show where you stand.")
    elif chance >= LIKELY:
        label, sentence = MASTERED, (f"{evidence}, probably between {lo}% and {hi}%: over half, so keep it "
                                     "fresh with an occasional question.")
    elif chance <= 1 - LIKELY:
        label, sentence = NEEDS_PRACTICE, (f"{evidence}, probably between {lo}% and {hi}%: under half, so this "
                                           "topic is where practice will help most.")
    else:
        label, sentence = BORDERLINE, (f"{evidence}, but it could be anywhere from {lo}% to {hi}%, so whether "
                                       "you are over half is not yet clear: a few more questions will tell.")
    return Band(topic, label, ability, chance, sentence, standard, share, (low, high))


def topic_abilities(answers: Iterable[tuple[str, float, bool]], centres: dict[str, float] | None = None
                    ) -> dict[str, Ability]:
    """(topic, item difficulty, answered right) triples -> an ability per topic. With `centres`
    (topic -> its standard), each topic's prior is centred on its standard: before any answer
    the chance of being above it is one half, so a band moves only on the student's answers."""
    by_topic: dict[str, list] = defaultdict(list)
    for topic, difficulty, ok in answers:
        by_topic[topic].append((difficulty, ok))
    centres = centres or {}
    return {t: estimate(a, prior_mean=centres.get(t, PRIOR_MEAN)) for t, a in sorted(by_topic.items())}


def topic_abilities_many(answers: dict, centres: dict[str, float] | None = None) -> dict:
    """{student: [(topic, item id, difficulty, right)]} -> {student: {topic: Ability}}, one girth call per topic."""
    by_topic: dict = defaultdict(dict)
    for student, rows in answers.items():
        for topic, item_id, difficulty, ok in rows:
            by_topic[topic].setdefault(student, []).append((item_id, difficulty, ok))
    out: dict = {s: {} for s in answers}
    centres = centres or {}
    for topic, sets in sorted(by_topic.items()):
        for student, ability in estimate_many(sets, prior_mean=centres.get(topic, PRIOR_MEAN)).items():
            out[student][topic] = ability
    return out
