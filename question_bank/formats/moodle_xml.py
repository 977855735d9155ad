"""Moodle XML: multichoice, ordering (qtype_ordering) and gapselect, both ways.

Mapping:
  multichoice single=true   <-> multiple_choice   (key: the answer at fraction 100)
  multichoice single=false  <-> select_all        (keys +100/k, distractors -100/k: NCSBN +/-)
                             <-> select_n          (same, with the tag type:select_n)
  ordering                  <-> ordered_response  (answers in key order; ALL_OR_NOTHING or
                                                    ABSOLUTE_POSITION grading)
  gapselect                 <-> dropdown_cloze, dropdown_rationale (tag type:dropdown_rationale)

Our extra fields travel as question tags ("topic:validation", "bloom:analysis",
"version:2", "technique:a=validation", "option-ids:a,b,c", "display-order:c,a,b",
"type:select_n"), the id as <idnumber>, per-option rationales as answer <feedback>. Gapselect
choices have no feedback in Moodle, so their ids, techniques and rationales go in the general
feedback as a <dl class="rapport-rationales"> that a student also sees after the attempt.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from .common import (ExportResult, FormatError, Raw, Skipped, all_text, html_to_text,
                     item_tags, letter_ids, line_of, list_tag, parse_tags,
                     techniques, parse_xml, require, text_to_html)

EXPORTABLE = {"multiple_choice", "select_all", "select_n", "ordered_response",
              "dropdown_cloze", "dropdown_rationale"}
_GRADING = {"ALL_OR_NOTHING": "all_or_nothing", "ABSOLUTE_POSITION": "by_position"}
_GAP = re.compile(r"\[\[(\d+)\]\]")
_MARK = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}")
_DT = re.compile(r'<dt data-blank="([^"]*)" data-option="([^"]*)" data-technique="([^"]*)">'
                 r'.*?</dt>\s*<dd>(.*?)</dd>', re.S)


# --- import -----------------------------------------------------------------

def read(data: bytes, file: str) -> list[Raw]:
    root = parse_xml(data, file)
    require(root.tag == "quiz", file, line_of(root), "quiz", f"root element is <{root.tag}>, not <quiz>")
    raws: list[Raw] = []
    for q in root.findall("question"):
        qtype = q.get("type")
        if qtype in ("category", "description"):
            continue
        reader = _READERS.get(qtype or "")
        require(reader, file, line_of(q), "question/@type",
                f"unsupported question type {qtype!r} (multichoice, ordering, gapselect)")
        raws.append(reader(q, file))
    return raws


def _text(el, path: str) -> str:
    node = el.find(path)
    if node is None:
        return ""
    fmt = el.find(path.rsplit("/", 1)[0]) if "/" in path else None
    raw = "".join(node.itertext())
    if fmt is not None and fmt.get("format") in ("plain_text", "markdown"):
        return " ".join(raw.split())
    return html_to_text(raw)


def _common(q, file: str) -> tuple[dict, dict, list[str]]:
    tag_list = [all_text(t) for t in q.findall("tags/tag/text")]
    tags = parse_tags(tag_list)
    idnumber = all_text(q.find("idnumber"))
    if idnumber:
        tags["id"] = idnumber
    stem = _text(q, "questiontext/text")
    require(stem, file, line_of(q), "questiontext", "question text is empty")
    return {"stem": stem}, tags, tag_list


def _options(q, file: str, tag_list: list[str]) -> tuple[list[dict], list[float]]:
    answers = q.findall("answer")
    require(answers, file, line_of(q), "answer", "the question has no answers")
    ids = list_tag(tag_list, "option-ids") or letter_ids(len(answers))
    require(len(ids) == len(answers), file, line_of(q), "tags",
            f"option-ids names {len(ids)} options but there are {len(answers)} answers")
    techs = techniques(tag_list)
    options, fractions = [], []
    for oid, a in zip(ids, answers):
        text = _text(a, "text")
        require(text, file, line_of(a), "answer/text", "answer text is empty")
        try:
            fractions.append(float(a.get("fraction", "0")))
        except ValueError:
            raise FormatError(file, line_of(a), "answer/@fraction", f"not a number: {a.get('fraction')!r}")
        o = {"id": oid, "text": text}
        if oid in techs:
            o["technique"] = techs[oid]
        rationale = _text(a, "feedback/text")
        if rationale:
            o["rationale"] = rationale
        options.append(o)
    return options, fractions


def _shuffle(q, d: dict) -> None:
    if all_text(q.find("shuffleanswers")).lower() in ("0", "false"):
        d["pin_options"] = True


def _read_multichoice(q, file: str) -> Raw:
    d, tags, tag_list = _common(q, file)
    options, fractions = _options(q, file, tag_list)
    single = all_text(q.find("single")).lower() not in ("false", "0")
    d["options"] = options
    if single:
        keys = [o["id"] for o, f in zip(options, fractions) if abs(f - 100) < 1e-6]
        require(len(keys) == 1, file, line_of(q), "answer/@fraction",
                f"a single-answer question needs exactly one answer at 100%, found {len(keys)}")
        d["type"], d["key"] = "multiple_choice", keys[0]
    else:
        keys = [o["id"] for o, f in zip(options, fractions) if f > 0]
        require(keys, file, line_of(q), "answer/@fraction", "no answer has a positive fraction")
        d["type"], d["key"] = "select_all", keys
        if tags.get("type") == "select_n":
            d["type"], d["n"] = "select_n", len(keys)
    _shuffle(q, d)
    return Raw(d, line_of(q), tags)


def _read_ordering(q, file: str) -> Raw:
    d, tags, tag_list = _common(q, file)
    options, _ = _options(q, file, tag_list)
    grading = all_text(q.find("gradingtype")) or "ABSOLUTE_POSITION"
    gnode = q.find("gradingtype")
    require(grading in _GRADING, file, line_of(q if gnode is None else gnode), "gradingtype",
            f"unsupported grading {grading!r} (ALL_OR_NOTHING or ABSOLUTE_POSITION)")
    key = [o["id"] for o in options]
    order = list_tag(tag_list, "display-order")
    if order:
        require(sorted(order) == sorted(key), file, line_of(q), "tags",
                "display-order does not list the same options as the answers")
        by_id = {o["id"]: o for o in options}
        options = [by_id[i] for i in order]
    d.update(type="ordered_response", options=options, scoring=_GRADING[grading], key=key)
    if "pinned" in tag_list:      # qtype_ordering always shuffles; the flag is ours
        d["pin_options"] = True
    return Raw(d, line_of(q), tags)


def _read_gapselect(q, file: str) -> Raw:
    _, tags, tag_list = _common(q, file)
    markup = "".join(q.find("questiontext/text").itertext())
    parts = [html_to_text(p) for p in re.split(r"</?p\b[^>]*>|<br\s*/?>", markup)]
    parts = [p for p in parts if p]
    stem = " ".join(p for p in parts if not _GAP.search(p))
    text = " ".join(p for p in parts if _GAP.search(p))
    require(text, file, line_of(q), "questiontext", "no [[n]] gaps in the question text")
    choices = []
    for so in q.findall("selectoption"):
        group = all_text(so.find("group")) or "1"
        choices.append((_text(so, "text"), group, line_of(so)))
    entries: dict[str, list[tuple[str, str, str]]] = {}
    feedback = "".join(q.find("generalfeedback/text").itertext()) if q.find("generalfeedback/text") is not None else ""
    for m in _DT.finditer(feedback):
        entries.setdefault(html.unescape(m.group(1)), []).append(
            (html.unescape(m.group(2)), html.unescape(m.group(3)), html_to_text(m.group(4))))
    blank_ids = list(entries) or []
    blanks = []
    for i, m in enumerate(_GAP.finditer(text)):
        n = int(m.group(1))
        require(1 <= n <= len(choices), file, line_of(q), "questiontext",
                f"gap [[{n}]] names no choice (there are {len(choices)})")
        group = choices[n - 1][1]
        in_group = [(j, c) for j, c in enumerate(choices, 1) if c[1] == group]
        bid = blank_ids[i] if i < len(blank_ids) else f"b{i + 1}"
        meta = entries.get(bid, [])
        ids = [e[0] for e in meta] if len(meta) == len(in_group) else letter_ids(len(in_group))
        opts = []
        for k, (j, (ctext, _, cline)) in enumerate(in_group):
            require(ctext, file, cline, "selectoption/text", "choice text is empty")
            o = {"id": ids[k], "text": ctext}
            if len(meta) == len(in_group):
                o["technique"], o["rationale"] = meta[k][1], meta[k][2]
            opts.append(o)
            if j == n:
                key = ids[k]
        blanks.append({"id": bid, "options": opts, "key": key})
    bids = iter(b["id"] for b in blanks)
    d = {"type": "dropdown_rationale" if tags.get("type") == "dropdown_rationale" else "dropdown_cloze",
         "stem": stem or "Complete the sentence by choosing from the lists.",
         "text": _GAP.sub(lambda _m: "{{" + next(bids) + "}}", text), "blanks": blanks}
    _shuffle(q, d)
    return Raw(d, line_of(q), tags)


_READERS = {"multichoice": _read_multichoice, "ordering": _read_ordering,
            "gapselect": _read_gapselect}


# --- export -----------------------------------------------------------------

def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _html(parent, tag: str, text: str, fmt: str = "html") -> ET.Element:
    el = _sub(parent, tag, format=fmt)
    _sub(el, "text", text)
    return el


def _fraction(x: float) -> str:
    return f"{x:.7f}".rstrip("0").rstrip(".")


def _head(quiz, d: dict, qtype: str, question_html: str) -> ET.Element:
    q = _sub(quiz, "question", type=qtype)
    _sub(_sub(q, "name"), "text", d["id"])
    _html(q, "questiontext", question_html)
    return q


def _tail(q, d: dict, extra_tags: list[str]) -> None:
    _sub(q, "defaultgrade", "1")
    _sub(q, "penalty", "0")
    _sub(q, "hidden", "0")
    _sub(q, "idnumber", d["id"])
    tags = _sub(q, "tags")
    for t in item_tags(d) + extra_tags:
        _sub(_sub(tags, "tag"), "text", t)


def _option_tags(options: list[dict]) -> list[str]:
    ids = [o["id"] for o in options]
    tags = [] if ids == letter_ids(len(ids)) else ["option-ids:" + ",".join(ids)]
    return tags + [f"technique:{o['id']}={o['technique']}" for o in options if o.get("technique")]


def _answer(q, o: dict, fraction: float) -> None:
    a = _sub(q, "answer", fraction=_fraction(fraction), format="html")
    _sub(a, "text", text_to_html(o["text"]))
    _html(a, "feedback", text_to_html(o.get("rationale", "")))


def _write_choice(quiz, d: dict) -> None:
    q = _head(quiz, d, "multichoice", text_to_html(d["stem"]))
    _html(q, "generalfeedback", "")
    keys = d["key"] if isinstance(d["key"], list) else [d["key"]]
    single = d["type"] == "multiple_choice"
    _sub(q, "single", "true" if single else "false")
    _sub(q, "shuffleanswers", "false" if d.get("pin_options") else "true")
    _sub(q, "answernumbering", "abc")
    for o in d["options"]:
        hit = o["id"] in keys
        _answer(q, o, 100.0 if single and hit else 0.0 if single else (100 if hit else -100) / len(keys))
    _tail(q, d, _option_tags(d["options"]) + (["type:select_n"] if d["type"] == "select_n" else []))


def _write_ordering(quiz, d: dict) -> None:
    q = _head(quiz, d, "ordering", text_to_html(d["stem"]))
    _html(q, "generalfeedback", "")
    _sub(q, "layouttype", "VERTICAL")
    _sub(q, "selecttype", "ALL")
    _sub(q, "selectcount", "0")
    grading = {v: k for k, v in _GRADING.items()}[d.get("scoring", "all_or_nothing")]
    _sub(q, "gradingtype", grading)
    _sub(q, "showgrading", "SHOW")
    _sub(q, "numberingstyle", "none")
    by_id = {o["id"]: o for o in d["options"]}
    ordered = [by_id[k] for k in d["key"]]
    for o in ordered:
        _answer(q, o, 1.0)
    extra = _option_tags(ordered)
    if [o["id"] for o in d["options"]] != d["key"]:
        extra.append("display-order:" + ",".join(o["id"] for o in d["options"]))
    if d.get("pin_options"):
        extra.append("pinned")
    _tail(q, d, extra)


def _write_gapselect(quiz, d: dict) -> None:
    blanks = {b["id"]: b for b in d["blanks"]}
    order = [m.group(1) for m in _MARK.finditer(d["text"])]
    number, selectoptions, dl = {}, [], []
    for g, bid in enumerate(order, 1):
        b = blanks[bid]
        for o in b["options"]:
            selectoptions.append((o["text"], g))
            if o["id"] == b["key"]:
                number[bid] = len(selectoptions)
            dl.append(f'<dt data-blank="{html.escape(bid)}" data-option="{html.escape(o["id"])}" '
                      f'data-technique="{html.escape(o.get("technique", ""))}">{text_to_html(o["text"])}</dt>'
                      f'<dd>{text_to_html(o.get("rationale", ""))}</dd>')
    sentence = _MARK.sub(lambda m: f"[[{number[m.group(1)]}]]", text_to_html(d["text"]))
    q = _head(quiz, d, "gapselect", f"<p>{text_to_html(d['stem'])}</p><p>{sentence}</p>")
    _html(q, "generalfeedback", '<dl class="rapport-rationales">' + "".join(dl) + "</dl>")
    _sub(q, "shuffleanswers", "0" if d.get("pin_options") else "1")
    for text, g in selectoptions:
        so = _sub(q, "selectoption")
        _sub(so, "text", text_to_html(text))
        _sub(so, "group", str(g))
    _tail(q, d, ["type:dropdown_rationale"] if d["type"] == "dropdown_rationale" else [])


_WRITERS = {"multiple_choice": _write_choice, "select_all": _write_choice,
            "select_n": _write_choice, "ordered_response": _write_ordering,
            "dropdown_cloze": _write_gapselect, "dropdown_rationale": _write_gapselect}


def write(items: list[dict], category: str = "rapport") -> ExportResult:
    quiz = ET.Element("quiz")
    cat = _sub(quiz, "question", type="category")
    _sub(_sub(cat, "category"), "text", f"$course$/top/{category}")
    skipped = []
    for d in items:
        writer = _WRITERS.get(d.get("type"))
        if writer is None:
            skipped.append(Skipped(d.get("id", "?"), d.get("type", "?"),
                                   "Moodle XML has no core question type for it"))
            continue
        writer(quiz, d)
    ET.indent(quiz)
    data = ET.tostring(quiz, encoding="UTF-8", xml_declaration=True)
    return ExportResult(data, "application/xml", "xml", skipped)
