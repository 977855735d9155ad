"""GIFT import (Moodle's plain-text question format).

  $CATEGORY: $course$/top/Mental health/Alliance       -> collection "Mental health/Alliance"
  // [id:val-001] [tag:topic:validation] [tag:technique:a=validation]
  ::Title:: [html]Question text {
    =right answer #why it is right
    ~%-50%wrong answer #why it is wrong
  }

  {=a ~b ~c}            multiple choice (one '=' key; ~%n% weights on others are dropped)
  {~%50%a ~%50%b ~c}    select all that apply (keys: positive weights)
  {T} {FALSE#wrong#right}  true/false -> two-option multiple choice (True, False)
  {=q1 -> a1 =q2 -> a2}  matching -> matrix multiple choice (answers are the columns)
  text {=a ~b} more     missing word: the stem reads "text _____ more"

Short answer ({=a =b}), numerical ({#...}), essay ({}) and descriptions (no braces) have no
faithful equivalent: skipped and reported with their line. Feedback after '#' becomes the
option's rationale, after '####' the general feedback. Moodle's GIFT reader takes [id:] and
[tag:] from the comment lines before a question; we read our fields from those tags (the same
"name:value" tags as Moodle XML). A title that looks like one of our ids (val-001) is the id.
"""
from __future__ import annotations

import re

from . import richtext
from .common import (FormatError, Raw, category_path, clean, guard, letter_ids, list_tag, parse_tags, require,
                     skip, techniques)
from .richtext import html_to_text

_ESC = {"\\:": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003",
        "\\{": "\ue004", "\\}": "\ue005", "\\\\": "\ue006"}
_UNESC = {v: k[1] for k, v in _ESC.items()}
_OUR_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*-\d{3,}$")
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TF = re.compile(r"\s*(T|F|TRUE|FALSE)\s*((?:#[^#]*){0,2})\s*", re.I | re.S)


def _escape(s: str) -> str:
    s = s.replace("\\\\", "\ue006")
    s = s.replace("\\n", "\n")
    for k, v in _ESC.items():
        s = s.replace(k, v)
    return s


def _unescape(s: str) -> str:
    for k, v in _UNESC.items():
        s = s.replace(k, v)
    return s


def _plain(s: str, html: bool) -> str:
    s = _unescape(s)
    return html_to_text(s) if html else clean(s)


