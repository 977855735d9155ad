"""Moodle XML import; export (described below) is in moodle_xml_export.py.

Import (a real Moodle question export):
  category                  -> the collection of the questions after it
                               ($course$/top/Mental health/Alliance -> "Mental health/Alliance")
  multichoice single=true   -> multiple_choice   (key: the answer at 100%; partial credit of
                                                  other answers is dropped, with a warning)
  multichoice single=false  -> select_all        (keys: answers with a positive fraction)
                               select_n          (same, with our tag type:select_n)
  truefalse                 -> multiple_choice   (two options, True and False, as in Moodle)
  matching                  -> matrix_multiple_choice (sub-questions are rows, the distinct
                                                  answers are columns)
  ordering (qtype_ordering) -> ordered_response  (answers in key order; ALL_OR_NOTHING or
                                                  ABSOLUTE_POSITION grading)
  gapselect, ddwtos         -> dropdown_cloze    (dropdown_rationale with our tag)
  anything else             -> skipped and reported (no faithful equivalent: see _NO_EQUIVALENT)

Per-answer <feedback> becomes the option's rationale; <generalfeedback> is kept on the item
as general_feedback. HTML becomes text (richtext.html_to_text); an image becomes
"[Image: alt]" and the report says whether the file carried it.

Export: every type Moodle can hold (the ones above). Our extra fields travel as question tags
("topic:validation", "bloom:analysis", "version:2", "technique:a=validation",
"option-ids:a,b,c", "row-ids:...", "column-ids:...", "display-order:c,a,b",
"type:select_n"), the id as <idnumber>, per-option rationales as answer <feedback>.
Gapselect choices and matching rows have no feedback of their own in Moodle, so their ids,
techniques and rationales go in the general feedback as a <dl class="rapport-rationales">
that a student also sees after the attempt. Bow-tie, highlight, matrix multiple response and
case studies have no Moodle core equivalent and are listed in the export report.
"""
from __future__ import annotations

import base64
import binascii
import html
import re

from . import richtext
from .common import (FormatError, Raw, category_path, guard, letter_ids, list_tag, parse_tags, require, skip,
                     techniques)
from .richtext import html_to_text, images_in
from .xml_lines import all_text, line_of, parse_xml

GRADING = {"ALL_OR_NOTHING": "all_or_nothing", "ABSOLUTE_POSITION": "by_position"}
_GAP = re.compile(r"\[\[(\d+)\]\]")
MARK = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}")
_DL = re.compile(r'<dl class="rapport-rationales">.*?</dl>', re.S)
_DT = re.compile(r'<dt data-blank="([^"]*)" data-option="([^"]*)" data-technique="([^"]*)">'
                 r'.*?</dt>\s*<dd>(.*?)</dd>', re.S)
_GENERAL = re.compile(r'<div class="rapport-general">(.*?)</div>', re.S)
_NO_EQUIVALENT = {
    "shortanswer": "short answer needs typed-text matching; Rapport scores chosen options only",
    "numerical": "numerical answers have no equivalent; Rapport scores chosen options only",
    "essay": "an essay needs a human grader; Rapport scores automatically",
    "description": "a description is text, not a question (put it in a case study's stimulus)",
    "calculated": "calculated questions have no equivalent",
    "calculatedsimple": "calculated questions have no equivalent",
    "calculatedmulti": "calculated questions have no equivalent",
    "ddimageortext": "drag-and-drop onto an image has no equivalent",
    "ddmarker": "drag-and-drop markers on an image have no equivalent",
    "random": "a random question is a draw rule, not a question; use a Rapport blueprint",
    "randomsamatch": "random short-answer matching is a draw rule, not a question",
    "multianswer": "embedded answers (Cloze) mix typed and chosen answers; no faithful equivalent",
}


# --- import -----------------------------------------------------------------

def read(data: bytes, file: str) -> list:
    root = parse_xml(data, file)
    require(root.tag == "quiz", file, line_of(root), "quiz",
            f"root element is <{root.tag}>, not <quiz>: not a Moodle XML question export")
    entries: list = []
    collection = None
    for q in root:
        if not isinstance(q.tag, str) or q.tag != "question":
            continue
        qtype = q.get("type") or ""
        if qtype == "category":
            collection = category_path(all_text(q.find("category/text")))
            continue
        name = all_text(q.find("name/text"))
        reader = _READERS.get(qtype)
        if reader is None:
            why = _NO_EQUIVALENT.get(qtype, f"unknown question type {qtype!r}")
            entries.append(skip(file, line_of(q), name, f"{qtype or 'no type'}: {why}"))
            continue
        before = len(entries)
        guard(entries, file, line_of(q), name, lambda: reader(q, file))
        got = entries[before] if len(entries) > before else None
        if isinstance(got, Raw):
            got.collection = collection
    return entries


