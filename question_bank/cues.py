"""Test-wise cues, measured mechanically (used by the lint and by `rapport bank stats`).

A strong student who skips the stem must not find the key. The figures here are the
ones docs/item-writing.md rule 12 names: the key is the longest option, much longer than
the distractors, the only option that names a feeling, the only compound option; bow-tie
lists padded with physiological filler; a later part of a case study stating an earlier key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

# Limits from issue 11 (multiple choice; the lint holds drop-down blanks to them too): the key is
# the strictly longest option in at most 30% of items, and longer than 1.25x the mean distractor
# length in at most 5%.
LONGEST_LIMIT = 0.30
RATIO = 1.25
RATIO_LIMIT = 0.05
# The reverse cue: a student who learns "never the longest" picks the shortest.
SHORTEST_LIMIT = 0.30
# Rates are judged only over enough items for a rate to mean something.
MIN_ITEMS_FOR_RATE = 8

# Where the key is written. Delivery shuffles options, but exports and the stored order keep
# the written order, and option ids reach the browser: a bank whose keys are mostly written
# first (or a, c1, p1...) gives the key away there. Over all multiple-choice items, no one
# written position holds more than this share of keys (chance is 25% with four options) ...
KEY_POSITION_LIMIT = 0.35
# ... and over all drop-down blanks, the key is written first in at most this share (chance
# 25-50% with two to four options).
BLANK_FIRST_LIMIT = 0.45

FEELINGS = re.compile(
    r"\b(feel|feels|feeling|feelings|felt|frustrat\w*|angry|anger|angered|sad|sadness|scared|scary|"
    r"afraid|fear\w*|frighten\w*|terrif\w*|worr\w*|upset\w*|hurt\w*|lonely|loneliness|overwhelm\w*|"
    r"anxious|anxiety|ashamed|shame\w*|embarrass\w*|hopeless\w*|helpless\w*|guilt\w*|griev\w*|grief|"
    r"discourag\w*|disappoint\w*|betray\w*|distress\w*|humiliat\w*|resent\w*|irritat\w*|annoy\w*|"
    r"exhaust\w*|nervous|panic\w*|lonel\w*|miss(?:es|ing)? (?:him|her|them)|unsafe|relie(?:f|ved)|"
    r"dread\w*|despair\w*|tense|confus\w*|unheard|dismissed|stressful|stressed|painful)\b",
    re.I,
)
# Measures and findings that belong to physiological care; in a psychosocial case they are
# filler unless the case itself mentions them.
PHYSIOLOGICAL = re.compile(
    r"\b(blood glucose|glucose|blood sugar|blood pressure|daily weight|weight|temperature|"
    r"pulse|heart rate|respiratory rate|oxygen saturation|spo2|potassium|sodium|serum|"
    r"hemoglobin|white blood cell|intake and output|urine output|bowel|creatinine|bmi|"
    r"electrolyte\w*|laboratory|lab values?)\b",
    re.I,
)
STOPWORDS = frozenset("""
a an the and or but if then so to of in on at for with from by as is are was were be been
being am i you he she it we they me him her us them my your his its our their this that these
those do does did not no yes have has had will would can could should may might must just
about into over than too very what which who whom when where why how all any some more most
such own same only also there here now up out again once let lets let's get got going say
says said tell told ask asked nurse client clients nurses response responses best first most
likely priority action actions finding findings indicate indicates condition conditions parameter
parameters monitor experiencing experience experiences select apply which following""".split())
WORD = re.compile(r"[a-z][a-z'’-]+")
SENTENCE = re.compile(r"[.!?]+[\"'”’)]*(?=\s+[\"'“‘(]?[A-Z])")


def plain(text) -> str:
    """Option text as a student reads it, without quotation marks and extra space."""
    return " ".join(str(text or "").replace('"', "").replace("“", "").replace("”", "").split())


# Openers of an empathic reply ("It sounds like...", "You seem...", "That sounds..."). When only the
# key opens this way, "pick the reflective one" finds it without reading the stem.
REFLECTIVE_OPENER = re.compile(
    r"^(it sounds|that sounds|sounds like|you sound|you seem|it seems|you feel|you're feeling|"
    r"you are feeling|i can see|i can hear|i hear)\b", re.I)


def opens_reflectively(text) -> bool:
    return bool(REFLECTIVE_OPENER.search(plain(text)))


def names_feeling(text) -> bool:
    return bool(FEELINGS.search(plain(text)))


def is_compound(text) -> bool:
    """Two or more statements: two sentences, a semicolon, or ', and' joining two clauses."""
    t = plain(text)
    return bool(SENTENCE.search(t)) or ";" in t or ", and " in t


def content_words(text) -> set:
    return {w.strip("'’-") for w in WORD.findall(plain(text).lower())
            if len(w) > 3 and w not in STOPWORDS}


@dataclass(frozen=True)
class OptionSet:
    """One single-key choice: a multiple-choice item, or one blank of a drop-down item."""
    item_id: str
    where: str  # "" for the item, "blank b1" for a blank
    key: dict
    distractors: tuple

    @property
    def key_len(self):
        return len(plain(self.key.get("text")))

    @property
    def mean_distractor_len(self):
        lens = [len(plain(d.get("text"))) for d in self.distractors]
        return sum(lens) / len(lens) if lens else 0.0

    @property
    def key_longest(self) -> bool:
        return all(self.key_len > len(plain(d.get("text"))) for d in self.distractors)

    @property
    def key_shortest(self) -> bool:
        return all(self.key_len < len(plain(d.get("text"))) for d in self.distractors)

    @property
    def ratio(self) -> float:
        m = self.mean_distractor_len
        return self.key_len / m if m else 0.0

    @property
    def only_key_reflects(self) -> bool:
        return opens_reflectively(self.key.get("text")) and not any(
            opens_reflectively(d.get("text")) for d in self.distractors)

    @property
    def only_key_feels(self) -> bool:
        return names_feeling(self.key.get("text")) and not any(names_feeling(d.get("text")) for d in self.distractors)

    @property
    def only_key_compound(self) -> bool:
        return is_compound(self.key.get("text")) and not any(is_compound(d.get("text")) for d in self.distractors)

    def label(self):
        return f"{self.item_id}{' ' + self.where if self.where else ''}"


def option_sets(item) -> list:
    """The single-key option sets of an item (multiple choice, drop-down blanks)."""
    d = item.definition
    out = []
    if item.type == "multiple_choice":
        opts = d.get("options") or []
        key = [o for o in opts if o.get("id") == d.get("key")]
        if key:
            out.append(OptionSet(item.id, "", key[0], tuple(o for o in opts if o is not key[0])))
    elif item.type in ("dropdown_cloze", "dropdown_rationale"):
        for b in d.get("blanks") or []:
            opts = b.get("options") or []
            key = [o for o in opts if o.get("id") == b.get("key")]
            if key:
                out.append(OptionSet(item.id, f"blank {b.get('id')}", key[0],
                                     tuple(o for o in opts if o is not key[0])))
    return out


def key_positions(items) -> dict:
    """Where keys are written: {"mc": Counter(position -> items), "blank_first": n, "blanks": n}."""
    from collections import Counter
    mc, first, blanks = Counter(), 0, 0
    for item in items:
        d = item.definition
        if item.type == "multiple_choice":
            ids = [o.get("id") for o in d.get("options") or []]
            if d.get("key") in ids:
                mc[ids.index(d.get("key"))] += 1
        elif item.type in ("dropdown_cloze", "dropdown_rationale"):
            for b in d.get("blanks") or []:
                opts = b.get("options") or []
                if opts:
                    blanks += 1
                    first += opts[0].get("id") == b.get("key")
    return {"mc": mc, "blank_first": first, "blanks": blanks}


def written_in_key_order(item) -> str:
    """Why an item's written order gives its key away ("" when it does not)."""
    d = item.definition
    if item.type == "ordered_response":
        ids = [o.get("id") for o in d.get("options") or []]
        if ids and ids == list(d.get("key") or []):
            return "its steps are written in the key's order"
    if item.type == "bowtie":
        k = d.get("key") or {}
        head = lambda group, n: [o.get("id") for o in (d.get(group) or [])[:n]]
        at_head = lambda group, keys: bool(keys) and set(head(group, len(keys))) == set(keys)
        if head("conditions", 1) == [k.get("condition")] and (
                at_head("actions", k.get("actions") or []) or at_head("parameters", k.get("parameters") or [])):
            return ("its keys are written at the head of their lists (the keyed condition first, and the keyed "
                    "actions or parameters first)")
    return ""


