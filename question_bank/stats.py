"""Bank coverage tables: `python -m question_bank.stats [PATH...]`."""
from __future__ import annotations

import sys
from collections import Counter

from . import vocabulary as V
from .bank import load_bank
from .types import NGN_TYPES, REGISTRY


SHORT = {
    "multiple_choice": "mc", "select_all": "sata", "select_n": "select-n", "ordered_response": "ordered",
    "dropdown_cloze": "cloze", "dropdown_rationale": "dd-ration", "matrix_multiple_choice": "matrix-mc",
    "matrix_multiple_response": "matrix-mr", "bowtie": "bowtie", "highlight": "highlight",
}


def coverage(bank) -> dict:
    items = list(bank.items.values())
    grid = {dim: {t: Counter() for t in V.TOPICS} for dim in ("type", "bloom", "difficulty")}
    for it in items:
        for dim in grid:
            grid[dim].setdefault(it.topic, Counter())[getattr(it, dim)] += 1
    total = len(items)
    ngn = sum(1 for it in items if it.type in NGN_TYPES)
    return {
        "total": total,
        "by_topic": Counter(it.topic for it in items),
        "by_type": Counter(it.type for it in items),
        "by_topic_type": grid["type"],
        "by_topic_bloom": grid["bloom"],
        "by_topic_difficulty": grid["difficulty"],
        "case_studies": len(bank.case_studies),
        "ngn_count": ngn,
        "ngn_share": (ngn / total) if total else 0.0,
    }


def table(title, rows, columns, short=None) -> str:
    """A plain-text table of topic rows x columns with row and column totals."""
    heads = [(short or {}).get(c, c)[:11] for c in columns]
    width = max([len("topic")] + [len(r) for r in rows]) + 1
    lines = [title, "topic".ljust(width) + " ".join(h.rjust(11) for h in heads) + "total".rjust(7)]
    col_totals = Counter()
    for topic, counts in rows.items():
        col_totals.update(counts)
        cells = " ".join(str(counts.get(c, 0) or ".").rjust(11) for c in columns)
        lines.append(topic.ljust(width) + cells + str(sum(counts.values())).rjust(7))
    lines.append("total".ljust(width) + " ".join(str(col_totals.get(c, 0)).rjust(11) for c in columns)
                 + str(sum(col_totals.values())).rjust(7))
    return "\n".join(lines)


def report(bank) -> str:
    cov = coverage(bank)
    parts = [
        table("Items by topic and type", cov["by_topic_type"], list(REGISTRY), SHORT),
        table("Items by topic and Bloom level", cov["by_topic_bloom"], list(V.BLOOM_LEVELS)),
        table("Items by topic and difficulty", cov["by_topic_difficulty"], list(V.DIFFICULTIES)),
        f"Total items: {cov['total']}  case studies: {cov['case_studies']}  "
        f"NGN types: {cov['ngn_count']} ({cov['ngn_share']:.0%})",
    ]
    return "\n\n".join(parts)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    bank = load_bank(argv or None)
    print(report(bank))
    if bank.problems:
        print(f"\n{len(bank.problems)} problem(s) left items out; run python -m question_bank.lint",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
