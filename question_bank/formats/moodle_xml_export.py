"""Moodle XML export: every type Moodle can hold, our extra fields as question tags and
answer feedback (the format is described in moodle_xml.py, which reads it back)."""
from __future__ import annotations

import base64
import html
import xml.etree.ElementTree as ET

from . import richtext
from .common import ExportResult, Skipped, item_tags, letter_ids
from .richtext import text_to_html
from .moodle_xml import GRADING, MARK


def _sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _html(parent, tag: str, text: str, fmt: str = "html") -> ET.Element:
    el = _sub(parent, tag, format=fmt)
    _sub(el, "text", text)
    return el


def _fraction_text(x: float) -> str:
    return f"{x:.7f}".rstrip("0").rstrip(".")


_MEDIA = "\0media"   # key under which write() hands each writer the export's images


def _head(quiz, d: dict, qtype: str, question_html: str, dl: str = "") -> ET.Element:
    q = _sub(quiz, "question", type=qtype)
    _sub(_sub(q, "name"), "text", d["id"])
    rich, used = richtext.for_export(d, d.get(_MEDIA), lambda m: "@@PLUGINFILE@@/" + richtext.file_name(m))
    if rich is not None and qtype == "gapselect":
        question_html = rich + question_html.split("</p>", 1)[1]
    elif rich is not None:
        question_html = rich
    holder = _html(q, "questiontext", question_html)
    for m in used if rich is not None else []:
        _sub(holder, "file", base64.b64encode(m.data).decode(), name=richtext.file_name(m), path="/",
             encoding="base64")
    general = d.get("general_feedback")
    markup = (f'<div class="rapport-general">{text_to_html(general)}</div>' if general else "") + dl
    _html(q, "generalfeedback", markup)
    return q


def _tail(q, d: dict, extra_tags: list[str]) -> None:
    _sub(q, "defaultgrade", "1")
    _sub(q, "penalty", "0")
    _sub(q, "hidden", "0")
    _sub(q, "idnumber", d["id"])
    tags = _sub(q, "tags")
    for t in item_tags(d) + extra_tags:
        _sub(_sub(tags, "tag"), "text", t)


def _option_tags(options: list[dict], default_ids: list[str] | None = None) -> list[str]:
    ids = [o["id"] for o in options]
    tags = [] if ids == (default_ids or letter_ids(len(ids))) else ["option-ids:" + ",".join(ids)]
    return tags + [f"technique:{o['id']}={o['technique']}" for o in options if o.get("technique")]


def _answer(q, o: dict, fraction: float, text: str | None = None) -> None:
    a = _sub(q, "answer", fraction=_fraction_text(fraction), format="html")
    _sub(a, "text", text if text is not None else text_to_html(o["text"]))
    _html(a, "feedback", text_to_html(o.get("rationale", "")))


def _dl(rows: list[tuple[str, dict]]) -> str:
    return '<dl class="rapport-rationales">' + "".join(
        f'<dt data-blank="{html.escape(group)}" data-option="{html.escape(o["id"])}" '
        f'data-technique="{html.escape(o.get("technique", ""))}">{text_to_html(o["text"])}</dt>'
        f'<dd>{text_to_html(o.get("rationale", ""))}</dd>' for group, o in rows) + "</dl>"


def _is_truefalse(d: dict) -> bool:
    return (d["type"] == "multiple_choice" and len(d["options"]) == 2
            and sorted(o["text"] for o in d["options"]) == ["False", "True"] and bool(d.get("pin_options")))


def _write_choice(quiz, d: dict) -> None:
    if _is_truefalse(d):
        q = _head(quiz, d, "truefalse", text_to_html(d["stem"]))
        for o in d["options"]:
            _answer(q, o, 100.0 if o["id"] == d["key"] else 0.0, o["text"].lower())
        _tail(q, d, _option_tags(d["options"], [o["text"].lower() for o in d["options"]]))
        return
    q = _head(quiz, d, "multichoice", text_to_html(d["stem"]))
    keys = d["key"] if isinstance(d["key"], list) else [d["key"]]
    single = d["type"] == "multiple_choice"
    _sub(q, "single", "true" if single else "false")
    _sub(q, "shuffleanswers", "false" if d.get("pin_options") else "true")
    _sub(q, "answernumbering", "abc")
    for o in d["options"]:
        hit = o["id"] in keys
        _answer(q, o, 100.0 if single and hit else 0.0 if single else (100 if hit else -100) / len(keys))
    _tail(q, d, _option_tags(d["options"]) + (["type:select_n"] if d["type"] == "select_n" else []))


