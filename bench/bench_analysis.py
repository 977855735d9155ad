"""Item analysis: 2,000 attempts x 60 items (Rasch-like 0/1 plus some partial credit)."""
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from question_bank.analysis import analyse  # noqa: E402

ATTEMPTS, ITEMS = 2000, 60


def main():
    rng = random.Random(3)
    difficulty = [rng.gauss(0, 1) for _ in range(ITEMS)]
    rows, choices = [], []
    for _ in range(ATTEMPTS):
        theta = rng.gauss(0, 1)
        row = []
        for j, b in enumerate(difficulty):
            p = 1 / (1 + math.exp(b - theta))
            row.append(float(rng.random() < p) if j % 5 else round(p * 4) / 4)
        rows.append(row)
        choices.append([rng.choice("abcd") for _ in range(ITEMS)])
    t0 = time.perf_counter()
    res = analyse(rows, choices=choices)
    dt = time.perf_counter() - t0
    print(f"{ATTEMPTS} attempts x {ITEMS} items: {dt:.2f} s "
          f"(alpha {res.test.alpha:.3f}, SEM {res.test.sem:.2f}, {len(res.flagged())} items flagged)")


if __name__ == "__main__":
    main()
