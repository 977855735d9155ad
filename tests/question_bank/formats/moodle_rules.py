"""What Moodle's own XML import accepts, as a checker for our Moodle XML exports.

Moodle publishes no schema for its XML format; what it accepts is what its importer and the
question types it hands each question to accept. Each rule below names where Moodle applies
it (paths in the moodle/moodle repository), so a failure reads as "Moodle would refuse this".
Rapport's own importer is more lenient in places, so passing our round trip alone does not
show Moodle would take the file.

    problems("bank.xml bytes") -> ["question 3 (rt-001): ...", ...]   # [] when Moodle would take all
"""
from __future__ import annotations

import base64
import binascii
import re
import xml.etree.ElementTree as ET

# lib/questionlib.php question_bank::fraction_options_full(): the only grades an import may
# carry; question/format.php importprocess() skips a question whose answer grade is not one
# of them (match_grade_options(), 'error' mode, 0.00001 tolerance).
_RAW = [1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
        0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05]
GRADES = [0.0] + _RAW + [-f for f in _RAW]
# question/format/xml/format.php trans_format(): anything else is "unrecognised" (read as html).
FORMATS = {"html", "plain_text", "moodle_auto_format", "markdown", "wiki_like"}
# question/type/ordering/question.php: the grading types qtype_ordering knows.
ORDERING_GRADING = {"ALL_OR_NOTHING", "ABSOLUTE_POSITION", "RELATIVE_TO_CORRECT", "RELATIVE_NEXT_EXCLUDE_LAST",
                    "RELATIVE_NEXT_INCLUDE_LAST", "RELATIVE_ONE_PREVIOUS_AND_NEXT", "RELATIVE_ALL_PREVIOUS_AND_NEXT",
                    "LONGEST_ORDERED_SUBSET", "LONGEST_CONTIGUOUS_SUBSET"}
_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'?#\s>]+)")


def _text(el, path: str) -> str:
    node = el.find(path)
    return "".join(node.itertext()).strip() if node is not None else ""


def _fractions(q, out: list[str]) -> list[float]:
    got = []
    for a in q.findall("answer"):
        try:
            f = float(a.get("fraction", "0")) / 100
        except ValueError:
            out.append(f"answer fraction {a.get('fraction')!r} is not a number")
            continue
        if not any(abs(f - g) < 0.00001 for g in GRADES):
            out.append(f"answer grade {a.get('fraction')}% is not one of Moodle's grades "
                       "(question/format.php importprocess: invalidgrade)")
        got.append(f)
    return got


def _texts_and_files(q, out: list[str]) -> None:
    """format.php import_text_with_files(): each text's format, and every @@PLUGINFILE@@ it
    shows must be a base64 <file> of that same text holder (Moodle stores them per holder)."""
    for holder in q.iter():
        text = holder.find("text")
        if text is None or holder.tag in ("name", "tag", "category", "info"):
            continue
        fmt = holder.get("format")
        if fmt is not None and fmt not in FORMATS:
            out.append(f"<{holder.tag}> format {fmt!r} is not a Moodle text format")
        files = {}
        for f in holder.findall("file"):
            if not f.get("name") or f.get("encoding") != "base64":
                out.append(f"<{holder.tag}> has a <file> without a name or base64 encoding")
                continue
            try:
                base64.b64decode("".join(f.itertext()), validate=True)
            except (binascii.Error, ValueError):
                out.append(f"<{holder.tag}> file {f.get('name')!r} is not valid base64")
            files[f.get("name")] = f
        for name in _PLUGINFILE.findall("".join(text.itertext())):
            if name not in files:
                out.append(f"<{holder.tag}> shows @@PLUGINFILE@@/{name} but holds no <file> of that name")


def _multichoice(q, out):
    # question/type/multichoice/questiontype.php save_question_options() and edit form validation.
    answers = [a for a in q.findall("answer") if _text(a, "text")]
    if len(answers) < 2:
        out.append("multichoice needs at least 2 answers (notenoughanswers)")
    fr = _fractions(q, out)
    if _text(q, "single").lower() in ("false", "0"):
        if abs(round(sum(f for f in fr if f > 0), 2) - 1) > 0.001:
            out.append(f"multiple-answer grades add up to {100 * sum(f for f in fr if f > 0):.5g}%, "
                       "not 100% (fractionsaddwrong)")
    elif not fr or max(fr) != 1:
        out.append("single-answer question has no answer at 100% (fractionsnomax)")


def _truefalse(q, out):
    # question/format/xml/format.php import_truefalse(): answers matched on the words true/false.
    words = sorted(_text(a, "text") for a in q.findall("answer"))
    if words != ["false", "true"]:
        out.append(f"truefalse answers must be 'true' and 'false', not {words}")
    if [f for f in _fractions(q, out) if f == 1] != [1]:
        out.append("truefalse needs exactly one answer at 100%")


def _matching(q, out):
    # question/type/match/edit_match_form.php validation(): at least 2 questions and 3 answers;
    # format.php import_match() reads each <subquestion> text and its answer's text.
    subs = q.findall("subquestion")
    questions = [s for s in subs if _text(s, "text")]
    entries = [s for s in subs if _text(s, "text") or _text(s, "answer/text")]
    for s in questions:
        if not _text(s, "answer/text"):
            out.append("a matching sub-question has no answer (nomatchinganswerforq)")
    if len(questions) < 2 or len(entries) < 3:
        out.append(f"matching needs at least 2 questions and 3 answers, has {len(questions)} and "
                   f"{len(entries)} (notenoughqsandas)")


def _ordering(q, out):
    # question/type/ordering/questiontype.php import_from_xml() and edit form: 2+ items, a known grading type.
    if len([a for a in q.findall("answer") if _text(a, "text")]) < 2:
        out.append("ordering needs at least 2 items")
    if _text(q, "gradingtype") not in ORDERING_GRADING:
        out.append(f"ordering grading type {_text(q, 'gradingtype')!r} is unknown to qtype_ordering")


def _gapselect(q, out):
    # question/type/gapselect/edit_gapselect_form.php validation(): every [[n]] names a choice,
    # each choice has text and a group.
    choices = q.findall("selectoption")
    text = _text(q, "questiontext/text")
    gaps = [int(n) for n in re.findall(r"\[\[(\d+)\]\]", text)]
    if not gaps:
        out.append("gapselect question text has no [[n]] gaps")
    for n in gaps:
        if not 1 <= n <= len(choices):
            out.append(f"gap [[{n}]] names no choice (there are {len(choices)})")
    for c in choices:
        if not _text(c, "text") or not _text(c, "group").isdigit():
            out.append("a gapselect choice lacks text or a group number")


CHECKS = {"multichoice": _multichoice, "truefalse": _truefalse, "matching": _matching,
          "ordering": _ordering, "gapselect": _gapselect}


def problems(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    if root.tag != "quiz":
        return [f"root element is <{root.tag}>, not <quiz>"]
    found = []
    for n, q in enumerate(root.findall("question"), 1):
        qtype = q.get("type")
        if qtype == "category":
            if not _text(q, "category/text"):
                found.append(f"question {n}: a category without a path")
            continue
        out: list[str] = []
        if not _text(q, "name/text"):
            out.append("no name (xmlimportnoname)")
        if q.find("questiontext/text") is None:
            out.append("no <questiontext><text>")
        if qtype not in CHECKS:
            out.append(f"type {qtype!r}: not one Rapport writes")
        else:
            CHECKS[qtype](q, out)
        _texts_and_files(q, out)
        found += [f"question {n} ({_text(q, 'name/text')}): {p}" for p in out]
    return found
