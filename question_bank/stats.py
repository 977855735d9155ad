"""Bank coverage tables: `python -m question_bank.stats [PATH...]`."""
from __future__ import annotations

import re
import sys
from collections import Counter

from . import cues
from . import vocabulary as V
from .bank import load_bank
from .types import NGN_TYPES, REGISTRY


# Distractor stock and key shapes (the blind review of December 2026): a bank whose distractors
# rotate through a few shapes, and whose key is nearly always "reflect the feeling, then ask",
# can be passed by shape. These figures count the shapes for `rapport bank stats`; a test holds the
# bundled bank to TECHNIQUE_SHARE_LIMIT and to reflect-and-explore keys in under half of the items.
# Keys of the reflect-and-explore family: a reply that names the client's feeling or content and
# invites more. Other keys (limits, safety, information, silence, presenting reality...) are not.
REFLECT_EXPLORE = frozenset({"reflection", "open-ended-question", "validation", "empathy", "exploring",
                             "acknowledging", "restating"})
REASSURING = re.compile(
    r"\b(i'm sure|i am sure|don't worry|do not worry|try not to worry|no need to worry|everything will|"
    r"it will (all )?be (fine|okay|ok|all right)|you'll be (fine|okay|ok)|i'm certain|nothing to worry|"
    r"you'll see|i promise)\b", re.I)
TECHNIQUE_SHARE_LIMIT = 0.15  # the review's aim: no one distractor technique over about 15%


def reflect_and_ask(text) -> bool:
    t = cues.plain(text)
    return (cues.opens_reflectively(t) or cues.names_feeling(t)) and "?" in t


def technique_figures(items) -> dict:
    """Technique tags of multiple-choice distractors and keys, and the shapes of their wording."""
    mc = [it for it in items if it.type == "multiple_choice"]
    distractors, keys, all_distractors = Counter(), Counter(), Counter()
    shapes = Counter()
    key_reflect_ask = 0
    for it in items:
        for choices, keyed in cues.choice_groups(it):
            all_distractors.update(c.get("technique") for c in choices if c.get("id") not in keyed)
    for it in mc:
        d = it.definition
        for o in d.get("options") or []:
            t = cues.plain(o.get("text"))
            if o.get("id") == d.get("key"):
                keys[o.get("technique")] += 1
                key_reflect_ask += reflect_and_ask(t)
                continue
            distractors[o.get("technique")] += 1
            shapes["opens like a reflection, then 'but'"] += cues.opens_reflectively(t) and bool(re.search(r"\bbut\b", t, re.I))
            shapes["opens with 'Why'"] += bool(re.match(r"why\b", t, re.I))
            shapes["reassuring wording ('I'm sure', 'don't worry'...)"] += bool(REASSURING.search(t))
            shapes["names a feeling and asks a question (the usual key's shape)"] += reflect_and_ask(t)
    n_mc = len(mc)
    return {
        "mc_items": n_mc,
        "distractors": distractors,
        "all_distractors": all_distractors,
        "keys": keys,
        "shapes": shapes,
        "key_reflect_explore": sum(v for k, v in keys.items() if k in REFLECT_EXPLORE),
        "key_reflect_and_ask": key_reflect_ask,
    }


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


# Settings and client groups the unit must cover (docs/item-writing.md rule 14), found by
# wording in the stem or the case study's stimulus.
SETTINGS = {
    "inpatient unit": r"\binpatient\b|\bunit\b",
    "community / outpatient": r"\bcommunity\b|\boutpatient\b|\bclinic\b|home visit",
    "emergency department": r"emergency department",
    "telehealth": r"telehealth|video (call|visit|session)|by video|phone session|telephone (follow-up|session|call|visit)",
    "group": r"\bgroup (session|therapy|programme|program|meeting)|\bgroup\b",
    "family or carer": r"\b(family meeting|carer|caregiver|mother|father|parent|parents|partner|wife|husband|daughter|son)\b",
    "child under 14": None,
    "adolescent 14-17": None,
    "older adult 65+": None,
    "intellectual disability or autism": r"intellectual disability|autism|autistic",
    "racism, discrimination": r"racis|racial|discriminat|\bslur\b|prejudice|stigma",
    "poverty, housing": r"poverty|homeless|housing|shelter|eviction|cannot afford|can't afford|income",
    "faith, religion": r"\bfaith|religio|\bprayer|\bpray|church|mosque|temple|synagogue|imam|pastor|rabbi|spiritual|ramadan|muslim|christian|jewish|hindu|buddhist|sikh",
    "sexual and gender minorities": r"transgender|nonbinary|non-binary|\bgay\b|lesbian|bisexual|\bqueer|lgbt|pronoun|her wife|his husband",
    "interpreter": r"interpreter",
    "trauma": r"trauma|ptsd|abuse|assault|restrain",
    "military / veteran": r"veteran|military|deployment",
    "forensic": r"forensic|prison|jail|correctional",
}
AGE = re.compile(r"\b(\d{1,2})-year-old\b")


