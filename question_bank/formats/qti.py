"""QTI 3.0 and 2.1 import (same interactions, camelCase names); export is in qti_export.py.

Mapping (import and export):
  qti-choice-interaction max-choices=1     <-> multiple_choice
  qti-choice-interaction max-choices=0/n   <-> select_all / select_n (map_response, +1/-1, floor 0)
  qti-order-interaction                    <-> ordered_response
  qti-inline-choice-interaction (1+)       <-> dropdown_cloze / dropdown_rationale
  qti-match-interaction, one per row       <-> matrix_multiple_choice (set 1 rows, set 2 columns)
  qti-match-interaction, several per row   <-> matrix_multiple_response
  qti-hottext-interaction                  <-> highlight (text between hottexts is not selectable)
  three qti-choice-interactions CONDITION, ACTIONS, PARAMETERS (our composite) <-> bowtie
  qti-assessment-stimulus shared by items  <-> a case study, items in package order
Any other interaction (text entry, extended text, graphic, slider, upload ...) has no
faithful equivalent: that item is skipped and reported. A package is a zip with
imsmanifest.xml (read by qti_package.py); items are read in manifest order.

Our extra fields: the item identifier is our id; qti-item-body carries data-rapport-type,
-version, -topic, -client-need, -cjmm-skill, -bloom, -difficulty, -scoring; each choice
carries data-technique; each rationale is a qti-modal-feedback whose identifier is
"<response identifier>.<choice identifier>"; general feedback is the modal feedback
"GENERAL"; a case item's unfolding notes are a <div class="rapport-unfold"> of sections. A
foreign qti-feedback-inline inside a choice is read as that choice's rationale. The stem is
the interaction's qti-prompt (cloze and bow-tie: the body's <p class="rapport-stem">, or
the body's other blocks). Export writes a content package: items, one stimulus per case
study, and an assessment test with a section per case study.
"""
from __future__ import annotations

import copy
import html
import re
import xml.etree.ElementTree as ET

from . import richtext
from .common import FormatError, Raw, clean, guard, require
from .xml_lines import line_of, local, parse_xml

NS3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
NS21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
RP = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
# Our fields carried as data-rapport-* attributes of the item body; "notes" is the writers' note on an
# item (why a difficulty label holds, say), kept so that an export read back is the same item.
META = ("version", "topic", "client_need", "cjmm_skill", "bloom", "difficulty", "family", "notes", "scoring",
        "type")
ET.register_namespace("", NS3)   # QTI files use the default namespace
MAX_MEMBERS, MAX_UNZIPPED, MAX_RATIO = 5000, 100 * 1024 * 1024, 200
_SKIP_TEXT = {"qti-feedback-inline", "qti-choice-interaction", "qti-order-interaction",
              "qti-match-interaction", "qti-modal-feedback", "qti-prompt",
              "qti-hottext-interaction"}
_HTML = {"p", "div", "span", "br", "b", "i", "em", "strong", "ul", "ol", "li", "h1", "h2", "h3",
         "h4", "h5", "h6", "section", "table", "tr", "td", "th", "tbody", "thead", "img", "a",
         "sub", "sup", "blockquote", "pre", "code", "u", "small", "hr", "caption", "label"}
BOWTIE = (("conditions", "CONDITION", 1, "The condition the client is most likely experiencing"),
          ("actions", "ACTIONS", 2, "Two actions the nurse should take"),
          ("parameters", "PARAMETERS", 2, "Two parameters the nurse should monitor"))
_NAMES = {"qti-text-entry-interaction": "text entry",
          "qti-extended-text-interaction": "extended text (essay)",
          "qti-upload-interaction": "file upload", "qti-slider-interaction": "slider",
          "qti-drawing-interaction": "drawing", "qti-media-interaction": "media",
          "qti-hotspot-interaction": "hotspot on an image",
          "qti-graphic-order-interaction": "graphic order",
          "qti-graphic-associate-interaction": "graphic associate",
          "qti-graphic-gap-match-interaction": "graphic gap match",
          "qti-select-point-interaction": "select point", "qti-position-object-interaction":
          "position object", "qti-gap-match-interaction": "gap match (drag words into gaps)",
          "qti-associate-interaction": "associate", "qti-custom-interaction": "custom",
          "qti-portable-custom-interaction": "portable custom (PCI)",
          "qti-end-attempt-interaction": "end attempt"}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "-" + m.group(1).lower(), name).lower()