def _write_matching(quiz, d: dict) -> None:
    q = _head(quiz, d, "matching", text_to_html(d["stem"]),
              _dl([("rows", r) for r in d["rows"]]))
    _sub(q, "shuffleanswers", "false" if d.get("pin_options") else "true")
    cols = {c["id"]: c["text"] for c in d["columns"]}
    used = []
    for r in d["rows"]:
        s = _sub(q, "subquestion", format="html")
        _sub(s, "text", text_to_html(r["text"]))
        _sub(_sub(s, "answer"), "text", cols[r["key"]])
        used.append(r["key"])
    # Columns no row keys: empty sub-questions, Moodle's way of adding a wrong answer.
    ordered_cols = list(dict.fromkeys(used))
    for c in d["columns"]:
        if c["id"] not in used:
            s = _sub(q, "subquestion", format="html")
            _sub(s, "text", "")
            _sub(_sub(s, "answer"), "text", c["text"])
            ordered_cols.append(c["id"])
    # Moodle's matching form wants 3 answers at least (question/type/match/edit_match_form.php):
    # a 2x2 matrix gets an empty sub-question repeating a column, which adds no new answer.
    entries = len(d["rows"]) + len(ordered_cols) - len(dict.fromkeys(used))
    for _ in range(max(0, 3 - entries)):
        s = _sub(q, "subquestion", format="html")
        _sub(s, "text", "")
        _sub(_sub(s, "answer"), "text", cols[ordered_cols[-1]])
    # Import numbers columns in first-use order: say so when ours differ.
    extra = []
    col_ids = [c["id"] for c in d["columns"]]
    if ordered_cols != col_ids or col_ids != [f"c{i + 1}" for i in range(len(col_ids))]:
        extra.append("column-ids:" + ",".join(ordered_cols))
        if ordered_cols != col_ids:
            extra.append("column-order:" + ",".join(col_ids))
    row_ids = [r["id"] for r in d["rows"]]
    if row_ids != [f"r{i + 1}" for i in range(len(row_ids))]:
        extra.append("row-ids:" + ",".join(row_ids))
    _tail(q, d, extra)


def _write_ordering(quiz, d: dict) -> None:
    q = _head(quiz, d, "ordering", text_to_html(d["stem"]))
    _sub(q, "layouttype", "VERTICAL")
    _sub(q, "selecttype", "ALL")
    _sub(q, "selectcount", "0")
    grading = {v: k for k, v in GRADING.items()}[d.get("scoring", "all_or_nothing")]
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
    order = [m.group(1) for m in MARK.finditer(d["text"])]
    number, selectoptions, rows = {}, [], []
    for g, bid in enumerate(order, 1):
        b = blanks[bid]
        for o in b["options"]:
            selectoptions.append((o["text"], g))
            if o["id"] == b["key"]:
                number[bid] = len(selectoptions)
            rows.append((bid, o))
    sentence = MARK.sub(lambda m: f"[[{number[m.group(1)]}]]", text_to_html(d["text"]))
    q = _head(quiz, d, "gapselect", f"<p>{text_to_html(d['stem'])}</p><p>{sentence}</p>", _dl(rows))
    _sub(q, "shuffleanswers", "0" if d.get("pin_options") else "1")
    for text, g in selectoptions:
        so = _sub(q, "selectoption")
        _sub(so, "text", text_to_html(text))
        _sub(so, "group", str(g))
    _tail(q, d, ["type:dropdown_rationale"] if d["type"] == "dropdown_rationale" else [])


_WRITERS = {"multiple_choice": _write_choice, "select_all": _write_choice,
            "select_n": _write_choice, "ordered_response": _write_ordering,
            "dropdown_cloze": _write_gapselect, "dropdown_rationale": _write_gapselect,
            "matrix_multiple_choice": _write_matching}
EXPORTABLE = set(_WRITERS)
_WHY_NOT = {
    "bowtie": "Moodle has no bow-tie (three linked lists scored per slot); export to QTI",
    "highlight": "Moodle core has no highlight-text question; export to QTI",
    "matrix_multiple_response": "Moodle matching allows one answer per row, not several; export to QTI",
}


def write(items: list[dict], case_studies: list[dict] | None = None, media: dict | None = None,
          category: str = "rapport") -> ExportResult:
    """media: sha256 -> richtext.Media for the images the items show (each goes into the
    question text as a base64 <file>, as Moodle writes them)."""
    quiz = ET.Element("quiz")
    cat = _sub(quiz, "question", type="category")
    _sub(_sub(cat, "category"), "text", f"$course$/top/{category}")
    skipped = []
    in_case = {i: cs["id"] for cs in case_studies or [] for i in cs.get("items", [])}
    for cs in case_studies or []:
        skipped.append(Skipped(cs["id"], "case study",
                               "Moodle XML has no shared, unfolding stimulus; its items are "
                               "left out too (export to QTI keeps them together)"))
    for d in items:
        if d.get("id") in in_case:
            continue
        writer = _WRITERS.get(d.get("type"))
        if writer is None:
            skipped.append(Skipped(d.get("id", "?"), d.get("type", "?"),
                                   _WHY_NOT.get(d.get("type"), "Moodle XML has no question type for it")))
            continue
        writer(quiz, {**d, _MEDIA: media or {}})
    ET.indent(quiz)
    data = ET.tostring(quiz, encoding="UTF-8", xml_declaration=True)
    return ExportResult(data, "application/xml", "xml", skipped)
