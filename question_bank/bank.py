"""Load and validate a YAML bank; the Item and CaseStudy records the app uses."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import vocabulary as V
from .types import REGISTRY
from .types.base import HouseRule

ITEMS_DIR = Path(__file__).parent / "items"
TAGS = {
    "topic": V.TOPICS,
    "client_need": V.CLIENT_NEEDS,
    "cjmm_skill": V.CJMM_SKILLS,
    "bloom": V.BLOOM_LEVELS,
    "difficulty": V.DIFFICULTIES,
}
ITEM_FIELDS = {
    "id", "version", "type", "topic", "client_need", "cjmm_skill", "bloom", "difficulty", "stem",
    "options", "key", "pin_options", "n", "scoring", "text", "blanks", "columns", "rows",
    "conditions", "actions", "parameters", "passage", "unfold", "notes", "family",
    "general_feedback",   # feedback on the whole question, kept from imported questions
    "stem_html", "media",  # imported formatting and images (question_bank.formats.richtext)
}
# Fields a case-study item may take from its case study when it leaves them out.
INHERITED = ("version", "topic", "client_need", "family")
# A family names items built on one scenario or teaching point: an attempt holds at most one.
FAMILY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class BankError(ValueError):
    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid bank")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    item_id: str
    message: str
    level: str = "error"  # or "warning"

    def __str__(self):
        prefix = "warning: " if self.level == "warning" else ""
        return f"{self.file}:{self.line}: {self.item_id}: {prefix}{self.message}"


@dataclass(frozen=True)
class Item:
    id: str
    version: int
    type: str
    topic: str
    client_need: str
    cjmm_skill: str
    bloom: str
    difficulty: str
    stem: str
    definition: dict = field(compare=False, repr=False)
    case_study: str | None = None
    case_position: int | None = None
    source: str = "?"
    line: int = 0
    collection: str = "bundled"

    @property
    def family(self) -> str | None:
        """The enemy group of the item (its own or its case study's), or None."""
        return self.definition.get("family") or None


@dataclass(frozen=True)
class CaseStudy:
    id: str
    version: int
    title: str
    topic: str
    stimulus: list
    item_ids: tuple
    source: str = "?"
    line: int = 0
    collection: str = "bundled"


@dataclass
class Bank:
    items: dict = field(default_factory=dict)
    case_studies: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)  # items with errors are left out

    def filter(self, **criteria):
        """Items whose attributes match; a criterion may be a value or a list of values."""
        out = []
        for item in self.items.values():
            ok = True
            for name, want in criteria.items():
                if want is None:
                    continue
                wanted = set(want) if isinstance(want, (list, tuple, set, frozenset)) else {want}
                if getattr(item, name) not in wanted:
                    ok = False
                    break
            if ok:
                out.append(item)
        return out

    def case_items(self, case_id):
        return [self.items[i] for i in self.case_studies[case_id].item_ids if i in self.items]


# -- YAML with line numbers ------------------------------------------------

class LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping (by id()) and duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.lines = {}
        self.duplicates = []  # (line, key)