def _normalise(el: ET.Element) -> None:
    """QTI 2.1 -> 3.0 names in place, and drop namespaces: one reader for both."""
    for e in el.iter():
        if not isinstance(e.tag, str):
            continue
        ns = e.tag[1:].split("}")[0] if e.tag.startswith("{") else ""
        name = local(e.tag)
        if ns == NS21 and name[:1].islower():
            name = name if name in _HTML else "qti-" + _kebab(name)
            for k in list(e.attrib):
                if not k.startswith("data-"):
                    e.attrib[_kebab(k)] = e.attrib.pop(k)
        e.tag = name


# --- import -----------------------------------------------------------------

def read(data: bytes, file: str) -> list:
    """One QTI item document (a package, a zip, is qti_package.read's: it reads members with this)."""
    root = parse_xml(data, file)
    _normalise(root)
    entries: list = []
    guard(entries, file, line_of(root), root.get("title") or root.get("identifier") or "",
          lambda: _read_item(root, file, None, lambda src: None))
    return entries


def _sections(body, default_heading: str | None) -> list[dict]:
    """[{heading, text}] from <section>/<div> blocks that start with a heading, else one part."""
    parts = []
    for block in body:
        kids = list(block)
        if block.tag in ("section", "div") and kids and re.fullmatch(r"h[1-6]", kids[0].tag or ""):
            heading = _text(kids[0], set())
            rest = clean(" ".join(_text(k, set()) + " " + clean(k.tail) for k in kids[1:]))
            parts.append({"heading": heading, "text": rest})
    if parts:
        return parts
    text = _text(body, set())
    return [{"heading": default_heading or "Case", "text": text}] if text else []


def _text(el, skip=_SKIP_TEXT) -> str:
    """Text of el without the text of nested interactions and feedback."""
    parts = [el.text or ""]
    for child in el:
        if child.tag not in skip and "rapport-unfold" not in (child.get("class") or ""):
            parts.append(" " + _text(child, skip) + " " if child.tag in _BLOCKS else _text(child, skip))
        parts.append(child.tail or "")
    return clean("".join(parts))


