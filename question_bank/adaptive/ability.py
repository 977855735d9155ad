"""A student's ability on the Rasch logit scale, with its standard error.

The estimate is girth's expected a posteriori (EAP) ability under a normal prior (the class
is assumed centred on 0, the scale calibration fixes). Its standard error is the usual
approximation 1 / sqrt(prior precision + test information at the estimate), where a Rasch
item of difficulty b informs p(1 - p) at ability theta.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from girth import INVALID_RESPONSE, ability_eap
from scipy.stats import norm

PRIOR_MEAN, PRIOR_SD = 0.0, 1.0


@dataclass(frozen=True)
class Ability:
    theta: float  # logits; 0 is the centre of the calibration sample
    se: float     # standard error of theta
    n: int        # answers it rests on


def p_correct(theta: float, difficulty: float) -> float:
    """Rasch: the chance that a student of ability theta answers an item of this difficulty right."""
    return 1.0 / (1.0 + math.exp(difficulty - theta))


def information(theta: float, difficulty: float) -> float:
    p = p_correct(theta, difficulty)
    return p * (1.0 - p)


def estimate(answers: Iterable[tuple[float, bool]], prior_mean: float = PRIOR_MEAN,
             prior_sd: float = PRIOR_SD) -> Ability:
    """`answers` are (item difficulty, answered right) pairs. No answers: the prior itself."""
    answers = list(answers)
    if not answers:
        return Ability(prior_mean, prior_sd, 0)
    difficulty = np.array([float(b) for b, _ in answers])
    data = np.array([[1 if ok else 0] for _, ok in answers], dtype=int)
    options = {"distribution": norm(prior_mean, prior_sd).pdf, "quadrature_bounds": (-6.0, 6.0),
               "quadrature_n": 61}
    theta = float(ability_eap(data, difficulty, np.ones(len(answers)), options)[0])
    info = sum(information(theta, b) for b in difficulty)
    return Ability(theta, 1.0 / math.sqrt(1.0 / prior_sd ** 2 + info), len(answers))



def estimate_many(answer_sets: dict, prior_mean: float = PRIOR_MEAN, prior_sd: float = PRIOR_SD) -> dict:
    """`estimate` for many students at once, in one girth call:
    {key: [(item id, difficulty, answered right)]} -> {key: Ability}. An item a student did not
    answer is missing for them, not wrong."""
    out = {k: Ability(prior_mean, prior_sd, 0) for k, a in answer_sets.items() if not a}
    keys = [k for k, a in answer_sets.items() if a]
    if not keys:
        return out
    difficulty = {}
    for k in keys:
        for item_id, b, _ in answer_sets[k]:
            difficulty[item_id] = float(b)
    item_ids = sorted(difficulty)
    row = {i: n for n, i in enumerate(item_ids)}
    data = np.full((len(item_ids), len(keys)), INVALID_RESPONSE, dtype=int)
    for col, k in enumerate(keys):
        for item_id, _, ok in answer_sets[k]:
            data[row[item_id], col] = 1 if ok else 0
    options = {"distribution": norm(prior_mean, prior_sd).pdf, "quadrature_bounds": (-6.0, 6.0),
               "quadrature_n": 61}
    thetas = ability_eap(data, np.array([difficulty[i] for i in item_ids]), np.ones(len(item_ids)), options)
    for col, k in enumerate(keys):
        theta = float(thetas[col])
        info = sum(information(theta, b) for _, b, _ in answer_sets[k])
        out[k] = Ability(theta, 1.0 / math.sqrt(1.0 / prior_sd ** 2 + info), len(answer_sets[k]))
    return out
