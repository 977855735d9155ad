"""Shared set-up for the benchmarks: make the repo importable, build a big synthetic bank."""
import copy
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from question_bank import vocabulary as V  # noqa: E402
from question_bank.bank import item_from_dict, load_bank  # noqa: E402


def bank_items():
    return [i for i in load_bank().items.values() if not i.case_study]


def synthetic_items(n, seed=1):
    """n valid Items cloned from the bundled bank with fresh ids and shuffled tags."""
    rng = random.Random(seed)
    templates = [i.definition for i in bank_items()]
    out = []
    for k in range(n):
        d = copy.deepcopy(templates[k % len(templates)])
        d["id"] = f"syn-{k:05d}"
        d["topic"] = rng.choice(V.TOPICS)
        d["difficulty"] = rng.choice(V.DIFFICULTIES)
        d["cjmm_skill"] = rng.choice(V.CJMM_SKILLS)
        out.append(item_from_dict(d, "synthetic", k, collection="bench"))
    return out