_BLOCKS = {"p", "div", "section", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th"}


def _declarations(item) -> dict[str, dict]:
    out = {}
    for rd in item.findall("qti-response-declaration"):
        values = [clean(v.text) for v in rd.findall("qti-correct-response/qti-value")]
        out[rd.get("identifier")] = {"cardinality": rd.get("cardinality"), "correct": values,
                                     "line": line_of(rd)}
    return out


def _choices(parent, tag: str, resp: str, feedback: dict, file: str) -> list[dict]:
    out = []
    for c in parent.findall(tag):
        cid = c.get("identifier")
        require(cid, file, line_of(c), f"{tag}/@identifier", "missing")
        o = {"id": cid, "text": _text(c)}
        require(o["text"], file, line_of(c), tag, f"choice {cid!r} has no text")
        if c.get("data-technique"):
            o["technique"] = c.get("data-technique")
        inline = [f for f in c.iter() if f.tag == "qti-feedback-inline"]
        rationale = feedback.get(f"{resp}.{cid}") or (clean("".join(inline[0].itertext())) if inline else "")
        if rationale:
            o["rationale"] = rationale
        out.append(o)
    return out


def _markup(el, leave_out=_SKIP_TEXT) -> str:
    """The XHTML inside el as an HTML string, without interactions and feedback."""
    parts = [html.escape(el.text or "", quote=False)]
    for child in el:
        if child.tag not in leave_out and not child.tag.startswith("qti-") \
                and "rapport-unfold" not in (child.get("class") or ""):
            c = copy.copy(child)
            c.tail = None
            parts.append(ET.tostring(c, encoding="unicode"))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _read_item(item, file: str, stimulus, find) -> Raw:
    require(item.tag == "qti-assessment-item", file, line_of(item), "qti-assessment-item",
            f"root element is <{item.tag}>, not a QTI item")
    body = item.find("qti-item-body")
    require(body is not None, file, line_of(item), "qti-item-body", "missing")
    meta = {m: body.get("data-rapport-" + m.replace("_", "-")) for m in META}
    tags = {k: v for k, v in meta.items() if v and k not in ("type", "scoring")}
    if meta["type"] or item.get("tool-name") == "Rapport":
        tags["id"] = item.get("identifier")
    decl = _declarations(item)
    notes: list[str] = []
    media: dict = {}
    feedback = {mf.get("identifier"): _text(mf, set()) for mf in item.iter()
                if mf.tag == "qti-modal-feedback" and mf.get("identifier")}
    found = [e for e in body.iter() if isinstance(e.tag, str) and e.tag.endswith("-interaction")]
    kinds = {e.tag for e in found}
    require(found, file, line_of(body), "qti-item-body", "no interaction")
    unknown = [e for e in found if e.tag not in _READERS and e.tag != "qti-inline-choice-interaction"]
    if unknown:
        raise FormatError(file, line_of(unknown[0]), unknown[0].tag,
                          f"{_NAMES.get(unknown[0].tag, unknown[0].tag)} has no equivalent in Rapport")
    if kinds == {"qti-inline-choice-interaction"}:
        d = _read_cloze(body, found, decl, feedback, file)
        stem_el = _stem_el(body)
        if stem_el is not None:
            richtext.attach(d, richtext.rich(_markup(stem_el), find, "rapport-stem", notes, media))
    elif meta["type"] == "bowtie" or (kinds == {"qti-choice-interaction"} and
                                      {e.get("response-identifier") for e in found} == {b[1] for b in BOWTIE}):
        d = _read_bowtie(body, found, decl, feedback, file)
    else:
        require(len(found) == 1, file, line_of(found[-1]), found[-1].tag,
                "several interactions in one item have no equivalent (only drop-down blanks "
                "or our bow-tie combine)")
        it = found[0]
        resp = it.get("response-identifier")
        require(resp in decl, file, line_of(it), "response-identifier",
                f"{resp!r} has no qti-response-declaration")
        d = _READERS[it.tag](it, decl[resp], resp, feedback, file)
        prompt = it.find("qti-prompt")
        stem = _text(prompt, set()) if prompt is not None else ""
        if it.tag == "qti-hottext-interaction" or not stem:
            lead = _text(body)
            stem = clean(f"{lead} {stem}") if it.tag == "qti-hottext-interaction" and lead and lead != stem \
                else stem or lead
        d["stem"] = stem
        require(d["stem"], file, line_of(it), "qti-prompt", "the item has no stem")
        if it.tag != "qti-hottext-interaction":
            source = prompt if prompt is not None and _text(prompt, set()) else body
            html_stem = richtext.rich(_markup(source), find, source.tag, notes, media)
            if html_stem:
                richtext.attach(d, html_stem)
        if it.get("shuffle") == "false":
            d["pin_options"] = True
    if meta["type"] in ("select_n", "dropdown_rationale") and d["type"] in ("select_all", "dropdown_cloze"):
        d["type"] = meta["type"]
        if d["type"] == "select_n":
            d["n"] = len(d["key"])
    if d["type"] == "ordered_response":
        d["scoring"] = meta["scoring"] or "all_or_nothing"
    if feedback.get("GENERAL"):
        d["general_feedback"] = feedback["GENERAL"]
    unfold = [e for e in body.iter() if "rapport-unfold" in (e.get("class") or "")]
    if unfold:
        d["unfold"] = _sections(unfold[0], None)
    case = None
    ref = item.find("qti-assessment-stimulus-ref")
    if ref is not None and stimulus is not None:
        case = stimulus(ref)
        notes += case.pop("notes", [])      # reported once, with the case's first item
    return Raw(d, line_of(item), tags, name=item.get("title") or item.get("identifier") or "", case=case,
               file=file, notes=notes, media=media)


def _read_choice(it, decl, resp, feedback, file) -> dict:
    options = _choices(it, "qti-simple-choice", resp, feedback, file)
    key = decl["correct"]
    require(key, file, decl["line"], "qti-correct-response", "missing")
    if decl["cardinality"] == "single" or it.get("max-choices") == "1":
        require(len(key) == 1, file, decl["line"], "qti-correct-response", "one value expected")
        return {"type": "multiple_choice", "options": options, "key": key[0]}
    return {"type": "select_all", "options": options, "key": key}


def _read_order(it, decl, resp, feedback, file) -> dict:
    options = _choices(it, "qti-simple-choice", resp, feedback, file)
    require(decl["correct"], file, decl["line"], "qti-correct-response", "missing")
    return {"type": "ordered_response", "options": options, "key": decl["correct"]}


def _read_match(it, decl, resp, feedback, file) -> dict:
    sets = it.findall("qti-simple-match-set")
    require(len(sets) == 2, file, line_of(it), "qti-simple-match-set", "two sets expected")
    rows = _choices(sets[0], "qti-simple-associable-choice", resp, feedback, file)
    cols = [{"id": c["id"], "text": c["text"]} for c in
            _choices(sets[1], "qti-simple-associable-choice", resp, {}, file)]
    pairs: dict[str, list[str]] = {}
    for v in decl["correct"]:
        a, _, b = v.partition(" ")
        require(a and b, file, decl["line"], "qti-correct-response", f"{v!r} is not a 'row column' pair")
        pairs.setdefault(a, []).append(b.strip())
    row_max = {c.get("identifier"): c.get("match-max") for c in sets[0]}
    multi = any(len(v) > 1 for v in pairs.values()) or any(m not in (None, "1") for m in row_max.values())
    for r in rows:
        if multi:
            r["key"] = pairs.get(r["id"], [])
        else:
            require(r["id"] in pairs, file, decl["line"], "qti-correct-response", f"row {r['id']!r} has no key")
            r["key"] = pairs[r["id"]][0]
    return {"type": "matrix_multiple_response" if multi else "matrix_multiple_choice",
            "columns": cols, "rows": rows}


def _read_hottext(it, decl, resp, feedback, file) -> dict:
    key = decl["correct"]
    require(key, file, decl["line"], "qti-correct-response", "missing")
    passage: list[dict] = []
    n = 0

    def plain(text: str) -> None:
        nonlocal n
        text = clean(text)
        if text:
            n += 1
            passage.append({"id": f"t{n}", "text": text, "selectable": False})

    def walk(el) -> None:
        plain(el.text or "")
        for child in el:
            if child.tag == "qti-hottext":
                hid = child.get("identifier")
                require(hid, file, line_of(child), "qti-hottext/@identifier", "missing")
                seg = {"id": hid, "text": _text(child), "selectable": True}
                if child.get("data-technique"):
                    seg["technique"] = child.get("data-technique")
                if feedback.get(f"{resp}.{hid}"):
                    seg["rationale"] = feedback[f"{resp}.{hid}"]
                passage.append(seg)
            elif child.get("data-segment"):
                passage.append({"id": child.get("data-segment"), "text": _text(child), "selectable": False})
            elif child.tag not in ("qti-prompt",) and child.tag not in _SKIP_TEXT:
                walk(child)
            plain(child.tail or "")
    walk(it)
    return {"type": "highlight", "passage": passage, "key": key}


_READERS = {"qti-choice-interaction": _read_choice, "qti-order-interaction": _read_order,
            "qti-match-interaction": _read_match, "qti-hottext-interaction": _read_hottext}


def _stem_el(body):
    stem = [p for p in body.iter() if "rapport-stem" in (p.get("class") or "")]
    return stem[0] if stem else None


def _stem_of(body) -> str:
    el = _stem_el(body)
    return _text(el, set()) if el is not None else ""


def _read_bowtie(body, found, decl, feedback, file) -> dict:
    by_resp = {e.get("response-identifier"): e for e in found}
    d: dict = {"type": "bowtie"}
    key: dict = {}
    for name, resp, slots, _prompt in BOWTIE:
        it = by_resp.get(resp)
        require(it is not None and resp in decl, file, line_of(body), "qti-choice-interaction",
                f"a bow-tie needs the {resp} interaction and its declaration")
        d[name] = _choices(it, "qti-simple-choice", resp, feedback, file)
        correct = decl[resp]["correct"]
        require(len(correct) == slots, file, decl[resp]["line"], "qti-correct-response",
                f"{resp} needs {slots} correct value(s)")
        key["condition" if name == "conditions" else name] = correct[0] if slots == 1 else correct
        if it.get("shuffle") == "false":
            d["pin_options"] = True
    d["stem"] = _stem_of(body) or _text(body)
    require(d["stem"], file, line_of(body), "qti-item-body", "the item has no stem")
    d["key"] = key
    return d


def _read_cloze(body, found, decl, feedback, file) -> dict:
    holders = {}
    for p in body.iter():
        for child in p:
            if child in found:
                holders[id(p)] = p
    blanks, text_parts = [], []
    for holder in holders.values():
        parts = [holder.text or ""]
        for child in holder:
            if child.tag == "qti-inline-choice-interaction":
                resp = child.get("response-identifier")
                require(resp in decl and decl[resp]["correct"], file, line_of(child),
                        "response-identifier", f"{resp!r} has no correct response")
                opts = _choices(child, "qti-inline-choice", resp, feedback, file)
                blanks.append({"id": resp, "options": opts, "key": decl[resp]["correct"][0]})
                parts.append("{{" + resp + "}}")
            else:
                parts.append(_text(child))
            parts.append(child.tail or "")
        text_parts.append(clean("".join(parts)))
    stem = _stem_of(body) or " ".join(_text(b) for b in body if id(b) not in holders and _text(b)
                                      and "rapport-unfold" not in (b.get("class") or ""))
    d = {"type": "dropdown_cloze", "stem": stem or "Complete the sentence by choosing from the lists.",
         "text": " ".join(text_parts), "blanks": blanks}
    if all(f.get("shuffle") == "false" for f in found):
        d["pin_options"] = True
    return d