def _text(el, path: str) -> str:
    node = el.find(path)
    if node is None:
        return ""
    fmt = el.find(path.rsplit("/", 1)[0]) if "/" in path else el
    raw = "".join(node.itertext())
    if fmt is not None and fmt.get("format") in ("plain_text", "markdown"):
        return " ".join(raw.split())
    return html_to_text(raw)


def _finder(holder) -> "richtext.Finder":
    """Look an <img src> up among the base64 <file> elements of a Moodle text holder."""
    files = {f.get("name"): f for f in holder.findall("file")} if holder is not None else {}

    def find(src: str):
        f = files.get(richtext.image_name(src)) if "@@PLUGINFILE@@" in src else None
        if f is None:
            return None
        try:
            return base64.b64decode("".join(f.itertext()), validate=False)
        except (binascii.Error, ValueError):
            raise richtext.ImageRefused("its base64 copy in the file is damaged")
    return find


def _stem_html(q, markup: str, notes: list[str], media: dict) -> str | None:
    holder = q.find("questiontext")
    if holder is None or holder.get("format") in ("plain_text", "markdown"):
        return None
    return richtext.rich(markup, _finder(holder), "questiontext", notes, media)


def _images(q, notes: list[str]) -> None:
    """Images outside the question text (answers, feedback) are not shown: say so."""
    for holder in q.iter():
        text = holder.find("text")
        if text is None or holder.tag in ("name", "questiontext"):
            continue
        for img in images_in("".join(text.itertext())):
            alt = img["alt"] or "no description"
            notes.append(f"{holder.tag}: image {richtext.image_name(img['src'])!r} is not shown (Rapport shows "
                         f"images in the question text only); [Image: {alt}] stands in its place")


def _general_feedback(q) -> tuple[str, str]:
    """(our general feedback as text, the raw general feedback HTML)."""
    node = q.find("generalfeedback/text")
    markup = "".join(node.itertext()) if node is not None else ""
    ours = _GENERAL.search(markup)
    text = html_to_text(ours.group(1) if ours else _DL.sub("", markup))
    return text, markup


def _common(q, file: str, rich_stem: bool = True) -> tuple[dict, dict, list[str], list[str], dict]:
    tag_list = [all_text(t) for t in q.findall("tags/tag/text")]
    tags = parse_tags(tag_list)
    idnumber = all_text(q.find("idnumber"))
    if idnumber:
        tags["id"] = idnumber
    stem = _text(q, "questiontext/text")
    require(stem, file, line_of(q), "questiontext", "question text is empty")
    d = {"stem": stem}
    general, _ = _general_feedback(q)
    if general:
        d["general_feedback"] = general
    notes: list[str] = []
    media: dict = {}
    if rich_stem:
        html_stem = _stem_html(q, "".join(q.find("questiontext/text").itertext()), notes, media)
        if html_stem:
            richtext.attach(d, html_stem)
    _images(q, notes)
    return d, tags, tag_list, notes, media


def _fraction(a, file: str) -> float:
    try:
        f = float(a.get("fraction", "0"))
    except ValueError:
        raise FormatError(file, line_of(a), "answer/@fraction", f"not a number: {a.get('fraction')!r}")
    require(f == f and abs(f) <= 100.0001, file, line_of(a), "answer/@fraction",
            f"{a.get('fraction')!r} is not a percentage between -100 and 100")
    return f


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
        fractions.append(_fraction(a, file))
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
    d, tags, tag_list, notes, media = _common(q, file)
    options, fractions = _options(q, file, tag_list)
    single = all_text(q.find("single")).lower() not in ("false", "0")
    d["options"] = options
    if single:
        keys = [o["id"] for o, f in zip(options, fractions) if abs(f - 100) < 1e-6]
        require(len(keys) == 1, file, line_of(q), "answer/@fraction",
                f"a single-answer question needs exactly one answer at 100%, found {len(keys)}")
        partial = [o["id"] for o, f in zip(options, fractions) if 0 < f < 100 - 1e-6]
        if partial:
            notes.append(f"partial credit of answer(s) {', '.join(partial)} dropped: "
                         "multiple choice scores 0/1")
        d["type"], d["key"] = "multiple_choice", keys[0]
    else:
        keys = [o["id"] for o, f in zip(options, fractions) if f > 0]
        require(keys, file, line_of(q), "answer/@fraction", "no answer has a positive fraction")
        d["type"], d["key"] = "select_all", keys
        if tags.get("type") == "select_n":
            d["type"], d["n"] = "select_n", len(keys)
    _shuffle(q, d)
    return Raw(d, line_of(q), tags, notes=notes, media=media)


