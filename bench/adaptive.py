"""Adaptive practice against fixed random sets: 1,000 simulated students of known ability.

1. The bundled bank gets TRUE difficulties: its label's prior (easy -1, medium 0, hard +1)
   plus N(0, 0.5) noise, seeded.
2. Calibration history: CALIBRATION_STUDENTS students each took a random fixed set of 25;
   question_bank.adaptive.calibrate fits the bank from those answers (as `rapport bank
   calibrate` does from real ones). The engine knows only the calibrated difficulties.
3. STUDENTS new students (ability N(0, 1)) take (a) a fixed random set of FIXED_LENGTH items,
   (b) an adaptive session whose standard-error target is the fixed set's mean SE, with the
   same maximum length, all twelve topics in equal shares, and (c) a fixed random set as long
   as the adaptive sessions were on average.

Prints: mean absolute error of the ability estimate, mean SE, mean items to stop, the ratio
of adaptive to fixed length, and item exposure (largest share of students shown one item,
share of items never used). `python bench/adaptive.py [--students N]`.
"""
import argparse
import random
import time

import numpy as np
from _common import ROOT  # noqa: F401  (puts the repo on sys.path)

from question_bank import vocabulary as V
from question_bank.adaptive import LABEL_PRIOR, CatSettings, GradedResponse, calibrate
from question_bank.adaptive.simulate import adaptive_sessions, answer, fixed_sets
from question_bank.bank import load_bank
from question_bank.selection import Blueprint, Filter, draw

CALIBRATION_STUDENTS, STUDENTS, FIXED_LENGTH = 1500, 1000, 30


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=STUDENTS)
    ap.add_argument("--calibration-students", type=int, default=CALIBRATION_STUDENTS)
    args = ap.parse_args()
    items = list(load_bank().items.values())
    rng = np.random.default_rng(2026)
    true_b = {i.id: LABEL_PRIOR[i.difficulty] + rng.normal(0, 0.5) for i in items}
    print(f"bank: {len(items)} items ({sum(1 for i in items if i.case_study)} in case studies)")

    t0 = time.perf_counter()
    history, pyrng = [], random.Random(7)
    bp = Blueprint("history", [(Filter(), 25)])
    for s in range(args.calibration_students):
        th = rng.normal()
        history += [GradedResponse(i, s, float(answer(rng, th, true_b[i])), 1.0) for i in draw(bp, items, pyrng)]
    cal = calibrate(history, {i.id: i.difficulty for i in items})
    calibrated = {i: c.difficulty for i, c in cal.items.items()}
    err = np.mean([abs(calibrated[i] - true_b[i]) for i in calibrated])
    print(f"calibration: {len(history)} answers by {cal.persons} students; difficulty MAE {err:.3f} logits "
          f"(label alone: {np.mean([abs(LABEL_PRIOR[i.difficulty] - true_b[i.id]) for i in items]):.3f}); "
          f"{time.perf_counter() - t0:.1f} s")

    thetas = rng.normal(0, 1, args.students)
    t0 = time.perf_counter()
    fixed = fixed_sets(items, true_b, calibrated, thetas, FIXED_LENGTH, seed=11)
    settings = CatSettings(min_items=5, max_items=FIXED_LENGTH, se_target=round(fixed.mean_se, 3))
    sections = [(Filter(topic=t), 1) for t in V.TOPICS]
    adaptive = adaptive_sessions(items, true_b, calibrated, thetas, sections, settings, seed=11)
    same = fixed_sets(items, true_b, calibrated, thetas, round(adaptive.mean_items), seed=12)
    elapsed = time.perf_counter() - t0

    print(f"\n{args.students} students; adaptive SE target = fixed set's mean SE ({settings.se_target}), "
          f"max {settings.max_items}, randomesque {settings.randomesque}, exposure cap {settings.max_exposure:.0%}")
    print(f"{'':34}{'MAE':>7}{'mean SE':>9}{'items':>8}{'max exposure':>14}{'never used':>12}")
    for name, o in ((f"fixed random, {FIXED_LENGTH} items", fixed), ("adaptive (to SE target)", adaptive),
                    (f"fixed random, {round(adaptive.mean_items)} items", same)):
        print(f"{name:34}{o.mae:7.3f}{o.mean_se:9.3f}{o.mean_items:8.1f}{o.max_exposure:14.1%}{o.never_used:12.1%}")
    print(f"\nratio of items, adaptive / fixed: {adaptive.mean_items / fixed.mean_items:.2f} "
          f"(adaptive MAE {adaptive.mae:.3f} vs fixed {fixed.mae:.3f})")
    print("by true ability (MAE / mean items / students):")
    for low, high in ((-9, -1.5), (-1.5, -0.5), (-0.5, 0.5), (0.5, 1.5), (1.5, 9)):
        f, a = fixed.band(low, high), adaptive.band(low, high)
        print(f"  {low:+.1f} to {high:+.1f}: fixed {f[0]:.3f} / {f[1]:.0f}   adaptive {a[0]:.3f} / {a[1]:.1f}   ({f[2]})")
    print(f"adaptive stopped by: {dict(adaptive.stopped)}; simulation {elapsed:.1f} s")


if __name__ == "__main__":
    main()