def read(data: bytes, file: str) -> list:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FormatError(file, None, "encoding", f"not UTF-8 (save the file as UTF-8): {e.reason}")
    lines = _escape(text).splitlines()
    entries: list = []
    block: list[tuple[int, str]] = []
    meta: list[str] = []
    collection = None
    for n, line in enumerate(lines + [""], 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            if not block:
                meta.append(stripped)
            continue
        if stripped.startswith("$CATEGORY:") and not block:
            collection = category_path(_unescape(stripped[len("$CATEGORY:"):]).strip())
            meta = []
            continue
        if stripped:
            block.append((n, line))
            continue
        if not block:
            continue
        body = "\n".join(b for _, b in block)
        if "{" not in body:
            title = re.match(r"\s*::(.*?)::", body, re.S)
            entries.append(skip(file, block[0][0], _unescape(title.group(1)).strip() if title else "",
                                "description: text without an answer block is not a question"))
            block, meta = [], []
        elif _closed(body):
            first, blk, m = block[0][0], block, meta
            title = re.match(r"\s*::(.*?)::", body, re.S)
            name = _unescape(title.group(1)).strip() if title else ""
            before = len(entries)
            guard(entries, file, first, name, lambda: _question(blk, m, file))
            if len(entries) > before and isinstance(entries[-1], Raw):
                entries[-1].collection = collection
            block, meta = [], []
    if block:       # an answer block never closed: the rest of the file is unreadable
        raise FormatError(file, block[0][0], "answers",
                          "the question's answer block is not closed with '}'; nothing after it "
                          "can be read")
    return entries


def _closed(body: str) -> bool:
    return body.count("{") <= body.count("}") and "{" in body


def _question(block: list[tuple[int, str]], meta: list[str], file: str) -> Raw:
    """One question; an [html] question text keeps its formatting (richtext.py). GIFT files
    carry no image files, so an image becomes [Image: alt] and the report says so."""
    raw = _question_text(block, meta, file)
    if raw.d.pop("\0html", None) is not None:
        html_head = raw.d.pop("\0head")
        rich = richtext.rich(html_head, lambda src: None, "question text", raw.notes, {})
        if rich:
            richtext.attach(raw.d, rich)
    return raw


def _question_text(block: list[tuple[int, str]], meta: list[str], file: str) -> Raw:
    start = block[0][0]
    body = "\n".join(b for _, b in block)

    def line_at(offset: int) -> int:
        return start + body.count("\n", 0, offset)

    tags: dict[str, str] = {}
    tag_list: list[str] = []
    for m in _META.finditer(" ".join(meta)):
        if m.group(1) == "id":
            tags["id"] = _unescape(m.group(2)).strip()
        else:
            tag_list.append(_unescape(m.group(2)).strip())
    tags.update({k: v for k, v in parse_tags(tag_list).items() if k != "id"})
    m = re.match(r"\s*::(.*?)::", body, re.S)
    pos = 0
    if m:
        title, pos = _unescape(m.group(1)).strip(), m.end()
        if "id" not in tags and _OUR_ID.match(title):
            tags["id"] = title
    open_at = body.find("{", pos)
    close_at = body.find("}", open_at)
    require(open_at >= 0 and close_at > open_at, file, start, "answers", "no {...} answer block")
    require("{" not in body[close_at:], file, line_at(body.find("{", close_at)), "answers",
            "two answer blocks in one question; separate questions with a blank line")
    head = body[pos:open_at]
    html = False
    fm = re.match(r"\s*\[(html|moodle|plain|markdown)\]", head)
    if fm:
        html, head = fm.group(1) == "html", head[fm.end():]
    after = body[close_at + 1:].strip()
    stem = _plain(head, html) + (" _____ " + _plain(after, html) if after else "")
    require(stem.strip(), file, start, "stem", "question text is empty")
    answers_src = body[open_at + 1:close_at]
    answers_src, _, general = answers_src.partition("####")
    d: dict = {"stem": stem.strip()}
    if html and not after:               # a missing-word question's blank is not HTML of its own
        d["\0html"], d["\0head"] = True, _unescape(head)
    if general.strip():
        d["general_feedback"] = _plain(general, html)
    ln = line_at(open_at)
    if not answers_src.strip():
        raise FormatError(file, ln, "answers", "essay: an essay needs a human grader; "
                          "Rapport scores automatically")
    if answers_src.lstrip().startswith("#"):
        raise FormatError(file, ln, "answers", "numerical: numerical answers have no equivalent")
    tf = _TF.fullmatch(answers_src)
    if tf:
        return _truefalse(d, tf, tags, tag_list, html, start)
    if "->" in answers_src:
        return _matching(d, answers_src, tags, tag_list, html, file, line_at(open_at + 1), start)
    parts = [(m.start(), m.group(1), m.group(2)) for m in
             re.finditer(r"([=~])([^=~]*)", answers_src)]
    lead = answers_src[:parts[0][0]] if parts else answers_src
    require(parts and not lead.strip(), file, ln, "answers",
            "answers must each start with '=' or '~'")
    if all(mark == "=" for _, mark, _ in parts):
        raise FormatError(file, ln, "answers", "short answer: typed answers have no equivalent "
                          "(a multiple choice question needs '~' wrong answers)")
    ids = list_tag(tag_list, "option-ids") or letter_ids(len(parts))
    require(len(ids) == len(parts), file, start, "tags",
            f"option-ids names {len(ids)} options but there are {len(parts)} answers")
    techs = techniques(tag_list)
    options, weights, exact = [], [], []
    for oid, (off, mark, src) in zip(ids, parts):
        at = line_at(open_at + 1 + off)
        wm = _WEIGHT.match(src.strip())
        weight = None
        if wm:
            weight = float(wm.group(1))
            require(-100 <= weight <= 100, file, at, "answer", f"weight {weight}% is not between -100 and 100")
            src = src.strip()[wm.end():]
        answer, _, feedback = src.partition("#")
        text = _plain(answer, html)
        require(text, file, at, "answer", "answer text is empty")
        o = {"id": oid, "text": text}
        if oid in techs:
            o["technique"] = techs[oid]
        if feedback.strip():
            o["rationale"] = _plain(feedback, html)
        options.append(o)
        exact.append(mark == "=")
        weights.append(100.0 if mark == "=" and weight is None else (weight or 0.0))
    d["options"] = options
    notes = []
    require(sum(exact) <= 1, file, start, "answers",
            "several '=' answers: mark several keys with ~%n% weights instead")
    if sum(exact) == 1:
        d["type"], d["key"] = "multiple_choice", options[exact.index(True)]["id"]
        partial = [o["id"] for o, w, e in zip(options, weights, exact) if w > 0 and not e]
        if partial:
            notes.append(f"partial credit of answer(s) {', '.join(partial)} dropped: "
                         "multiple choice scores 0/1")
    else:
        keys = [o["id"] for o, w in zip(options, weights) if w > 0]
        require(keys, file, start, "answers", "no answer is right ('=' or a positive ~%n%)")
        d["type"], d["key"] = "select_all", keys
        if tags.get("type") == "select_n":
            d["type"], d["n"] = "select_n", len(keys)
    if "pinned" in tag_list:
        d["pin_options"] = True
    return Raw(d, start, tags, notes=notes)


def _truefalse(d: dict, tf, tags, tag_list, html: bool, start: int) -> Raw:
    truth = tf.group(1).upper().startswith("T")
    fb = [_plain(f, html) for f in tf.group(2).split("#")[1:]] + ["", ""]
    wrong, right = fb[0], fb[1]          # GIFT: {T#shown when wrong#shown when right}
    ids = list_tag(tag_list, "option-ids") or ["true", "false"]
    require(len(ids) == 2, "", start, "tags", "option-ids must name two options")
    techs = techniques(tag_list)
    options = []
    for oid, label, is_key in ((ids[0], "True", truth), (ids[1], "False", not truth)):
        o = {"id": oid, "text": label}
        if oid in techs:
            o["technique"] = techs[oid]
        rationale = right if is_key else wrong
        if rationale:
            o["rationale"] = rationale
        options.append(o)
    d.update(type="multiple_choice", options=options, key=ids[0] if truth else ids[1], pin_options=True)
    return Raw(d, start, tags)


def _matching(d: dict, src: str, tags, tag_list, html: bool, file: str, line: int, start: int) -> Raw:
    pairs = [p for p in re.split(r"(?:^|\s)=", src) if p.strip()]
    require(src.strip().startswith("="), file, line, "answers", "matching pairs each start with '='")
    rows_src, columns = [], []
    for p in pairs:
        q, arrow, a = p.partition("->")
        require(arrow, file, line, "answers", f"a matching pair needs '->': {_unescape(p).strip()!r}")
        answer = _plain(a, False)
        require(answer, file, line, "answers", "a matching pair has no answer after '->'")
        if answer not in columns:
            columns.append(answer)
        text = _plain(q, html)
        if text:
            rows_src.append((text, answer))
    require(rows_src, file, line, "answers", "every matching pair is empty")
    row_ids = list_tag(tag_list, "row-ids") or [f"r{i + 1}" for i in range(len(rows_src))]
    col_ids = list_tag(tag_list, "column-ids") or [f"c{i + 1}" for i in range(len(columns))]
    require(len(row_ids) == len(rows_src) and len(col_ids) == len(columns), file, start, "tags",
            "row-ids or column-ids do not match the pairs")
    col_of = dict(zip(columns, col_ids))
    techs = techniques(tag_list)
    rows = []
    for rid, (text, answer) in zip(row_ids, rows_src):
        r = {"id": rid, "text": text, "key": col_of[answer]}
        if rid in techs:
            r["technique"] = techs[rid]
        rows.append(r)
    d.update(type="matrix_multiple_choice",
             columns=[{"id": c, "text": t} for t, c in zip(columns, col_ids)], rows=rows)
    return Raw(d, start, tags)
