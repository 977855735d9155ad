"""QTI 3.0 import and export; QTI 2.1 import (same interactions, camelCase names).

Mapping:
  qti-choice-interaction max-choices=1     <-> multiple_choice
  qti-choice-interaction max-choices=0/n   <-> select_all / select_n (map_response, +1/-1, floor 0)
  qti-order-interaction                    <-> ordered_response
  qti-inline-choice-interaction (1+)       <-> dropdown_cloze / dropdown_rationale
  qti-match-interaction                    <-> matrix_multiple_choice (set 1 rows, set 2 columns)

Our extra fields: the item identifier is our id; qti-item-body carries data-rapport-type,
-version, -topic, -client-need, -cjmm-skill, -bloom, -difficulty, -scoring; each choice
carries data-technique; each rationale is a qti-modal-feedback whose identifier is
"<response identifier>.<choice identifier>". A foreign qti-feedback-inline inside a choice
is read as that choice's rationale. The stem is the interaction's qti-prompt (cloze: the
body's other blocks). Export writes a content package (zip with imsmanifest.xml).
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib

from .common import (MAX_IMPORT_BYTES, ExportResult, FormatError, Raw, Skipped, clean, line_of, local,
                     parse_xml, require)

NS3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
NS21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
RP = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
META = ("version", "topic", "client_need", "cjmm_skill", "bloom", "difficulty", "scoring", "type")
ET.register_namespace("", NS3)   # QTI files use the default namespace
MAX_MEMBERS, MAX_UNZIPPED = 5000, 100 * 1024 * 1024
_SKIP_TEXT = {"qti-feedback-inline", "qti-choice-interaction", "qti-order-interaction",
              "qti-match-interaction", "qti-modal-feedback", "qti-prompt"}


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "-" + m.group(1).lower(), name).lower()


def _normalise(el: ET.Element) -> None:
    """QTI 2.1 -> 3.0 names in place, and drop namespaces: one reader for both."""
    for e in el.iter():
        ns = e.tag[1:].split("}")[0] if e.tag.startswith("{") else ""
        name = local(e.tag)
        if ns == NS21 and name[0].islower():
            html = name in {"p", "div", "span", "br", "b", "i", "em", "strong", "ul", "ol", "li"}
            name = name if html else "qti-" + _kebab(name)
            for k in list(e.attrib):
                if not k.startswith("data-"):
                    e.attrib[_kebab(k)] = e.attrib.pop(k)
        e.tag = name


# --- import -----------------------------------------------------------------

def read(data: bytes, file: str) -> list[Raw]:
    if data[:4] == b"PK\x03\x04":
        return _read_package(data, file)
    return [_read_item(parse_xml(data, file), file)]


def _read_package(data: bytes, file: str) -> list[Raw]:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as e:
        raise FormatError(file, None, "package", f"not a zip file: {e}")
    infos = z.infolist()
    require(len(infos) <= MAX_MEMBERS, file, None, "package", "too many files")
    require(sum(i.file_size for i in infos) <= MAX_UNZIPPED, file, None, "package", "too large unzipped")
    names = [i.filename for i in infos]
    order = [n for n in names if n.endswith(".xml") and n != "imsmanifest.xml"]
    if "imsmanifest.xml" in names:
        man = parse_xml(_member(z, "imsmanifest.xml", file), f"{file}/imsmanifest.xml")
        hrefs = [r.get("href") for r in man.iter() if local(r.tag) == "resource"
                 and "imsqti_item" in (r.get("type") or "") and r.get("href")]
        if hrefs:
            missing = [h for h in hrefs if h not in names]
            require(not missing, f"{file}/imsmanifest.xml", None, "resource/@href",
                    f"names files not in the package: {missing[:3]}")
            order = hrefs
    return [_read_item(parse_xml(_member(z, n, file), f"{file}/{n}"), f"{file}/{n}") for n in order]


# What a damaged, encrypted or oddly compressed zip raises from the standard library.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, ValueError,
               EOFError, OSError, zlib.error, KeyError)


def _member(z: zipfile.ZipFile, name: str, file: str) -> bytes:
    """One member's bytes, read no further than the import cap whatever its header claims."""
    try:
        with z.open(name) as f:
            return f.read(MAX_IMPORT_BYTES + 1)
    except _ZIP_ERRORS as e:
        raise FormatError(f"{file}/{name}", None, "package", f"cannot read this file from the package: {e}")


def _text(el, skip=_SKIP_TEXT) -> str:
    """Text of el without the text of nested interactions and feedback."""
    parts = [el.text or ""]
    for child in el:
        if local(child.tag) not in skip:
            parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return clean("".join(parts))


def _declarations(item, file: str) -> dict[str, dict]:
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
        inline = [f for f in c.iter() if local(f.tag) == "qti-feedback-inline"]
        rationale = feedback.get(f"{resp}.{cid}") or (clean("".join(inline[0].itertext())) if inline else "")
        if rationale:
            o["rationale"] = rationale
        out.append(o)
    return out


