"""GIFT import: multiple choice with one key (=) or several weighted keys (~%50%).

  // [id:val-001] [tag:topic:validation] [tag:technique:a=validation]
  ::Title:: [html]Question text {
    =right answer #why it is right
    ~%-50%wrong answer #why it is wrong
  }

Feedback after '#' becomes the option's rationale. Moodle's GIFT reader takes [id:] and
[tag:] from the comment lines before a question; we read our fields from those tags (the same
"name:value" tags as Moodle XML). A title that looks like one of our ids (val-001) is used as
the id. Any other GIFT question kind (true/false, short answer, numeric, matching, essay)
is refused with its line, so nothing is half-imported.
"""
from __future__ import annotations

import re

from .common import (FormatError, Raw, clean, html_to_text, letter_ids, list_tag,
                     parse_tags, require, techniques)

_ESC = {"\\:": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003",
        "\\{": "\ue004", "\\}": "\ue005", "\\\\": "\ue006"}
_UNESC = {v: k[1] for k, v in _ESC.items()}
_OUR_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*-\d{3,}$")
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


def _escape(s: str) -> str:
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


def read(data: bytes, file: str) -> list[Raw]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FormatError(file, None, "encoding", f"not UTF-8: {e}")
    lines = _escape(text).splitlines()
    raws: list[Raw] = []
    block: list[tuple[int, str]] = []
    meta: list[str] = []
    for n, line in enumerate(lines + [""], 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            if not block:
                meta.append(stripped)
            continue
        if stripped.startswith("$CATEGORY:") and not block:
            continue
        if stripped:
            block.append((n, line))
            continue
        if block and _closed(block):
            raws.append(_question(block, meta, file))
            block, meta = [], []
    require(not block, file, block[0][0] if block else None, "answers",
            "the question's answer block is not closed with '}'")
    return raws


def _closed(block: list[tuple[int, str]]) -> bool:
    body = "\n".join(b for _, b in block)
    return body.count("{") == body.count("}") and "{" in body


def _question(block: list[tuple[int, str]], meta: list[str], file: str) -> Raw:
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
    title = None
    m = re.match(r"\s*::(.*?)::", body, re.S)
    pos = 0
    if m:
        title, pos = _unescape(m.group(1)).strip(), m.end()
        if "id" not in tags and _OUR_ID.match(title):
            tags["id"] = title
    open_at = body.find("{", pos)
    close_at = body.rfind("}")
    require(open_at >= 0 and close_at > open_at, file, start, "answers", "no {...} answer block")
    head = body[pos:open_at]
    html = False
    fm = re.match(r"\s*\[(html|moodle|plain|markdown)\]", head)
    if fm:
        html, head = fm.group(1) == "html", head[fm.end():]
    after = body[close_at + 1:].strip()
    stem = _plain(head, html) + (" _____ " + _plain(after, html) if after else "")
    require(stem.strip(), file, start, "stem", "question text is empty")
    answers_src = body[open_at + 1:close_at]
    answers_src = answers_src.split("####", 1)[0]     # general feedback: not per option
    if re.fullmatch(r"\s*(T|F|TRUE|FALSE)\s*(#.*)?", answers_src, re.S) or not answers_src.strip():
        raise FormatError(file, line_at(open_at), "answers",
                          "true/false and essay questions are not supported (multiple choice only)")
    if "->" in answers_src or answers_src.lstrip().startswith("#"):
        raise FormatError(file, line_at(open_at), "answers",
                          "matching and numeric questions are not supported (multiple choice only)")
    parts = [(m.start(), m.group(1), m.group(2)) for m in
             re.finditer(r"([=~])([^=~]*)", answers_src)]
    lead = answers_src[:parts[0][0]] if parts else answers_src
    require(parts and not lead.strip(), file, line_at(open_at), "answers",
            "answers must each start with '=' or '~'")
    ids = list_tag(tag_list, "option-ids") or letter_ids(len(parts))
    require(len(ids) == len(parts), file, start, "tags",
            f"option-ids names {len(ids)} options but there are {len(parts)} answers")
    techs = techniques(tag_list)
    options, weights, exact = [], [], []
    for oid, (off, mark, src) in zip(ids, parts):
        ln = line_at(open_at + 1 + off)
        wm = _WEIGHT.match(src.strip())
        weight = None
        if wm:
            weight = float(wm.group(1))
            src = src.strip()[wm.end():]
        answer, _, feedback = src.partition("#")
        text = _plain(answer, html)
        require(text, file, ln, "answer", "answer text is empty")
        o = {"id": oid, "text": text}
        if oid in techs:
            o["technique"] = techs[oid]
        if feedback.strip():
            o["rationale"] = _plain(feedback, html)
        options.append(o)
        exact.append(mark == "=")
        weights.append(100.0 if mark == "=" and weight is None else (weight or 0.0))
    d: dict = {"stem": stem, "options": options}
    require(sum(exact) <= 1, file, start, "answers",
            "several '=' answers: mark several keys with ~%n% weights instead")
    if sum(exact) == 1:      # partial-credit weights on '~' answers are dropped: 0/1 scoring
        d["type"], d["key"] = "multiple_choice", options[exact.index(True)]["id"]
    else:
        keys = [o["id"] for o, w in zip(options, weights) if w > 0]
        require(keys, file, start, "answers", "no answer is right ('=' or a positive ~%n%)")
        d["type"], d["key"] = "select_all", keys
        if tags.get("type") == "select_n":
            d["type"], d["n"] = "select_n", len(keys)
    if "pinned" in tag_list:
        d["pin_options"] = True
    return Raw(d, start, tags)
