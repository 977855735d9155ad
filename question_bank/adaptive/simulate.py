"""Simulated students for the adaptive benchmark (bench/adaptive.py) and its tests.

Students of known ability answer by the Rasch model at the items' TRUE difficulties, while
the engine only knows the CALIBRATED ones: the comparison includes calibration error, as in
real use. Fixed-length random sets are drawn with selection.draw (unseen first, families
apart, case studies whole); adaptive sessions with cat.next_unit.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..selection import Blueprint, Filter, draw
from .ability import estimate
from .cat import CatSettings, build_units, next_unit, stop_reason


@dataclass
class Outcome:
    mae: float                # mean |estimated - true ability|
    mean_se: float
    mean_items: float
    max_exposure: float       # largest share of students shown any one item
    never_used: float         # share of the bank's items no student was shown
    stopped: Counter          # stop reasons (adaptive)
    students: list            # (true ability, estimate, items) per student

    def band(self, low: float, high: float) -> tuple[float, float, int]:
        """(MAE, mean items, students) for students whose true ability is in [low, high)."""
        rows = [(abs(e.theta - th), n) for th, e, n in self.students if low <= th < high]
        if not rows:
            return float("nan"), float("nan"), 0
        return float(np.mean([r[0] for r in rows])), float(np.mean([r[1] for r in rows])), len(rows)


def answer(rng: np.random.Generator, theta: float, true_b: float) -> bool:
    return bool(rng.random() < 1.0 / (1.0 + np.exp(true_b - theta)))


def _outcome(results, exposure: Counter, n_items: int, stopped: Counter) -> Outcome:
    errs = [abs(est.theta - th) for th, est, _ in results]
    return Outcome(float(np.mean(errs)), float(np.mean([est.se for _, est, _ in results])),
                   float(np.mean([n for _, _, n in results])),
                   max(exposure.values()) / len(results) if exposure else 0.0,
                   1 - len(exposure) / n_items, stopped, list(results))


def fixed_sets(items: Sequence, true_b: Mapping[str, float], calibrated: Mapping[str, float],
               thetas: Sequence[float], length: int, seed: int = 1) -> Outcome:
    """Each student takes a random set of `length` items (the fixed mode's draw)."""
    rng, pyrng = np.random.default_rng(seed), random.Random(seed)
    bp = Blueprint("fixed", [(Filter(), length)])
    exposure, results = Counter(), []
    for th in thetas:
        ids = draw(bp, items, pyrng)
        exposure.update(ids)
        est = estimate([(calibrated[i], answer(rng, th, true_b[i])) for i in ids])
        results.append((th, est, len(ids)))
    return _outcome(results, exposure, len(items), Counter())


def adaptive_sessions(items: Sequence, true_b: Mapping[str, float], calibrated: Mapping[str, float],
                      thetas: Sequence[float], sections: Sequence, settings: CatSettings,
                      seed: int = 1) -> Outcome:
    """Each student takes an adaptive session to its stopping rule; exposure is shared, as on one link."""
    rng, pyrng = np.random.default_rng(seed), random.Random(seed)
    units = build_units(items, calibrated)
    exposure, results, stopped = Counter(), [], Counter()
    for n, th in enumerate(thetas):
        given, answers = [], []
        while True:
            est = estimate(answers)
            reason = stop_reason(est, len(given), settings)
            if reason:
                break
            unit = next_unit(units, sections, est, given, pyrng, settings, exposure=exposure, sessions=n)
            if unit is None:
                reason = "bank"
                break
            given.extend(unit.ids)
            answers.extend((calibrated[i], answer(rng, th, true_b[i])) for i in unit.ids)
        stopped[reason] += 1
        exposure.update(given)
        results.append((th, est, len(given)))
    return _outcome(results, exposure, len(items), stopped)
