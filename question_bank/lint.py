"""Lint the bank: `python -m question_bank.lint [--strict] [PATH...]`.

Prints `file:line: item-id: message`; exits 1 on any error (or any warning with --strict).
"""
from __future__ import annotations

import difflib
import re
import sys

from . import cues
from .bank import Problem, default_paths, iter_paths, load_bank, read_yaml
from .types import get_type

MAX_CASE_ITEMS = 6
DUPLICATE_RATIO = 0.9
ABOVE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.I)
SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?=\s+[\"'“‘(]?[A-Z0-9]|\s*$)")


def count_sentences(text: str) -> int:
    """Rough count: terminal punctuation followed by a capital or the end."""
    text = " ".join((text or "").split())
    if not text:
        return 0
    n = len(SENTENCE_END.findall(text))
    return n if n else 1


def normalize(stem: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", (stem or "").lower()).split())


def _shingles(text, k=3):
    words = text.split()
    return {tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def near_duplicates(items, ratio=DUPLICATE_RATIO):
    """Pairs of items whose normalized stems are near-identical (difflib ratio > ratio)."""
    norm = [(it, normalize(it.stem)) for it in items]
    shingles = [_shingles(s) for _, s in norm]
    pairs = []
    for i in range(len(norm)):
        a, sa = norm[i]
        for j in range(i + 1, len(norm)):
            b, sb = norm[j]
            inter = len(shingles[i] & shingles[j])
            union = len(shingles[i] | shingles[j]) or 1
            if inter / union < 0.5 and sa != sb:
                continue  # cheap filter before difflib
            m = difflib.SequenceMatcher(None, sa, sb)
            if m.real_quick_ratio() > ratio and m.quick_ratio() > ratio and m.ratio() > ratio:
                pairs.append((a, b, m.ratio()))
    return pairs


# docs/difficulty-rubric.md: what the lint can see of criteria C (linked decisions) and D (Bloom).
LINKED_TYPES = {"bowtie", "matrix_multiple_response", "ordered_response", "dropdown_rationale"}
HIGH_BLOOM = {"analysis", "evaluation", "create"}


def difficulty_problem(item):
    """A difficulty label the rubric contradicts, as a message, or None."""
    if item.difficulty == "hard":
        if not (item.type in LINKED_TYPES or item.case_study or item.bloom in HIGH_BLOOM):
            return ("marked hard, but it is neither a linked-decision type, a case-study part nor at Bloom "
                    "analysis/evaluation; rate it again (docs/difficulty-rubric.md)")
    if item.difficulty == "easy" and item.bloom in HIGH_BLOOM:
        return f"marked easy at Bloom level {item.bloom}; the rubric makes analysis or evaluation at least medium"
    return None


# Tags for what the nurse does or judges, not says: a quoted reply needs a communication tag,
# so that review by technique ("you chose false reassurance in 3 of 4 items") stays true.
ACTION_TAGS = {"therapeutic-action", "ineffective-action", "accurate-assessment", "inaccurate-assessment"}


def _item_checks(item):
    problems = []

    def add(msg, level="error"):
        problems.append(Problem(item.source, item.line, item.id, msg, level))

    t = get_type(item.type)(item.definition)
    texts = [item.stem, item.definition.get("text", "")] + [c.get("text", "") for c in t.choices()]
    if any(ABOVE.search(x or "") for x in texts):
        add('uses "all/none of the above"; write each option to stand alone')
    if (msg := difficulty_problem(item)):
        add(msg, "warning")
    for c in t.choices():
        if str(c.get("text", "")).strip().startswith(('"', "“")) and c.get("technique") in ACTION_TAGS:
            add(f"{c.get('id')!r} is a spoken reply tagged {c.get('technique')!r}; tag the technique it shows",
                "warning")
    for c in t.choices():
        n = count_sentences(c.get("rationale", ""))
        if c.get("rationale") and not 2 <= n <= 4:
            add(f"rationale of {c.get('id')!r} has about {n} sentence(s); write 2-4", "warning")
    return problems


def lint_paths(paths=None) -> list:
    """All problems in the given files or directories (default: the bundled items)."""
    paths = list(iter_paths(default_paths() if not paths else paths))
    bank = load_bank(paths)
    problems = list(bank.problems)

    # Unique ids across files: load_bank keeps the first; find the rest from the raw files.
    problems += _duplicate_ids(paths)

    for item in bank.items.values():
        problems += _item_checks(item)

    for cs in bank.case_studies.values():
        if len(cs.item_ids) > MAX_CASE_ITEMS:
            problems.append(Problem(cs.source, cs.line, cs.id,
                                    f"case study has {len(cs.item_ids)} items; at most {MAX_CASE_ITEMS}"))
        if cs.id in bank.items:
            problems.append(Problem(cs.source, cs.line, cs.id, "case study id is also an item id"))

    for a, b, r in near_duplicates(list(bank.items.values())):
        problems.append(Problem(b.source, b.line, b.id,
                                f"stem is a near-duplicate of {a.id} ({a.source}:{a.line}, similarity {r:.2f})"))
    problems += cue_problems(bank, paths)
    return sorted(problems, key=lambda p: (p.file, p.line, p.item_id, p.message))


def _warn(item, message):
    return Problem(item.source, item.line, item.id, message, "warning")


def _rate_problems(where, sets, kind="multiple-choice items"):
    """The key-length limits over one group of option sets (a file, or all files)."""
    if len(sets) < cues.MIN_ITEMS_FOR_RATE:
        return []
    out = []
    longest = [s for s in sets if s.key_longest]
    if len(longest) > cues.LONGEST_LIMIT * len(sets):
        out.append(Problem(where, 0, "-", (
            f"the key is the longest option in {len(longest)} of {len(sets)} {kind} "
            f"({len(longest) / len(sets):.0%}; at most {cues.LONGEST_LIMIT:.0%}): "
            + ", ".join(s.label() for s in longest)), "warning"))
    shortest = [s for s in sets if s.key_shortest]
    if len(shortest) > cues.SHORTEST_LIMIT * len(sets):
        out.append(Problem(where, 0, "-", (
            f"the key is the shortest option in {len(shortest)} of {len(sets)} {kind} "
            f"({len(shortest) / len(sets):.0%}; at most {cues.SHORTEST_LIMIT:.0%}): "
            + ", ".join(s.label() for s in shortest)), "warning"))
    long_ = [s for s in sets if s.ratio > cues.RATIO]
    if len(long_) > cues.RATIO_LIMIT * len(sets):
        out.append(Problem(where, 0, "-", (
            f"the key is over {cues.RATIO}x the mean distractor length in {len(long_)} of {len(sets)} "
            f"{kind} ({len(long_) / len(sets):.0%}; at most {cues.RATIO_LIMIT:.0%}): "
            + ", ".join(f"{s.label()} ({s.ratio:.2f}x)" for s in long_)), "warning"))
    return out


def _position_problems(items) -> list:
    """Where keys are written: the same position too often over the bank, or one item's order."""
    out = []
    pos = cues.key_positions(items)
    n = sum(pos["mc"].values())
    if n >= cues.MIN_ITEMS_FOR_RATE:
        at, count = max(pos["mc"].items(), key=lambda kv: kv[1])
        if count > cues.KEY_POSITION_LIMIT * n:
            out.append(Problem("(all files)", 0, "-", (
                f"the key is written as option {at + 1} in {count} of {n} multiple-choice items "
                f"({count / n:.0%}; at most {cues.KEY_POSITION_LIMIT:.0%}): exports keep the written order, "
                "so spread the keys over the positions"), "warning"))
    if pos["blanks"] >= cues.MIN_ITEMS_FOR_RATE and pos["blank_first"] > cues.BLANK_FIRST_LIMIT * pos["blanks"]:
        out.append(Problem("(all files)", 0, "-", (
            f"the key is written first in {pos['blank_first']} of {pos['blanks']} drop-down blanks "
            f"({pos['blank_first'] / pos['blanks']:.0%}; at most {cues.BLANK_FIRST_LIMIT:.0%})"), "warning"))
    for item in items:
        why = cues.written_in_key_order(item)
        if why:
            out.append(_warn(item, f"{why}; exports keep the written order, so write them in another order"))
    return out


def cue_problems(bank, paths=()) -> list:
    """Warnings for the test-wise cues of docs/item-writing.md rule 12 and rule 13."""
    problems = []
    items = list(bank.items.values())
    mc_by_file, blanks = {}, []
    for item in items:
        for s in cues.option_sets(item):
            where = f" in {s.where}" if s.where else ""
            if s.only_key_feels:
                problems.append(_warn(item, f"only the key names a feeling{where}; let a distractor name one too"))
            if s.only_key_reflects:
                problems.append(_warn(item, f"only the key opens like a reflection (\"It sounds like...\"){where}; "
                                            "let a distractor open that way too"))
            if s.only_key_compound:
                problems.append(_warn(item, f"only the key makes two points{where}; give a distractor two parts too"))
            if item.type == "multiple_choice":
                mc_by_file.setdefault(item.source, []).append(s)
            else:
                blanks.append(s)
    for item in items:
        for where, feature, odd in cues.format_outliers(item):
            at = f" in {where}" if where else ""
            problems.append(_warn(item, (
                f"option(s) {', '.join(map(str, odd))}{at} differ from the rest in {feature}; a test-wise student "
                "rules out the odd one, so write every option of a set the same way")))
    for source, sets in sorted(mc_by_file.items()):
        problems += _rate_problems(source, sets)
    if len(mc_by_file) > 1:
        problems += _rate_problems("(all files)", [s for sets in mc_by_file.values() for s in sets])
    # Drop-down blanks hold 2-4 short options each; too few per file for a rate, so all files.
    problems += _rate_problems("(all files)", blanks, "drop-down blanks")
    problems += _position_problems(items)

    for cid, cs in bank.case_studies.items():
        case_items = bank.case_items(cid)
        context = " ".join([x.get("text", "") for x in cs.stimulus] +
                           [u.get("text", "") for it in case_items for u in it.definition.get("unfold") or []])
        for item in case_items:
            for group, cid_, term in cues.bowtie_filler(item, context):
                problems.append(_warn(item, f"bow-tie {group} {cid_!r} names {term!r}, which the case never "
                                            "mentions: filler a test-wise student rules out"))
        for keyed, other, text in cues.case_leaks(case_items, " ".join(x.get("text", "") for x in cs.stimulus)):
            problems.append(_warn(other, f"its wording states the key of {keyed.id} "
                                         f"({cues.plain(text)[:60]!r}); reword so no part gives another away"))
    for item in items:
        if not item.case_study:
            for group, cid_, term in cues.bowtie_filler(item):
                problems.append(_warn(item, f"bow-tie {group} {cid_!r} names {term!r}, which the case never "
                                            "mentions: filler a test-wise student rules out"))

    for a, b, score in cues.similar_stems(items):
        if not (a.family and a.family == b.family):
            problems.append(_warn(b, f"stem is very similar to {a.id}'s ({a.source}:{a.line}, {score:.0f}/100); "
                                     "give both the same family (never drawn together) or write a new scenario"))
    return problems


def _duplicate_ids(paths):
    first, problems = {}, []
    for path in paths:
        data, lines, _ = read_yaml(path)
        if not isinstance(data, dict):
            continue
        entries = [(d, "item") for d in data.get("items") or []]
        for cs in data.get("case_studies") or []:
            entries.append((cs, "case study"))
            if isinstance(cs, dict):
                entries += [(d, "item") for d in cs.get("items") or []]
        for d, kind in entries:
            if not isinstance(d, dict) or not isinstance(d.get("id"), str):
                continue
            where = (str(path), lines.get(id(d), 0))
            key = (kind, d["id"])
            if key in first:
                problems.append(Problem(where[0], where[1], d["id"],
                                        f"duplicate {kind} id (first at {first[key][0]}:{first[key][1]})"))
            else:
                first[key] = where
    return problems


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    strict = "--strict" in argv
    paths = [a for a in argv if a != "--strict"]
    problems = lint_paths(paths or None)
    for p in problems:
        print(p)
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors or (strict and warnings) else 0


if __name__ == "__main__":
    sys.exit(main())