def _construct_map(loader, node):
    data = {}
    loader.lines[id(data)] = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, (str, int, float, bool, type(None))):
            continue  # construct_mapping reports unhashable keys
        if key in data:
            loader.duplicates.append((key_node.start_mark.line + 1, key))
        data[key] = None
    data.update(loader.construct_mapping(node))


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def read_yaml(path):
    """Parse one file -> (data, lines by id(mapping), problems)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return None, {}, [Problem(str(path), 0, "-", f"cannot read: {e}")]
    loader = None
    try:
        loader = LineLoader(text)  # the reader refuses control characters already here
        data = loader.get_single_data()
        problems = [Problem(str(path), ln, "-", f"duplicate key {k!r}") for ln, k in loader.duplicates]
        return data, loader.lines, problems
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return None, {}, [Problem(str(path), line, "-", f"YAML error: {getattr(e, 'problem', None) or e}")]
    finally:
        if loader is not None:
            loader.dispose()


# -- validation and construction ---------------------------------------------

def validate_item_dict(d) -> list:
    """Schema, vocabulary and per-type problems of one item dict, as strings."""
    if not isinstance(d, dict):
        return ["item must be a mapping"]
    problems = []
    if not isinstance(d.get("id"), str) or not d["id"]:
        problems.append("id: missing or not a string")
    v = d.get("version")
    if not isinstance(v, int) or isinstance(v, bool) or v < 1:
        problems.append("version: must be a positive integer")
    if not isinstance(d.get("stem"), str) or not d["stem"].strip():
        problems.append("stem: missing")
    for name, allowed in TAGS.items():
        if d.get(name) is None:
            problems.append(f"{name}: missing")
        elif not isinstance(d[name], str) or d[name] not in allowed:
            problems.append(f"{name}: {d[name]!r} is not one of {', '.join(allowed)}")
    if "family" in d and not (isinstance(d["family"], str) and FAMILY.match(d["family"])):
        problems.append("family: must be a lower-case-hyphenated name such as angry-after-long-wait")
    problems += _rich_stem_problems(d)
    if "pin_options" in d and not isinstance(d["pin_options"], bool):
        problems.append("pin_options: must be true or false")
    t = d.get("type")
    unknown = set(d) - ITEM_FIELDS
    if unknown:
        problems.append(f"unknown field(s) {sorted(map(str, unknown))}")
    if not isinstance(t, str) or t not in REGISTRY:
        problems.append(f"type: {t!r} is not one of {', '.join(REGISTRY)}")
    else:
        problems += REGISTRY[t].validate(d)
    return problems


def _rich_stem_problems(d: dict) -> list:
    """stem_html must be what the sanitiser leaves, and media must list exactly its images."""
    from .formats.richtext import media_in, sanitise
    out = []
    if "stem_html" in d:
        if not isinstance(d["stem_html"], str) or not d["stem_html"].strip():
            out.append("stem_html: must be non-empty text")
        elif sanitise(d["stem_html"]) != d["stem_html"]:
            out.append("stem_html: holds markup Rapport does not render (sanitise it on import)")
    if "media" in d or "stem_html" in d:
        want = media_in(d.get("stem_html") or "") if isinstance(d.get("stem_html"), str) else []
        if d.get("media", []) != want:
            out.append("media: must list the images stem_html shows, in order")
    return out


def house_rule_problems(d) -> list:
    """The problems of an item dict that only break our own item-writing rules (see
    types.base.HouseRule): errors in the bundled bank, warnings for imported items."""
    return [p for p in validate_item_dict(d) if isinstance(p, HouseRule)]


def item_from_dict(d, source="?", line=0, collection="bundled", case_study=None, case_position=None,
                   imported=False):
    """Build an Item from a definition dict; raises BankError if it is invalid.

    imported=True holds the item only to what the engine needs to serve and score it;
    house_rule_problems(d) lists the rest, for an import report or lint warnings."""
    problems = validate_item_dict(d)
    if imported:
        problems = [p for p in problems if not isinstance(p, HouseRule)]
    if problems:
        iid = d.get("id", "?") if isinstance(d, dict) else "?"
        raise BankError([Problem(str(source), line, str(iid), p) for p in problems])
    return Item(
        id=d["id"], version=d["version"], type=d["type"], topic=d["topic"],
        client_need=d["client_need"], cjmm_skill=d["cjmm_skill"], bloom=d["bloom"],
        difficulty=d["difficulty"], stem=d["stem"], definition=d,
        case_study=case_study, case_position=case_position,
        source=str(source), line=line, collection=collection,
    )


def content_hash(obj) -> str:
    """Fingerprint of an item's (or case study's) content, ignoring its version and notes.

    Store (id, version, hash); the same id and version with another hash means the
    content changed without a version bump.
    """
    if isinstance(obj, Item):
        data = obj.definition
    elif isinstance(obj, CaseStudy):
        data = {"title": obj.title, "topic": obj.topic, "stimulus": obj.stimulus, "items": list(obj.item_ids)}
    else:
        data = obj
    # Writers' notes (why a label holds, review remarks) are not what a student sees or is graded
    # on, and a format without a place for them (Moodle XML) must round-trip as the same item.
    data = _normalise({k: v for k, v in data.items() if k not in ("version", "notes")})
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _normalise(value):
    """Whitespace reflow (YAML folding, an export/import round trip) is not a content change."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def default_paths():
    return sorted(ITEMS_DIR.glob("*.yaml")) + sorted(ITEMS_DIR.glob("*.yml"))


