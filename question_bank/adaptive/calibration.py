"""Rasch calibration of the bank from graded responses, with the difficulty label as prior.

Method (docs/adaptive.md):
1. Each graded response is scored right when it earned at least half its points
   (`is_correct`): 0/1 items as they are, partial-credit items by their fraction correct.
2. girth's Rasch joint maximum likelihood (`rasch_jml`) estimates every answered item's
   difficulty from the item x student matrix; unanswered cells are missing, not wrong, so
   responses from random sets and from adaptive sessions both calibrate.
3. Students' abilities are re-estimated (girth EAP) at those difficulties; each item's
   data standard error is 1 / sqrt(sum of p(1 - p)) over the students who answered it.
4. The label is a normal prior, N(LABEL_PRIOR[label], PRIOR_SD): the reported difficulty is
   the precision-weighted mean of the data estimate and the prior. An item nobody has
   answered keeps its prior; an item with data moves toward what the data say, the more
   answers the further.
5. Fit: infit and outfit mean squares (Wright and Masters); outside FIT_RANGE with at least
   MIN_FOR_FIT answers is reported as poor fit, and so is a label the data contradict.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
from girth import INVALID_RESPONSE, ability_eap, rasch_jml

LABEL_PRIOR = {"easy": -1.0, "medium": 0.0, "hard": 1.0}
PRIOR_SD = 1.0
RIGHT_FROM = 0.5        # fraction of an item's points that counts as answered right
FIT_RANGE = (0.5, 1.5)  # mean squares "productive for measurement" (Linacre)
DISCRIMINATION_RANGE = (0.5, 2.0)  # observed / expected: outside it, right answers do not track ability as modelled
MIN_FOR_FIT = 30        # fewer answers than this: fit is not judged
LABEL_MISMATCH = 1.5    # logits between the calibrated difficulty and the label's prior


def is_correct(points: float, max_points: float) -> bool:
    return bool(max_points) and points / max_points >= RIGHT_FROM


@dataclass(frozen=True)
class GradedResponse:
    item_id: str
    person: object  # anything hashable that names one student (across courses)
    points: float
    max_points: float


@dataclass
class CalibratedItem:
    item_id: str
    label: str | None
    difficulty: float          # logits, prior and data combined
    se: float
    n: int                     # graded answers used
    facility: float | None     # share answered right
    data_difficulty: float | None = None
    infit: float | None = None
    outfit: float | None = None
    discrimination: float | None = None  # observed / model-expected covariance of right answers with ability
    problems: list[str] = field(default_factory=list)

    @property
    def poor_fit(self) -> bool:
        return bool(self.problems)


@dataclass
class Calibration:
    items: dict[str, CalibratedItem]
    persons: int               # students whose answers informed the estimates

    def difficulty(self, item_id: str, label: str | None = None) -> float:
        return difficulty_of(item_id, label, self.items)


def difficulty_of(item_id: str, label: str | None, calibrated: Mapping[str, object]) -> float:
    """The calibrated difficulty, else the label's prior (a new item starts sensibly)."""
    found = calibrated.get(item_id)
    if found is not None:
        return float(getattr(found, "difficulty", found))
    return LABEL_PRIOR.get(label or "medium", 0.0)


def _prior(label: str | None) -> float:
    return LABEL_PRIOR.get(label or "medium", 0.0)