def _read_truefalse(q, file: str) -> Raw:
    d, tags, tag_list, notes, media = _common(q, file)
    answers = q.findall("answer")
    require(len(answers) == 2, file, line_of(q), "answer",
            f"a true/false question has two answers, found {len(answers)}")
    ids = list_tag(tag_list, "option-ids") or ["true", "false"]
    require(len(ids) == 2, file, line_of(q), "tags", "option-ids must name two options")
    techs = techniques(tag_list)
    options, key = [], None
    for oid, a in zip(ids, answers):
        word = all_text(a.find("text")).lower()
        require(word in ("true", "false"), file, line_of(a), "answer/text",
                f"a true/false answer is 'true' or 'false', not {word!r}")
        o = {"id": oid, "text": word.capitalize()}
        if oid in techs:
            o["technique"] = techs[oid]
        rationale = _text(a, "feedback/text")
        if rationale:
            o["rationale"] = rationale
        options.append(o)
        if abs(_fraction(a, file) - 100) < 1e-6:
            key = oid
    require(key, file, line_of(q), "answer/@fraction", "neither true nor false is at 100%")
    d.update(type="multiple_choice", options=options, key=key, pin_options=True)
    return Raw(d, line_of(q), tags, notes=notes, media=media)


def _rationale_entries(q) -> dict[str, list[tuple[str, str, str]]]:
    """Our <dl class="rapport-rationales"> in the general feedback: group -> [(id, technique, rationale)]."""
    _, markup = _general_feedback(q)
    entries: dict[str, list[tuple[str, str, str]]] = {}
    for m in _DT.finditer(markup):
        entries.setdefault(html.unescape(m.group(1)), []).append(
            (html.unescape(m.group(2)), html.unescape(m.group(3)), html_to_text(m.group(4))))
    return entries


def _read_matching(q, file: str) -> Raw:
    d, tags, tag_list, notes, media = _common(q, file)
    subs = q.findall("subquestion")
    require(subs, file, line_of(q), "subquestion", "a matching question needs sub-questions")
    rows_src, columns = [], []
    for s in subs:
        answer = all_text(s.find("answer/text"))
        require(answer, file, line_of(s), "subquestion/answer", "a sub-question has no answer")
        if answer not in columns:
            columns.append(answer)
        text = _text(s, "text")
        if text:                  # an empty sub-question only adds a wrong answer (a column)
            rows_src.append((text, answer, line_of(s)))
    require(rows_src, file, line_of(q), "subquestion", "every sub-question is empty")
    col_ids = list_tag(tag_list, "column-ids") or [f"c{i + 1}" for i in range(len(columns))]
    row_ids = list_tag(tag_list, "row-ids") or [f"r{i + 1}" for i in range(len(rows_src))]
    require(len(col_ids) == len(columns) and len(row_ids) == len(rows_src), file, line_of(q),
            "tags", "row-ids or column-ids do not match the sub-questions")
    col_of = dict(zip(columns, col_ids))
    order = list_tag(tag_list, "column-order")
    if order:
        require(sorted(order) == sorted(col_ids), file, line_of(q), "tags",
                "column-order does not list the same columns")
        columns = [columns[col_ids.index(c)] for c in order]
        col_ids = order
    meta = {e[0]: e for e in _rationale_entries(q).get("rows", [])}
    techs = techniques(tag_list)
    rows = []
    for rid, (text, answer, _line) in zip(row_ids, rows_src):
        r = {"id": rid, "text": text, "key": col_of[answer]}
        if rid in meta:
            if meta[rid][1]:
                r["technique"] = meta[rid][1]
            if meta[rid][2]:
                r["rationale"] = meta[rid][2]
        elif rid in techs:
            r["technique"] = techs[rid]
        rows.append(r)
    d.update(type="matrix_multiple_choice",
             columns=[{"id": cid, "text": text} for text, cid in zip(columns, col_ids)], rows=rows)
    _shuffle(q, d)
    return Raw(d, line_of(q), tags, notes=notes, media=media)