def iter_paths(paths):
    """Expand directories into their YAML files."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
        else:
            yield p


def _case_study(cs, src, lines, bank, collection):
    line = lines.get(id(cs), 0)
    cid = cs.get("id") if isinstance(cs, dict) else None
    if not isinstance(cid, str):
        bank.problems.append(Problem(src, line, "?", "case study: id missing"))
        return
    probs = []
    for name in ("title", "topic"):
        if not isinstance(cs.get(name), str):
            probs.append(f"{name}: missing")
    if cs.get("topic") not in V.TOPICS:
        probs.append(f"topic: {cs.get('topic')!r} is not one of {', '.join(V.TOPICS)}")
    if not isinstance(cs.get("version"), int) or cs.get("version") < 1:
        probs.append("version: must be a positive integer")
    if "family" in cs and not (isinstance(cs["family"], str) and FAMILY.match(cs["family"])):
        probs.append("family: must be a lower-case-hyphenated name such as angry-after-long-wait")
    if not isinstance(cs.get("stimulus"), list) or not cs["stimulus"]:
        probs.append("stimulus: must be a non-empty list of {heading, text}")
    raw_items = cs.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        probs.append("items: must be a non-empty list")
        raw_items = []
    if probs:
        bank.problems += [Problem(src, line, cid, p) for p in probs]
        return
    ids = []
    for pos, d in enumerate(raw_items):
        if isinstance(d, dict):
            d = {**{k: cs[k] for k in INHERITED if k in cs and k not in d}, **d}
        try:
            item = item_from_dict(d, src, lines.get(id(raw_items[pos]), line), collection, cid, pos + 1)
        except BankError as e:
            bank.problems += e.problems
            continue
        ids.append(item.id)
        bank.items.setdefault(item.id, item)
    bank.case_studies[cid] = CaseStudy(cid, cs["version"], cs["title"], cs["topic"], cs["stimulus"],
                                       tuple(ids), src, line, collection)


def load_bank(paths=None, strict=False, collection="bundled") -> Bank:
    """Load YAML bank files (default: the bundled items). Invalid items are skipped and
    reported in bank.problems; strict=True raises BankError instead."""
    bank = Bank()
    for path in iter_paths(default_paths() if paths is None else paths):
        src = str(path)
        data, lines, problems = read_yaml(path)
        bank.problems += problems
        if data is None:
            continue
        if not isinstance(data, dict) or set(data) - {"items", "case_studies"}:
            bank.problems.append(Problem(src, 1, "-", "top level must be a mapping with items: and/or case_studies:"))
            continue
        for d in data.get("items") or []:
            line = lines.get(id(d), 0)
            try:
                item = item_from_dict(d, src, line, collection)
            except BankError as e:
                bank.problems += e.problems
                continue
            bank.items.setdefault(item.id, item)  # duplicates are reported by the lint
        for cs in data.get("case_studies") or []:
            _case_study(cs, src, lines, bank, collection)
    if strict and any(p.level == "error" for p in bank.problems):
        raise BankError(bank.problems)
    return bank