def bowtie_filler(item, case_text="") -> list:
    """Bow-tie conditions and parameters that name a physiological measure the case never mentions."""
    if item.type != "bowtie":
        return []
    context = " ".join([case_text, item.stem or ""])
    mentioned = {m.lower() for m in PHYSIOLOGICAL.findall(context)}
    out = []
    for group in ("conditions", "parameters"):
        for c in item.definition.get(group) or []:
            found = {m.lower() for m in PHYSIOLOGICAL.findall(plain(c.get("text")))}
            if found - mentioned:
                out.append((group, c.get("id"), sorted(found - mentioned)[0]))
    return out


def choice_groups(item):
    """(choices, keyed ids) per option list of an item: what a later part must not give away."""
    d = item.definition
    if item.type == "multiple_choice":
        return [(d.get("options") or [], {d.get("key")})]
    if item.type in ("select_all", "select_n"):
        return [(d.get("options") or [], set(d.get("key") or []))]
    if item.type == "highlight":
        return [([p for p in d.get("passage") or [] if p.get("selectable")], set(d.get("key") or []))]
    if item.type in ("dropdown_cloze", "dropdown_rationale"):
        return [(b.get("options") or [], {b.get("key")}) for b in d.get("blanks") or []]
    if item.type == "bowtie":
        k = d.get("key") or {}
        return [(d.get("conditions") or [], {k.get("condition")}), (d.get("actions") or [], set(k.get("actions") or [])),
                (d.get("parameters") or [], set(k.get("parameters") or []))]
    return []