def calibrate(responses: Iterable[GradedResponse], labels: Mapping[str, str | None]) -> Calibration:
    """Difficulties for every item in `labels` (item id -> difficulty label)."""
    latest: dict[tuple, bool] = {}
    for r in responses:
        if r.item_id in labels and r.max_points:
            latest[(r.item_id, r.person)] = is_correct(r.points, r.max_points)  # a later answer wins
    out = {i: CalibratedItem(i, labels[i], _prior(labels[i]), PRIOR_SD, 0, None) for i in labels}
    # Items answered all right or all wrong say nothing of where they sit (and break the
    # estimator's starting values): they keep their prior, with their count and facility.
    tally: dict[str, list[int]] = {}
    for (i, _p), ok in latest.items():
        tally.setdefault(i, []).append(int(ok))
    for i, xs in tally.items():
        out[i].n, out[i].facility = len(xs), sum(xs) / len(xs)
    item_ids = sorted(i for i, xs in tally.items() if 0 < sum(xs) < len(xs))
    persons = sorted({p for i, p in latest if i in set(item_ids)}, key=repr)
    if len(item_ids) < 2 or len(persons) < 2:
        return Calibration(out, len({p for _, p in latest}))
    row = {i: n for n, i in enumerate(item_ids)}
    col = {p: n for n, p in enumerate(persons)}
    data = np.full((len(item_ids), len(persons)), INVALID_RESPONSE, dtype=int)
    for (i, p), ok in latest.items():
        if i in row:
            data[row[i], col[p]] = int(ok)
    answered = data != INVALID_RESPONSE
    with np.errstate(all="ignore"):
        b_hat = np.asarray(rasch_jml(data)["Difficulty"], dtype=float)
    if not np.all(np.isfinite(b_hat)):
        return Calibration(out, len({p for _, p in latest}))
    theta = _abilities(data, b_hat)
    for i in item_ids:
        n = row[i]
        mask = answered[n]
        x = data[n, mask].astype(float)
        p = 1.0 / (1.0 + np.exp(b_hat[n] - theta[mask]))
        info = float(np.sum(p * (1 - p)))
        item = out[i]
        item.n, item.facility = int(mask.sum()), float(x.mean())
        item.data_difficulty = float(b_hat[n])
        prior_prec = 1.0 / PRIOR_SD ** 2
        data_prec = info
        item.difficulty = (b_hat[n] * data_prec + _prior(item.label) * prior_prec) / (data_prec + prior_prec)
        item.se = 1.0 / math.sqrt(data_prec + prior_prec)
        p_post = 1.0 / (1.0 + np.exp(item.difficulty - theta[mask]))
        var = p_post * (1 - p_post)
        resid2 = (x - p_post) ** 2
        item.outfit = float(np.mean(resid2 / var))
        item.infit = float(resid2.sum() / var.sum())
        # How closely right answers track ability, against what the model expects: about 1
        # when the item fits, near 0 for an item answered as if at random (a wrong key, say).
        # Abilities from the other items only, so the item does not correlate with itself.
        rest = data.copy()
        rest[n] = INVALID_RESPONSE
        theta_rest = _abilities(rest[:, mask], b_hat)
        p_rest = 1.0 / (1.0 + np.exp(item.difficulty - theta_rest))
        centred = theta_rest - theta_rest.mean()
        expected = float(np.dot(p_rest - p_rest.mean(), centred))
        item.discrimination = float(np.dot(x - x.mean(), centred)) / expected if expected > 1e-9 else None
        item.problems = _problems(item)
    return Calibration(out, len({p for _, p in latest}))


def _abilities(data: np.ndarray, difficulty: np.ndarray) -> np.ndarray:
    return np.asarray(ability_eap(data, difficulty, np.ones(len(difficulty))), dtype=float)


def _problems(item: CalibratedItem) -> list[str]:
    found = []
    if item.n >= MIN_FOR_FIT:
        lo, hi = FIT_RANGE
        for name, value in (("infit", item.infit), ("outfit", item.outfit)):
            if value is not None and value > hi:
                found.append(f"{name} {value:.2f} above {hi}: answers are noisier than the model expects "
                             "(guessing, a key or distractor to check)")
            elif value is not None and value < lo:
                found.append(f"{name} {value:.2f} below {lo}: answers are more predictable than the model expects")
        d = item.discrimination
        if d is not None and d < DISCRIMINATION_RANGE[0]:
            found.append(f"right answers barely track ability (discrimination {d:.2f} of what the model expects): "
                         "check the key and the distractors")
        elif d is not None and d > DISCRIMINATION_RANGE[1]:
            found.append(f"right answers track ability {d:.2f} times more sharply than the model expects "
                         "(a cue in the wording?)")
    if item.label in LABEL_PRIOR and item.n >= MIN_FOR_FIT and item.data_difficulty is not None \
            and abs(item.data_difficulty - LABEL_PRIOR[item.label]) > LABEL_MISMATCH:
        said = "harder" if item.data_difficulty > LABEL_PRIOR[item.label] else "easier"
        found.append(f"labelled {item.label} but students find it {said} "
                     f"({item.data_difficulty:+.2f} logits against {LABEL_PRIOR[item.label]:+.1f})")
    return found