def _read_item(item, file: str) -> Raw:
    _normalise(item)
    require(item.tag == "qti-assessment-item", file, line_of(item), "qti-assessment-item",
            f"root element is <{item.tag}>")
    body = item.find("qti-item-body")
    require(body is not None, file, line_of(item), "qti-item-body", "missing")
    meta = {m: body.get("data-rapport-" + m.replace("_", "-")) for m in META}
    tags = {k: v for k, v in meta.items() if v and k not in ("type", "scoring")}
    if meta["type"] or item.get("tool-name") == "Rapport":
        tags["id"] = item.get("identifier")
    decl = _declarations(item, file)
    feedback = {mf.get("identifier"): _text(mf, set()) for mf in item.iter()
                if mf.tag == "qti-modal-feedback" and mf.get("identifier")}
    found = [e for e in body.iter() if e.tag.endswith("-interaction")]
    kinds = {e.tag for e in found}
    require(found, file, line_of(body), "qti-item-body", "no interaction")
    if kinds == {"qti-inline-choice-interaction"}:
        d = _read_cloze(body, found, decl, feedback, file)
    else:
        require(len(found) == 1, file, line_of(found[-1]), found[-1].tag,
                "one interaction per item is supported (or inline choices only)")
        it = found[0]
        reader = _READERS.get(it.tag)
        require(reader, file, line_of(it), it.tag, "unsupported interaction")
        resp = it.get("response-identifier")
        require(resp in decl, file, line_of(it), "response-identifier",
                f"{resp!r} has no qti-response-declaration")
        d = reader(it, decl[resp], resp, feedback, file)
        prompt = it.find("qti-prompt")
        d["stem"] = _text(prompt, set()) if prompt is not None else _text(body)
        require(d["stem"], file, line_of(it), "qti-prompt", "the item has no stem")
        if it.get("shuffle") == "false":
            d["pin_options"] = True
    if meta["type"] in ("select_n", "dropdown_rationale") and d["type"] in ("select_all", "dropdown_cloze"):
        d["type"] = meta["type"]
        if d["type"] == "select_n":
            d["n"] = len(d["key"])
    if d["type"] == "ordered_response":
        d["scoring"] = meta["scoring"] or "all_or_nothing"
    return Raw(d, line_of(item), tags)


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
    pairs = dict(v.split() for v in decl["correct"] if len(v.split()) == 2)
    for r in rows:
        require(r["id"] in pairs, file, decl["line"], "qti-correct-response", f"row {r['id']!r} has no key")
        r["key"] = pairs[r["id"]]
    return {"type": "matrix_multiple_choice", "columns": cols, "rows": rows}


_READERS = {"qti-choice-interaction": _read_choice, "qti-order-interaction": _read_order,
            "qti-match-interaction": _read_match}


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
    stem = " ".join(_text(b) for b in body if id(b) not in holders and _text(b))
    d = {"type": "dropdown_cloze", "stem": stem or "Complete the sentence by choosing from the lists.",
         "text": " ".join(text_parts), "blanks": blanks}
    if all(f.get("shuffle") == "false" for f in found):
        d["pin_options"] = True
    return d


# --- export -----------------------------------------------------------------

