"""Selection: 1,000 attempts of 25 items from a 5,000-item bank, exposure updated per draw.

draw() caches the bank's units per item-object sequence, so the main figure is a warm cache.
The "cold" line re-creates every Item object before each draw (as the attempt service does,
building Items from database rows), so each of those draws rebuilds the cache.
"""
import dataclasses
import random
import time

from _common import synthetic_items

from question_bank.selection import Blueprint, Filter, draw, seed_for

ATTEMPTS, BANK, STUDENTS, COLD = 1000, 5000, 200, 50


def main():
    t0 = time.perf_counter()
    items = synthetic_items(BANK)
    print(f"built {len(items)} items in {time.perf_counter() - t0:.2f} s")
    bp = Blueprint("bench", [
        (Filter(topic=["validation", "empathy"]), 5),
        (Filter(difficulty="hard"), 5),
        (Filter(type=["select_all", "select_n", "ordered_response"]), 5),
        (Filter(), 10),
    ])
    exposure: dict[str, int] = {}
    seen: dict[int, set] = {s: set() for s in range(STUDENTS)}
    times = []
    for a in range(ATTEMPTS):
        student = a % STUDENTS
        rng = random.Random(seed_for(f"attempt-{a}", "bench-secret"))
        t = time.perf_counter()
        ids = draw(bp, items, rng, seen_ids=seen[student], exposure=exposure)
        times.append(time.perf_counter() - t)
        assert len(ids) == 25 and len(set(ids)) == 25
        for i in ids:
            exposure[i] = exposure.get(i, 0) + 1
        seen[student].update(ids)
    total = sum(times)
    times.sort()
    counts = sorted(exposure.values())
    print(f"{ATTEMPTS} draws of 25 from {BANK}: {ATTEMPTS / total:.1f} attempts/s, "
          f"{1000 * total / ATTEMPTS:.2f} ms/draw mean, p50 {1000 * times[len(times) // 2]:.2f} ms, "
          f"p95 {1000 * times[int(len(times) * 0.95)]:.2f} ms")
    print(f"exposure: {len(exposure)} distinct items served, min {counts[0]}, max {counts[-1]}")
    cold = []
    for a in range(COLD):
        fresh = [dataclasses.replace(i) for i in items]
        rng = random.Random(seed_for(f"cold-{a}", "bench-secret"))
        t = time.perf_counter()
        draw(bp, fresh, rng, seen_ids=seen[a % STUDENTS], exposure=exposure)
        cold.append(time.perf_counter() - t)
    print(f"cold (fresh Item objects each draw): {1000 * sum(cold) / COLD:.2f} ms/draw mean over {COLD}")


if __name__ == "__main__":
    main()