def _read_ordering(q, file: str) -> Raw:
    d, tags, tag_list, notes, media = _common(q, file)
    options, _ = _options(q, file, tag_list)
    grading = all_text(q.find("gradingtype")) or "ABSOLUTE_POSITION"
    gnode = q.find("gradingtype")
    require(grading in GRADING, file, line_of(q if gnode is None else gnode), "gradingtype",
            f"grading {grading!r} has no equivalent (ALL_OR_NOTHING or ABSOLUTE_POSITION)")
    key = [o["id"] for o in options]
    order = list_tag(tag_list, "display-order")
    if order:
        require(sorted(order) == sorted(key), file, line_of(q), "tags",
                "display-order does not list the same options as the answers")
        by_id = {o["id"]: o for o in options}
        options = [by_id[i] for i in order]
    d.update(type="ordered_response", options=options, scoring=GRADING[grading], key=key)
    if "pinned" in tag_list:      # qtype_ordering always shuffles; the flag is ours
        d["pin_options"] = True
    return Raw(d, line_of(q), tags, notes=notes, media=media)


def _read_gaps(q, file: str, choice_tag: str) -> Raw:
    """gapselect (<selectoption>) and ddwtos (<dragbox>): [[n]] gaps -> dropdown blanks."""
    base, tags, tag_list, notes, media = _common(q, file, rich_stem=False)
    markup = "".join(q.find("questiontext/text").itertext())
    raw_parts = [p for p in re.split(r"</?p\b[^>]*>|<br\s*/?>", markup) if html_to_text(p)]
    parts = [html_to_text(p) for p in raw_parts]
    stem = " ".join(p for p in parts if not _GAP.search(p))
    text = " ".join(p for p in parts if _GAP.search(p))
    require(text, file, line_of(q), "questiontext", "no [[n]] gaps in the question text")
    choices = []
    for so in q.findall(choice_tag):
        group = all_text(so.find("group")) or "1"
        choices.append((_text(so, "text"), group, line_of(so)))
    entries = _rationale_entries(q)
    blank_ids = list(entries)
    blanks = []
    for i, m in enumerate(_GAP.finditer(text)):
        n = int(m.group(1))
        require(1 <= n <= len(choices), file, line_of(q), "questiontext",
                f"gap [[{n}]] names no choice (there are {len(choices)})")
        group = choices[n - 1][1]
        in_group = [(j, c) for j, c in enumerate(choices, 1) if c[1] == group]
        bid = blank_ids[i] if i < len(blank_ids) else f"b{i + 1}"
        require(bid not in {b["id"] for b in blanks}, file, line_of(q), "questiontext",
                f"gap {i + 1} repeats blank {bid!r}")
        meta = entries.get(bid, [])
        ids = [e[0] for e in meta] if len(meta) == len(in_group) else letter_ids(len(in_group))
        opts, key = [], None
        for k, (j, (ctext, _, cline)) in enumerate(in_group):
            require(ctext, file, cline, f"{choice_tag}/text", "choice text is empty")
            o = {"id": ids[k], "text": ctext}
            if len(meta) == len(in_group):
                if meta[k][1]:
                    o["technique"] = meta[k][1]
                if meta[k][2]:
                    o["rationale"] = meta[k][2]
            opts.append(o)
            if j == n:
                key = ids[k]
        blanks.append({"id": bid, "options": opts, "key": key})
    if choice_tag == "dragbox" and any(so.find("infinite") is None for so in q.findall("dragbox")) \
            and len(blanks) > 1:
        notes.append("drag-and-drop words become drop-down lists; a word that Moodle lets be "
                     "used once may now be chosen in several gaps")
    bids = iter(b["id"] for b in blanks)
    d = {"type": "dropdown_rationale" if tags.get("type") == "dropdown_rationale" else "dropdown_cloze",
         "stem": stem or "Complete the sentence by choosing from the lists.",
         "text": _GAP.sub(lambda _m: "{{" + next(bids) + "}}", text), "blanks": blanks}
    if base.get("general_feedback"):
        d["general_feedback"] = base["general_feedback"]
    html_stem = _stem_html(q, "".join(f"<p>{p}</p>" for p in raw_parts if not _GAP.search(html_to_text(p))),
                           notes, media)
    if html_stem:
        richtext.attach(d, html_stem)
    _shuffle(q, d)
    return Raw(d, line_of(q), tags, notes=notes, media=media)


_READERS = {"multichoice": _read_multichoice, "truefalse": _read_truefalse,
            "matching": _read_matching, "ordering": _read_ordering,
            "gapselect": lambda q, f: _read_gaps(q, f, "selectoption"),
            "ddwtos": lambda q, f: _read_gaps(q, f, "dragbox")}