def _stems(text) -> set:
    """Content words cut to five letters: a crude stem ('choices'/'choice', 'consistent'/'consistency')."""
    return {w[:5] for w in content_words(text)}


LEAK_WORDS = 2  # another part shares at least this many new words with a key ...


def _wording(item) -> str:
    """Everything a student reads in a part: stem, unfold, sentence, and every choice, row or step."""
    d = item.definition
    out = [item.stem or "", d.get("text") or ""] + [u.get("text", "") for u in d.get("unfold") or []]
    for choices, _ in choice_groups(item):
        out += [c.get("text", "") for c in choices]
    for group in ("rows", "columns") + (("options",) if item.type in ("ordered_response",) else ()):
        out += [c.get("text", "") for c in d.get(group) or []]
    return " ".join(out)


def case_leaks(case_items, context="") -> list:
    """(keyed part, other part, key text) where the other part's wording points at the keyed part's key.

    Both directions count: a later part must not state an earlier part's key (exports and reviews show
    every part), and an earlier part must not give away a later one. The other part leaks when its
    wording (stem, unfold, choices, rows) shares at least LEAK_WORDS word stems with a keyed choice,
    more than with any of that choice list's distractors; words already in the case's stimulus or the
    keyed part's own stem do not count, since every option may echo them.
    """
    out = []
    wording = [_stems(_wording(it)) for it in case_items]
    for i, keyed in enumerate(case_items):
        common = _stems(context) | _stems(keyed.stem)
        for choices, keys in choice_groups(keyed):
            distractors = [c for c in choices if c.get("id") not in keys]
            for j, other in enumerate(case_items):
                if j == i:
                    continue
                shown = wording[j] - common
                best_distractor = max([len((_stems(c.get("text")) - common) & shown) for c in distractors] or [0])
                for c in choices:
                    if c.get("id") in keys:
                        n = len((_stems(c.get("text")) - common) & shown)
                        if n >= LEAK_WORDS and n > best_distractor:
                            out.append((keyed, other, c.get("text")))
    return out


STEM_SIMILARITY = 72  # rapidfuzz token_sort_ratio (0-100) above which two stems are "very similar"


def _norm(stem):
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", (stem or "").lower()).split())


