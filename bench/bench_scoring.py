"""Scoring: validate and grade 100,000 responses of mixed item types."""
import random
import time

from _common import bank_items

from question_bank.types import get_type

N = 100_000


def variants(t):
    """A right, an empty and a half-right response for one item."""
    right = t.correct_response()
    if isinstance(right, list):
        half = right[: max(1, len(right) // 2)]
    elif isinstance(right, dict):
        keys = list(right)
        half = {k: right[k] for k in keys[: max(1, len(keys) // 2)]}
    else:
        half = None
    return [right, None, half]


def main():
    rng = random.Random(7)
    typed = [get_type(i.type)(i.definition) for i in bank_items()]
    pool = [(t, r) for t in typed for r in variants(t)]
    work = [rng.choice(pool) for _ in range(N)]
    kinds = {}
    for t, _ in work:
        kinds[type(t).__name__] = kinds.get(type(t).__name__, 0) + 1
    t0 = time.perf_counter()
    points = 0.0
    for t, r in work:
        if r is not None:
            t.validate_response(r)
        points += t.grade(r).points
    dt = time.perf_counter() - t0
    print(f"{N} responses over {len(typed)} items ({len(kinds)} types): "
          f"{N / dt:,.0f} responses/s ({1e6 * dt / N:.1f} us each), validate + grade")
    print("mix:", ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