def _q(tag: str) -> str:
    return f"{{{NS3}}}{tag}"


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, _q(tag), {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _declare(item, ident, cardinality, base, correct, mapping=None):
    rd = _sub(item, "qti-response-declaration", identifier=ident, cardinality=cardinality, base_type=base)
    cr = _sub(rd, "qti-correct-response")
    for v in correct:
        _sub(cr, "qti-value", v)
    if mapping:
        m = _sub(rd, "qti-mapping", lower_bound="0", default_value="0")
        for k, v in mapping.items():
            _sub(m, "qti-map-entry", map_key=k, mapped_value=v)


def _choice_el(parent, tag, o, feedbacks, resp):
    attrs = {"identifier": o["id"]}
    if o.get("technique"):
        attrs["data-technique"] = o["technique"]
    el = ET.SubElement(parent, _q(tag), attrs)
    el.text = o["text"]
    if o.get("rationale"):
        feedbacks.append((f"{resp}.{o['id']}", o["rationale"]))
    return el


def item_xml(d: dict) -> bytes:
    t = d["type"]
    item = ET.Element(_q("qti-assessment-item"), {
        "identifier": d["id"], "title": d["id"], "adaptive": "false", "time-dependent": "false",
        "tool-name": "Rapport", "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    shuffle = "false" if d.get("pin_options") else "true"
    feedbacks: list[tuple[str, str]] = []
    rp = "match_correct"
    if t in ("multiple_choice", "select_all", "select_n"):
        keys = [d["key"]] if t == "multiple_choice" else list(d["key"])
        mapping = None if t == "multiple_choice" else {
            o["id"]: ("1" if o["id"] in keys else "-1") for o in d["options"]}
        _declare(item, "RESPONSE", "single" if t == "multiple_choice" else "multiple",
                 "identifier", keys, mapping)
        rp = "match_correct" if t == "multiple_choice" else "map_response"
    elif t == "ordered_response":
        _declare(item, "RESPONSE", "ordered", "identifier", d["key"])
    elif t in ("dropdown_cloze", "dropdown_rationale"):
        for b in d["blanks"]:
            _declare(item, b["id"], "single", "identifier", [b["key"]], {b["key"]: "1"})
        rp = None
    elif t == "matrix_multiple_choice":
        pairs = [f"{r['id']} {r['key']}" for r in d["rows"]]
        _declare(item, "RESPONSE", "multiple", "directedPair", pairs, {p: "1" for p in pairs})
        rp = "map_response"
    _sub(item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float")
    _sub(item, "qti-outcome-declaration", identifier="FEEDBACK", cardinality="multiple",
         base_type="identifier")
    body = _sub(item, "qti-item-body")
    for m in META:
        value = d["type"] if m == "type" else d.get(m)
        if value is not None:
            body.set("data-rapport-" + m.replace("_", "-"), str(value))
    if t in ("dropdown_cloze", "dropdown_rationale"):
        _sub(body, "p", d["stem"], **{"class": "rapport-stem"})
        _cloze_paragraph(body, d, shuffle, feedbacks)
    elif t == "matrix_multiple_choice":
        it = _sub(body, "qti-match-interaction", response_identifier="RESPONSE", shuffle=shuffle,
                  max_associations=str(len(d["rows"])))
        _sub(it, "qti-prompt", d["stem"])
        rows, cols = _sub(it, "qti-simple-match-set"), _sub(it, "qti-simple-match-set")
        for r in d["rows"]:
            _choice_el(rows, "qti-simple-associable-choice", r, feedbacks, "RESPONSE").set("match-max", "1")
        for c in d["columns"]:
            _choice_el(cols, "qti-simple-associable-choice", c, feedbacks, "RESPONSE").set(
                "match-max", str(len(d["rows"])))
    else:
        tag = "qti-order-interaction" if t == "ordered_response" else "qti-choice-interaction"
        attrs = {"response_identifier": "RESPONSE", "shuffle": shuffle}
        if tag == "qti-choice-interaction":
            attrs["max_choices"] = {"multiple_choice": 1, "select_n": d.get("n", 0)}.get(t, 0)
        it = _sub(body, tag, **attrs)
        _sub(it, "qti-prompt", d["stem"])
        for o in d["options"]:
            _choice_el(it, "qti-simple-choice", o, feedbacks, "RESPONSE")
    if rp:
        _sub(item, "qti-response-processing", template=RP + rp + ".xml")
    else:
        proc = _sub(item, "qti-response-processing")
        for b in d["blanks"]:
            so = _sub(proc, "qti-set-outcome-value", identifier="SCORE")
            s = _sub(so, "qti-sum")
            _sub(s, "qti-variable", identifier="SCORE")
            _sub(s, "qti-map-response", identifier=b["id"])
    for ident, text in feedbacks:
        _sub(item, "qti-modal-feedback", text, outcome_identifier="FEEDBACK", identifier=ident,
             show_hide="show")
    ET.indent(item)
    return ET.tostring(item, encoding="UTF-8", xml_declaration=True)


def _cloze_paragraph(body, d, shuffle, feedbacks):
    p = _sub(body, "p", **{"class": "rapport-cloze"})
    blanks = {b["id"]: b for b in d["blanks"]}
    pieces = re.split(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}", d["text"])
    p.text = pieces[0]
    last = None
    for i in range(1, len(pieces), 2):
        b = blanks[pieces[i]]
        last = _sub(p, "qti-inline-choice-interaction", response_identifier=b["id"], shuffle=shuffle)
        for o in b["options"]:
            _choice_el(last, "qti-inline-choice", o, feedbacks, b["id"])
        last.tail = pieces[i + 1]


EXPORTABLE = {"multiple_choice", "select_all", "select_n", "ordered_response",
              "dropdown_cloze", "dropdown_rationale", "matrix_multiple_choice"}


def write(items: list[dict]) -> ExportResult:
    buf = io.BytesIO()
    skipped, written = [], []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for d in items:
            if d.get("type") not in EXPORTABLE:
                skipped.append(Skipped(d.get("id", "?"), d.get("type", "?"),
                                       "no QTI 3.0 interaction mapping in Rapport yet"))
                continue
            name = f"items/{d['id']}.xml"
            z.writestr(name, item_xml(d))
            written.append((d["id"], name))
        z.writestr("imsmanifest.xml", _manifest(written))
    return ExportResult(buf.getvalue(), "application/zip", "zip", skipped)


def _manifest(written) -> bytes:
    m = ET.Element(f"{{{CP_NS}}}manifest", {"identifier": "rapport-export"})
    ET.SubElement(m, f"{{{CP_NS}}}organizations")
    res = ET.SubElement(m, f"{{{CP_NS}}}resources")
    for ident, href in written:
        r = ET.SubElement(res, f"{{{CP_NS}}}resource",
                          {"identifier": f"res-{ident}", "type": "imsqti_item_xmlv3p0", "href": href})
        ET.SubElement(r, f"{{{CP_NS}}}file", {"href": href})
    ET.indent(m)
    return ET.tostring(m, encoding="UTF-8", xml_declaration=True)