def similar_stems(items, threshold=STEM_SIMILARITY) -> list:
    """(a, b, score) for stems of different draw units that rapidfuzz finds very similar."""
    norm = [(it, _norm(it.stem)) for it in items]
    out = []
    for i in range(len(norm)):
        a, sa = norm[i]
        for j in range(i + 1, len(norm)):
            b, sb = norm[j]
            if a.case_study and a.case_study == b.case_study:
                continue  # parts of one case are drawn together anyway
            score = fuzz.token_sort_ratio(sa, sb, score_cutoff=threshold)
            if score:
                out.append((a, b, score))
    return out


def figures(bank) -> dict:
    """The cue figures `rapport bank stats` prints and `lint --strict` holds to the limits."""
    items = list(bank.items.values())
    mc = [s for it in items if it.type == "multiple_choice" for s in option_sets(it)]
    blanks = [s for it in items if it.type != "multiple_choice" for s in option_sets(it)]
    case_text = {cid: " ".join(x.get("text", "") for x in cs.stimulus) for cid, cs in bank.case_studies.items()}

    def rate(sets, pred):
        return (sum(1 for s in sets if pred(s)) / len(sets)) if sets else 0.0

    leaks = []
    for cid, cs in bank.case_studies.items():
        leaks += case_leaks(bank.case_items(cid), " ".join(x.get("text", "") for x in cs.stimulus))
    filler = [(it.id, f) for it in items for f in bowtie_filler(it, case_text.get(it.case_study, "") + " " + " ".join(
        u.get("text", "") for x in (bank.case_items(it.case_study) if it.case_study else [])
        for u in x.definition.get("unfold") or []))]
    return {
        "mc_items": len(mc),
        "mc_key_longest": rate(mc, lambda s: s.key_longest),
        "mc_key_ratio": rate(mc, lambda s: s.ratio > RATIO),
        "mc_key_shortest": rate(mc, lambda s: s.key_shortest),
        "blank_sets": len(blanks),
        "blank_key_longest": rate(blanks, lambda s: s.key_longest),
        "blank_key_ratio": rate(blanks, lambda s: s.ratio > RATIO),
        "blank_key_shortest": rate(blanks, lambda s: s.key_shortest),
        "only_key_feels": [s.label() for s in mc + blanks if s.only_key_feels],
        "only_key_compound": [s.label() for s in mc + blanks if s.only_key_compound],
        "only_key_reflects": [s.label() for s in mc + blanks if s.only_key_reflects],
        "bowtie_filler": filler,
        "case_leaks": [(a.id, b.id) for a, b, _ in leaks],
        "key_positions": key_positions(items),
        "written_in_key_order": [it.id for it in items if written_in_key_order(it)],
    }


# Surface form of an option (the blind review of December 2026): a distractor added or edited later
# often lacks the final period, or the quotation marks, that every other option in its set has, and
# a test-wise student rules it out by that alone. Within one option set, the options should agree on
# whether they end in terminal punctuation and on whether they are quoted speech.
TERMINAL = re.compile(r"[.!?…]['\"”’)\]]*\s*$")
QUOTED = re.compile(r"^\s*[\"“]")


def _formats(text):
    t = str(text or "").strip()
    return {"final punctuation": bool(TERMINAL.search(t)), "quotation marks": bool(QUOTED.match(t))}


def choice_sets(item) -> list:
    """(where, options) for every list of options a student picks from: options, each blank's options."""
    d = item.definition
    if item.type in ("multiple_choice", "select_all", "select_n"):
        return [("", d.get("options") or [])]
    if item.type in ("dropdown_cloze", "dropdown_rationale"):
        return [(f"blank {b.get('id')}", b.get("options") or []) for b in d.get("blanks") or []]
    return []


def format_outliers(item) -> list:
    """(where, feature, ids) where a minority of a set's options differs from the rest in final
    punctuation or in being quoted speech (the odd ones out are the ids)."""
    out = []
    for where, options in choice_sets(item):
        if len(options) < 3:
            continue
        marks = [(o.get("id"), _formats(o.get("text"))) for o in options]
        for feature in ("final punctuation", "quotation marks"):
            has = [oid for oid, f in marks if f[feature]]
            lacks = [oid for oid, f in marks if not f[feature]]
            odd = min(has, lacks, key=len)
            if odd and 2 * len(odd) < len(options):
                out.append((where, feature, odd))
    return out
