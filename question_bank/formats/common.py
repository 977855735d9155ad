"""Shared pieces of the interchange formats: errors, defaults, XML with line numbers.

Defaults given to imported items that lack our tags (document changes in formats/__init__):
  id          imp-<slug of the source file name>-<nnn> (position in the file, from 001)
  version     1
  topic       the file's own topic tag, else the `topic` argument, else a FormatError
  client_need psychosocial-integrity
  cjmm_skill  analyze-cues
  bloom       application
  difficulty  medium
  technique   therapeutic-action for a keyed option (and a matrix row), ineffective-action
              otherwise
  rationale   the option's feedback in the file, else a stock sentence saying whether
              the option is keyed (the bank lint flags these for an author to rewrite)
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable

import defusedxml
import defusedxml.ElementTree as DET

Progress = Callable[[int, int], None]

DEFAULTS = {
    "client_need": "psychosocial-integrity",
    "cjmm_skill": "analyze-cues",
    "bloom": "application",
    "difficulty": "medium",
}
KEY_TECHNIQUE = "therapeutic-action"
DISTRACTOR_TECHNIQUE = "ineffective-action"
KEY_RATIONALE = "Imported without a rationale. This option is part of the key."
ROW_RATIONALE = "Imported without a rationale."
DISTRACTOR_RATIONALE = "Imported without a rationale. This option is not part of the key."
# Item-level fields carried as "name:value" tags (Moodle XML, GIFT).
TAG_FIELDS = ("topic", "client_need", "cjmm_skill", "bloom", "difficulty")
MAX_IMPORT_BYTES = 20 * 1024 * 1024


class FormatError(ValueError):
    """A file that cannot be imported; str() is 'file:line: field: message'."""

    def __init__(self, file: str, line: int | None, field: str, message: str):
        self.file, self.line, self.field, self.message = str(file), line, field, message
        super().__init__(f"{self.file}:{line if line is not None else '?'}: {field}: {message}")


@dataclass
class Raw:
    """One parsed item before defaults and validation."""
    d: dict
    line: int
    tags: dict[str, str] = field(default_factory=dict)


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

    @property
    def report(self) -> list[str]:
        return [f"{s.id} ({s.type}): skipped: {s.reason}" for s in self.skipped]

    def __bytes__(self) -> bytes:
        return self.data


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "items"


def clean(text: str | None) -> str:
    """Collapse runs of whitespace: imports of indented XML must not keep the indent."""
    return " ".join((text or "").split())


_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_RE = re.compile(r"</?(p|div|br|li|ul|ol|h\d|tr|table)\b[^>]*>", re.I)


def html_to_text(markup: str | None) -> str:
    """Moodle question text is HTML; keep its words, drop its tags."""
    s = _BLOCK_RE.sub(" ", markup or "")
    return clean(html.unescape(_TAG_RE.sub("", s)))


def text_to_html(text: str) -> str:
    return html.escape(text, quote=False)


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
    tags = [f"{name.replace('_', '-')}:{d[name]}" for name in TAG_FIELDS if d.get(name)]
    if d.get("version") is not None:
        tags.append(f"version:{d['version']}")
    if d.get("family"):  # enemy group: never two of one family in an attempt
        tags.append(f"family:{d['family']}")
    return tags


# --- XML with line numbers -------------------------------------------------

class LineElement(ET.Element):
    line = 0


class _LineBuilder(ET.TreeBuilder):
    parser: Any = None

    def start(self, tag, attrs):
        el = super().start(tag, attrs)
        el.line = self.parser.parser.CurrentLineNumber
        return el


def parse_xml(data: bytes, file: str) -> ET.Element:
    """Parse with defusedxml (no DTD entities, no external refs), keeping line numbers."""
    if len(data) > MAX_IMPORT_BYTES:
        raise FormatError(file, None, "file", f"larger than {MAX_IMPORT_BYTES} bytes")
    builder = _LineBuilder(element_factory=LineElement)
    parser = DET.DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close()
    except defusedxml.DTDForbidden as e:
        raise FormatError(file, e.lineno if hasattr(e, "lineno") else _line(parser), "xml",
                          "DTDs are not accepted (entity expansion and external entities are unsafe)")
    except defusedxml.DefusedXmlException as e:
        raise FormatError(file, _line(parser), "xml", f"unsafe XML rejected: {e}")
    except ET.ParseError as e:
        raise FormatError(file, e.position[0], "xml", f"not well-formed XML: {e}")
    except LookupError as e:  # <?xml encoding="..."?> names a codec Python does not have
        raise FormatError(file, 1, "xml", f"unsupported encoding: {e}")


def _line(parser) -> int | None:
    try:
        return parser.parser.CurrentLineNumber
    except AttributeError:
        return None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def line_of(el) -> int:
    return getattr(el, "line", 0)


def all_text(el) -> str:
    return clean("".join(el.itertext())) if el is not None else ""


# --- defaults and validation ---------------------------------------------

def _selectables(d: dict):
    """(choice dict, is key) for every choosable thing of a dict, for technique defaults."""
    t = d.get("type")
    key = d.get("key")
    if t in ("multiple_choice", "select_all", "select_n", "ordered_response"):
        keys = set(key if isinstance(key, list) else [key])
        if t == "ordered_response":
            keys = {o["id"] for o in d.get("options", [])}
        for o in d.get("options", []):
            yield o, o.get("id") in keys
    elif t in ("dropdown_cloze", "dropdown_rationale"):
        for b in d.get("blanks", []):
            for o in b.get("options", []):
                yield o, o.get("id") == b.get("key")
    elif t == "matrix_multiple_choice":
        for r in d.get("rows", []):
            yield r, None        # a row is neither key nor distractor


def finish(raws: list[Raw], file: str, source_name: str, topic: str | None,
           collection: str, progress: Progress | None = None) -> list[dict]:
    """Fill defaults, give ids, validate every dict; raise before returning anything."""
    total = len(raws)
    out: list[dict] = []
    prefix = f"imp-{slug(source_name)}"
    seen: dict[str, int] = {}
    for n, raw in enumerate(raws, 1):
        d = raw.d
        tags = raw.tags
        d.setdefault("id", tags.get("id") or f"{prefix}-{n:03d}")
        if not isinstance(d.get("version"), int):
            v = tags.get("version", "1")
            if not v.isdigit():
                raise FormatError(file, raw.line, "version", f"not a whole number: {v!r}")
            d["version"] = int(v)
        d["topic"] = d.get("topic") or tags.get("topic") or topic
        if tags.get("family") and not d.get("family"):
            d["family"] = tags["family"]
        if not d["topic"]:
            raise FormatError(file, raw.line, "topic",
                              "the file gives no topic tag; pass topic= to the import")
        for name, default in DEFAULTS.items():
            d[name] = d.get(name) or tags.get(name) or default
        for choice, is_key in _selectables(d):
            choice.setdefault("technique", KEY_TECHNIQUE if is_key else DISTRACTOR_TECHNIQUE)
            if not choice.get("rationale"):
                choice["rationale"] = (ROW_RATIONALE if is_key is None else
                                       KEY_RATIONALE if is_key else DISTRACTOR_RATIONALE)
        if d["id"] in seen:
            raise FormatError(file, raw.line, "id",
                              f"{d['id']!r} repeats the item at line {seen[d['id']]}")
        seen[d["id"]] = raw.line
        validate(d, file, raw.line, collection)
        out.append(_ordered(d))
        if progress:
            progress(n, total)
    return out


_ORDER = ("id", "version", "type", "topic", "client_need", "cjmm_skill", "bloom", "difficulty",
          "stem", "text", "options", "n", "scoring", "blanks", "columns", "rows", "key",
          "pin_options")


def _ordered(d: dict) -> dict:
    return {k: d[k] for k in sorted(d, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)}


def validate(d: dict, file: str, line: int, collection: str) -> None:
    """Validate with the engine (question_bank.bank.item_from_dict)."""
    from question_bank.bank import BankError, item_from_dict
    try:
        item_from_dict(dict(d), file, line, collection=collection)
    except BankError as e:
        msgs = [p.message for p in e.problems] or [str(e)]
        name, sep, rest = msgs[0].partition(": ")
        if not sep or " " in name:
            name, rest = "item", msgs[0]
        more = f" (and {len(msgs) - 1} more: {'; '.join(msgs[1:4])})" if len(msgs) > 1 else ""
        raise FormatError(file, line, name, f"{d.get('id')}: {rest}{more}") from e


def require(cond: Any, file: str, line: int, field_name: str, message: str) -> None:
    if not cond:
        raise FormatError(file, line, field_name, message)


def letter_ids(n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[i] if i < 26 else f"o{i + 1}" for i in range(n)]
