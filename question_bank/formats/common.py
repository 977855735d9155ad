"""Shared pieces of the interchange formats: the import report, skip-and-report, defaults,
HTML to text, XML with line numbers.

Every importer reads a file into a list of entries, each either a Raw question or a Note
saying why a question was left out (a type with no faithful equivalent, or a question that
cannot be read), and hands them to finish(), which gives ids and defaults, validates each
question on its own and returns (items, report). One bad question never sinks the file:
it is skipped and reported with file:line, its name and why. strict=True restores
all-or-nothing. A file that cannot be read at all (not well-formed XML, a DTD or entity,
not UTF-8, not a zip) raises FormatError and nothing is returned.

Imported questions are held only to what the engine needs to serve and score them
(item_from_dict(imported=True)); our own item-writing rules (option counts, technique tags,
rationales) come back as warnings in the report. Defaults for what a foreign file lacks:
  id          imp-<slug of the source file name>-<nnn> (position in the file, from 001)
  version     1
  topic       the question's own topic tag, else the `topic` argument, else a FormatError
              for the whole file (the fix: pass a topic)
  client_need psychosocial-integrity, cjmm_skill analyze-cues, bloom application,
              difficulty medium
  technique   none (imported options carry no technique tag unless the file gives ours)
  rationale   the option's feedback in the file, else none (a warning)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable


Progress = Callable[[int, int], None]

DEFAULTS = {
    "client_need": "psychosocial-integrity",
    "cjmm_skill": "analyze-cues",
    "bloom": "application",
    "difficulty": "medium",
}
# Item-level fields carried as "name:value" tags (Moodle XML, GIFT).
TAG_FIELDS = ("topic", "client_need", "cjmm_skill", "bloom", "difficulty")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
DEFAULT_COLLECTION = "imported"


class FormatError(ValueError):
    """A file (or, inside a reader, one question) that cannot be imported;
    str() is 'file:line: field: message'."""

    def __init__(self, file: str, line: int | None, field: str, message: str):
        self.file, self.line, self.field, self.message = str(file), line, field, message
        super().__init__(f"{self.file}:{line if line is not None else '?'}: {field}: {message}")


@dataclass
class Raw:
    """One parsed question before defaults and validation."""
    d: dict
    line: int
    tags: dict[str, str] = field(default_factory=dict)
    name: str = ""                 # the question's name in the file, for the report
    collection: str | None = None  # from a category in the file
    case: dict | None = None       # {id, title, stimulus} when the file shares a stimulus
    notes: list[str] = field(default_factory=list)   # warnings about what did not carry over
    file: str | None = None        # the member of a package it came from, for the report
    media: dict = field(default_factory=dict)        # sha256 -> richtext.Media its stem_html shows


@dataclass
class Note:
    """One line of an import report: a question left out, or a warning about one kept."""
    file: str
    line: int | None
    name: str
    reason: str
    kind: str = "skipped"          # or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line if self.line is not None else '?'}"
        label = f'"{self.name}"' if self.name else "question"
        return f"{where}: {label}: {self.kind}: {self.reason}"


def skip(file: str, line: int | None, name: str, reason: str) -> Note:
    return Note(file, line, name, reason)


@dataclass
class ImportReport:
    file: str
    imported: int = 0
    skipped: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    untagged: int = 0               # questions whose choices carry no technique tag
    collections: dict[str, str] = field(default_factory=dict)   # item id -> collection
    case_studies: list[dict] = field(default_factory=list)      # YAML-shaped, item ids in order
    media: dict = field(default_factory=dict)   # sha256 -> richtext.Media: images the items show
    item_lines: dict[str, int] = field(default_factory=dict)    # item id -> its line in the file

    def lines(self) -> list[str]:
        out = [str(n) for n in sorted(self.skipped + self.warnings,
                                      key=lambda n: (n.line or 0, n.kind != "skipped"))]
        if self.untagged:
            out.append(f"{self.file}: {self.untagged} question(s) have choices without a technique "
                       "tag (usual for imports): the review by technique leaves those choices out")
        return out

    def summary(self) -> str:
        cases = f" in {len(self.case_studies)} case stud{'y' if len(self.case_studies) == 1 else 'ies'}" \
            if self.case_studies else ""
        images = f" with {len(self.media)} image(s)" if self.media else ""
        return (f"{self.imported} question(s) to import{cases}{images}, {len(self.skipped)} skipped, "
                f"{len(self.warnings)} warning(s)")


@dataclass
class Skipped:
    id: str
    type: str
    reason: str


@dataclass
class ExportResult:
    data: bytes
    media_type: str
    extension: str
    skipped: list[Skipped] = field(default_factory=list)
    skipped_items: int = 0      # items left out, counting those of a case study left out whole

    @property
    def report(self) -> list[str]:
        return [f"{s.id} ({s.type}): skipped: {s.reason}" for s in self.skipped]

    def __bytes__(self) -> bytes:
        return self.data


def guard(entries: list, file: str, line: int | None, name: str, read: Callable[[], Any]) -> None:
    """Run one question's reader; a FormatError skips that question instead of the file."""
    try:
        got = read()
    except FormatError as e:
        entries.append(skip(file, e.line if e.line is not None else line, name,
                            f"{e.field}: {e.message}"))
        return
    if isinstance(got, Raw) and not got.name:
        got.name = name
    entries.append(got)


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "items"