def item_context(bank, item) -> str:
    text = [item.stem or "", item.definition.get("text", "")]
    if item.case_study and item.case_study in bank.case_studies:
        text += [x.get("text", "") for x in bank.case_studies[item.case_study].stimulus]
        text += [u.get("text", "") for it in bank.case_items(item.case_study) for u in it.definition.get("unfold") or []]
    return " ".join(text)


def settings(bank) -> Counter:
    """Items per setting or client group (an item may count under several)."""
    out = Counter({name: 0 for name in SETTINGS})
    for item in bank.items.values():
        ctx = item_context(bank, item)
        ages = [int(a) for a in AGE.findall(ctx)]
        for name, pattern in SETTINGS.items():
            if pattern and re.search(pattern, ctx, re.I):
                out[name] += 1
        if any(a < 14 for a in ages):
            out["child under 14"] += 1
        if any(14 <= a <= 17 for a in ages):
            out["adolescent 14-17"] += 1
        if any(a >= 65 for a in ages):
            out["older adult 65+"] += 1
    return out


def cue_report(bank) -> str:
    f = cues.figures(bank)
    lines = [
        "Test-wise cues (limits: key longest <= 30%, key shortest <= 30%, key > 1.25x mean distractor <= 5%)",
        f"  multiple choice: {f['mc_items']} items; key is the longest option in {f['mc_key_longest']:.0%}, "
        f"the shortest in {f['mc_key_shortest']:.0%}; "
        f"key > {cues.RATIO}x the mean distractor length in {f['mc_key_ratio']:.0%}",
        f"  drop-down blanks: {f['blank_sets']}; key is the longest option in {f['blank_key_longest']:.0%}, "
        f"the shortest in {f['blank_key_shortest']:.0%}; "
        f"key > {cues.RATIO}x in {f['blank_key_ratio']:.0%}",
        f"  option sets where only the key names a feeling: {len(f['only_key_feels'])}",
        f"  option sets where only the key makes two points: {len(f['only_key_compound'])}",
        f"  option sets where only the key opens like a reflection: {len(f['only_key_reflects'])}",
        f"  bow-tie physiological filler: {len(f['bowtie_filler'])}",
        f"  case-study parts whose wording states another part's key (either direction): {len(f['case_leaks'])}",
    ]
    pos = f["key_positions"]
    n = sum(pos["mc"].values())
    if n:
        spread = ", ".join(f"{chr(ord('a') + p)} {pos['mc'][p] / n:.0%}" for p in sorted(pos["mc"]))
        lines.append(f"  where the key is written (limit {cues.KEY_POSITION_LIMIT:.0%} at one position): "
                     f"multiple choice {spread}; drop-down blanks first in "
                     f"{(pos['blank_first'] / pos['blanks']) if pos['blanks'] else 0:.0%}; "
                     f"items written in key order: {len(f['written_in_key_order'])}")
    fams = Counter(it.family for it in bank.items.values() if it.family)
    lines.append(f"  families (never two in one attempt): {len(fams)} holding {sum(fams.values())} items")
    return "\n".join(lines)


def technique_report(bank) -> str:
    f = technique_figures(list(bank.items.values()))
    n_d, n_mc = sum(f["distractors"].values()), f["mc_items"]
    share = lambda n, total: f"{n / total:.0%}" if total else "0%"
    top = ", ".join(f"{t} {n} ({share(n, n_d)})" for t, n in f["distractors"].most_common(6))
    n_all = sum(f["all_distractors"].values())
    fr = f["all_distractors"].get("false-reassurance", 0)
    keys = ", ".join(f"{t} {n}" for t, n in f["keys"].most_common(8))
    lines = [
        f"Techniques (aim: no distractor technique over {TECHNIQUE_SHARE_LIMIT:.0%} of multiple-choice "
        f"distractors; reflect-and-explore keys in under half of multiple-choice items)",
        f"  multiple-choice distractors: {n_d}; most used: {top}",
        f"  false reassurance: {f['distractors'].get('false-reassurance', 0)} multiple-choice distractors, "
        f"{fr} of {n_all} distractors of all types",
        "  distractor wording: " + ", ".join(f"{k} {v}" for k, v in f["shapes"].items()),
        f"  multiple-choice keys: {keys}",
        f"  keys of the reflect-and-explore family ({', '.join(sorted(REFLECT_EXPLORE))}): "
        f"{f['key_reflect_explore']} of {n_mc} ({share(f['key_reflect_explore'], n_mc)}); "
        f"keys that name a feeling and ask a question: {f['key_reflect_and_ask']} ({share(f['key_reflect_and_ask'], n_mc)})",
    ]
    return "\n".join(lines)


def settings_report(bank) -> str:
    counts = settings(bank)
    width = max(map(len, counts)) + 1
    return "\n".join(["Settings and client groups (items whose stem or case mentions them)"] +
                     [f"  {name.ljust(width)}{n:>5}" for name, n in counts.items()])


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
        settings_report(bank),
        cue_report(bank),
        technique_report(bank),
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