def clean(text: str | None) -> str:
    """Collapse runs of whitespace: imports of indented XML must not keep the indent."""
    return " ".join((text or "").split())


def parse_tags(values) -> dict[str, str]:
    """'topic:validation' -> {'topic': 'validation'}; other tags are ignored."""
    out: dict[str, str] = {}
    for v in values:
        name, sep, value = str(v).strip().partition(":")
        if sep:
            out[name.strip().replace("-", "_")] = value.strip()
    return out


def list_tag(tag_list: list[str], name: str) -> list[str] | None:
    for t in tag_list:
        if t.startswith(name + ":"):
            return [x.strip() for x in t[len(name) + 1:].split(",") if x.strip()]
    return None


def techniques(tag_list: list[str]) -> dict[str, str]:
    out = {}
    for t in tag_list:
        if t.startswith("technique:") and "=" in t:
            oid, _, tech = t[len("technique:"):].partition("=")
            out[oid.strip()] = tech.strip()
    return out


def item_tags(d: dict) -> list[str]:
    tags = [f"{name.replace('_', '-')}:{d[name]}" for name in TAG_FIELDS + ("family",) if d.get(name)]
    if d.get("version") is not None:
        tags.append(f"version:{d['version']}")
    return tags


def category_path(text: str) -> str | None:
    """Moodle's '$course$/top/Mental health/Alliance' -> 'Mental health/Alliance'.

    The context prefix ($course$, $system$, $module$, $cat1$ ...) and Moodle's hidden 'top'
    level are dropped; so is 'Default for <course>', the category Moodle makes itself."""
    parts = [p.strip() for p in re.split(r"(?<!/)/(?!/)", text or "") if p.strip()]
    parts = [p.replace("//", "/") for p in parts]
    if parts and re.fullmatch(r"\$[a-z0-9]+\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    if parts and parts[0].startswith("Default for "):
        parts = parts[1:]
    return "/".join(parts) or None


# --- defaults, validation, the report ----------------------------------------

def finish(entries: list, file: str, source_name: str, topic: str | None,
           collection: str | None = None, strict: bool = False,
           progress: Progress | None = None) -> tuple[list[dict], ImportReport]:
    """Fill defaults, give ids, validate each question on its own; return (items, report).

    collection, when given, puts every item there (it overrides categories in the file).
    strict=True raises FormatError if any question would be skipped (nothing returned).
    """
    from question_bank.bank import BankError, house_rule_problems, item_from_dict

    report = ImportReport(file)
    raws = [e for e in entries if isinstance(e, Raw)]
    report.skipped = [e for e in entries if isinstance(e, Note)]
    total = len(raws)
    prefix = f"imp-{slug(source_name)}"
    seen: dict[str, int] = {}
    out: list[dict] = []
    cases: dict[str, dict] = {}
    position = 0
    for e in entries:
        if isinstance(e, (Raw, Note)):
            position += 1
        if not isinstance(e, Raw):
            continue
        raw, d, tags = e, e.d, e.tags
        where = raw.file or file
        d.setdefault("id", tags.get("id") or f"{prefix}-{position:03d}")
        name = raw.name or d["id"]
        v = tags.get("version", "1") if not isinstance(d.get("version"), int) else str(d["version"])
        if not v.isdigit() or int(v) < 1:
            report.skipped.append(skip(where, raw.line, name, f"version: not a whole number: {v!r}"))
            continue
        d["version"] = int(v)
        d["topic"] = d.get("topic") or tags.get("topic") or topic
        if not d["topic"]:
            raise FormatError(where, raw.line, "topic",
                              f"{name!r} has no topic tag; pass a topic for the import "
                              "(rapport bank import ... --topic TOPIC)")
        for fname, default in DEFAULTS.items():
            d[fname] = d.get(fname) or tags.get(fname) or default
        if tags.get("family") and "family" not in d:     # enemy group: one per attempt
            d["family"] = tags["family"]
        if tags.get("notes") and "notes" not in d:       # the writers' note (QTI carries it)
            d["notes"] = tags["notes"]
        if d["id"] in seen:
            report.skipped.append(skip(where, raw.line, name,
                                       f"id {d['id']!r} repeats the question at line {seen[d['id']]}"))
            continue
        try:
            item_from_dict(dict(d), where, raw.line, collection=collection or DEFAULT_COLLECTION,
                           imported=True)
        except BankError as err:
            msgs = [p.message for p in err.problems] or [str(err)]
            more = f" (and {len(msgs) - 1} more: {'; '.join(msgs[1:4])})" if len(msgs) > 1 else ""
            report.skipped.append(skip(where, raw.line, name, f"{msgs[0]}{more}"))
            continue
        seen[d["id"]] = raw.line
        for note in raw.notes:
            report.warnings.append(Note(where, raw.line, name, f"{d['id']}: {note}", "warning"))
        house = house_rule_problems(d)
        if any(p.endswith("technique is missing") for p in house):
            report.untagged += 1
            house = [p for p in house if not p.endswith("technique is missing")]
        if house:
            report.warnings.append(Note(where, raw.line, name, _summarise_house(d["id"], house), "warning"))
        report.collections[d["id"]] = collection or raw.collection or DEFAULT_COLLECTION
        report.item_lines[d["id"]] = raw.line
        if raw.case:
            cs = cases.setdefault(raw.case["id"], {
                "id": raw.case["id"], "version": raw.case.get("version", 1),
                "title": raw.case.get("title") or raw.case["id"],
                "topic": raw.case.get("topic") or d["topic"], "stimulus": raw.case["stimulus"],
                "items": []})
            cs["items"].append(d["id"])
        report.media.update({sha: m for sha, m in raw.media.items() if sha in d.get("media", ())})
        out.append(_ordered(d))
        if progress:
            progress(len(out), total)
    report.case_studies = list(cases.values())
    report.imported = len(out)
    if strict and report.skipped:
        first = min(report.skipped, key=lambda n: n.line or 0)
        more = f" (and {len(report.skipped) - 1} more)" if len(report.skipped) > 1 else ""
        raise FormatError(file, first.line, "strict",
                          f'"{first.name}": {first.reason}{more}; without --strict the rest would import')
    return out, report


def _summarise_house(item_id: str, problems: list[str]) -> str:
    """Warnings against our item-writing rules, folded per kind: untagged options are many."""
    untagged = [p for p in problems if p.endswith("technique is missing")]
    bare = [p for p in problems if p.endswith("rationale is missing")]
    other = [p for p in problems if p not in untagged and p not in bare]
    parts = []
    if bare:
        parts.append(f"{len(bare)} choice(s) without a rationale")
    parts += other
    return f"{item_id}: imported, though outside Rapport's item-writing guide: " + "; ".join(parts)


_ORDER = ("id", "version", "type", "topic", "client_need", "cjmm_skill", "bloom", "difficulty",
          "family", "stem", "stem_html", "media", "text", "passage", "options", "n", "scoring", "blanks", "columns", "rows",
          "conditions", "actions", "parameters", "key", "pin_options", "unfold")


def _ordered(d: dict) -> dict:
    return {k: d[k] for k in sorted(d, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)}


def require(cond: Any, file: str, line: int | None, field_name: str, message: str) -> None:
    if not cond:
        raise FormatError(file, line, field_name, message)


def letter_ids(n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i] if i < 26 else f"o{i + 1}" for i in range(n)]


def lint_imported(definitions: list[dict], source: str) -> list:
    """Lint an imported collection: what the engine cannot serve is an error; our writing
    rules (option counts, untagged options, rationales, sentence counts) are warnings.
    Returns question_bank.bank.Problem records."""
    from question_bank import lint as bank_lint
    from question_bank.bank import BankError, Problem, house_rule_problems, item_from_dict

    out = []
    for d in definitions:
        d = {k: v for k, v in d.items() if k != "case"}      # storage adds the case context
        try:
            item = item_from_dict(d, source, 0, imported=True)
        except BankError as e:
            out += e.problems
            continue
        out += [Problem(source, 0, item.id, p, "warning") for p in house_rule_problems(d)]
        out += [Problem(p.file, p.line, p.item_id, p.message, "warning") for p in bank_lint._item_checks(item)]
    return out
