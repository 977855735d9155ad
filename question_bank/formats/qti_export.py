"""QTI 3.0 export: a content package of items (our extra fields as data-rapport-* attributes),
one shared stimulus per case study, an assessment test with a section per case, and the
manifest. The mapping of item types is described in qti.py, which reads the same files."""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile

from . import richtext
from .common import ExportResult, Skipped
from .qti import BOWTIE, CP_NS, META, NS3, RP


def _q(tag: str) -> str:
    return f"{{{NS3}}}{tag}"


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, _q(tag), {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _declare(item, ident, cardinality, base, correct, mapping=None, lower="0"):
    rd = _sub(item, "qti-response-declaration", identifier=ident, cardinality=cardinality, base_type=base)
    cr = _sub(rd, "qti-correct-response")
    for v in correct:
        _sub(cr, "qti-value", v)
    if mapping:
        m = _sub(rd, "qti-mapping", lower_bound=lower, default_value="0")
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


def _sections_el(parent, parts: list[dict], cls: str | None = None):
    holder = _sub(parent, "div", **({"class": cls} if cls else {}))
    for part in parts:
        sec = _sub(holder, "section")
        _sub(sec, "h3", part.get("heading", ""))
        _sub(sec, "p", part.get("text", ""))
    return holder


def _stem_el(parent, tag: str, d: dict, media: dict | None, **attrs):
    """The stem as tag: its sanitised HTML (images as ../media/ files) when it has some and
    every image is at hand, else its plain text."""
    rich, _ = richtext.for_export(d, media, lambda m: "../media/" + richtext.file_name(m))
    if rich is None:
        return _sub(parent, tag, d["stem"], **attrs)
    el = _sub(parent, tag, **attrs)
    holder = ET.fromstring(f'<div xmlns="{NS3}">{richtext.to_xhtml(rich)}</div>')
    el.text = holder.text
    el.extend(list(holder))
    return el


def item_xml(d: dict, stimulus_href: str | None = None, case: dict | None = None,
             media: dict | None = None) -> bytes:
    """One item as a QTI 3.0 file; media (sha256 -> richtext.Media) holds the images its
    stem_html shows, written by write() under media/."""
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
    elif t in ("matrix_multiple_choice", "matrix_multiple_response"):
        pairs = [f"{r['id']} {k}" for r in d["rows"]
                 for k in ([r["key"]] if isinstance(r["key"], str) else r["key"])]
        wrong = {} if t == "matrix_multiple_choice" else {
            f"{r['id']} {c['id']}": "-1" for r in d["rows"] for c in d["columns"]}
        _declare(item, "RESPONSE", "multiple", "directedPair", pairs, {**wrong, **{p: "1" for p in pairs}})
        rp = "map_response"
    elif t == "highlight":
        mapping = {s["id"]: ("1" if s["id"] in d["key"] else "-1") for s in d["passage"] if s.get("selectable")}
        _declare(item, "RESPONSE", "multiple", "identifier", list(d["key"]), mapping)
        rp = "map_response"
    elif t == "bowtie":
        for name, resp, slots, _ in BOWTIE:
            k = d["key"]["condition"] if name == "conditions" else d["key"][name]
            keys = [k] if isinstance(k, str) else list(k)
            _declare(item, resp, "single" if slots == 1 else "multiple", "identifier", keys,
                     {v: "1" for v in keys})
        rp = None
    else:
        raise ValueError(f"no QTI mapping for type {t!r}")
    _sub(item, "qti-outcome-declaration", identifier="SCORE", cardinality="single", base_type="float")
    _sub(item, "qti-outcome-declaration", identifier="FEEDBACK", cardinality="multiple",
         base_type="identifier")
    if stimulus_href:
        _sub(item, "qti-assessment-stimulus-ref", identifier=case["id"], href=stimulus_href,
             title=case.get("title", case["id"]))
    body = _sub(item, "qti-item-body")
    for m in META:
        value = d["type"] if m == "type" else d.get(m)
        if value is not None:
            body.set("data-rapport-" + m.replace("_", "-"), str(value))
    if d.get("unfold"):
        _sections_el(body, d["unfold"], "rapport-unfold")
    if t in ("dropdown_cloze", "dropdown_rationale"):
        _stem_el(body, "div" if d.get("stem_html") else "p", d, media, **{"class": "rapport-stem"})
        _cloze_paragraph(body, d, shuffle, feedbacks)
    elif t == "bowtie":
        _sub(body, "p", d["stem"], **{"class": "rapport-stem"})
        for name, resp, slots, prompt in BOWTIE:
            it = _sub(body, "qti-choice-interaction", response_identifier=resp, shuffle=shuffle,
                      max_choices=str(slots), min_choices="0")
            _sub(it, "qti-prompt", prompt)
            for o in d[name]:
                _choice_el(it, "qti-simple-choice", o, feedbacks, resp)
    elif t in ("matrix_multiple_choice", "matrix_multiple_response"):
        multi = t == "matrix_multiple_response"
        it = _sub(body, "qti-match-interaction", response_identifier="RESPONSE", shuffle=shuffle,
                  max_associations=str(len(d["rows"]) * (len(d["columns"]) if multi else 1)))
        _stem_el(it, "qti-prompt", d, media)
        rows, cols = _sub(it, "qti-simple-match-set"), _sub(it, "qti-simple-match-set")
        for r in d["rows"]:
            _choice_el(rows, "qti-simple-associable-choice", r, feedbacks, "RESPONSE").set(
                "match-max", str(len(d["columns"])) if multi else "1")
        for c in d["columns"]:
            _choice_el(cols, "qti-simple-associable-choice", c, feedbacks, "RESPONSE").set(
                "match-max", str(len(d["rows"])))
    elif t == "highlight":
        it = _sub(body, "qti-hottext-interaction", response_identifier="RESPONSE", max_choices="0")
        _stem_el(it, "qti-prompt", d, media)
        p = _sub(it, "p")
        last = None
        for s in d["passage"]:
            if s.get("selectable"):
                last = _choice_el(p, "qti-hottext", s, feedbacks, "RESPONSE")
            else:
                last = _sub(p, "span", s["text"], data_segment=s.get("id") or "")
            last.tail = " "
    else:
        tag = "qti-order-interaction" if t == "ordered_response" else "qti-choice-interaction"
        attrs = {"response_identifier": "RESPONSE", "shuffle": shuffle}
        if tag == "qti-choice-interaction":
            attrs["max_choices"] = {"multiple_choice": 1, "select_n": d.get("n", 0)}.get(t, 0)
        it = _sub(body, tag, **attrs)
        _stem_el(it, "qti-prompt", d, media)
        for o in d["options"]:
            _choice_el(it, "qti-simple-choice", o, feedbacks, "RESPONSE")
    if rp:
        _sub(item, "qti-response-processing", template=RP + rp + ".xml")
    else:
        proc = _sub(item, "qti-response-processing")
        resps = [b["id"] for b in d.get("blanks", [])] or [b[1] for b in BOWTIE]
        for r in resps:
            so = _sub(proc, "qti-set-outcome-value", identifier="SCORE")
            s = _sub(so, "qti-sum")
            _sub(s, "qti-variable", identifier="SCORE")
            _sub(s, "qti-map-response", identifier=r)
    if d.get("general_feedback"):
        feedbacks.append(("GENERAL", d["general_feedback"]))
    for ident, text in feedbacks:       # QTI 3.0: feedback content sits in a qti-content-body
        mf = _sub(item, "qti-modal-feedback", outcome_identifier="FEEDBACK", identifier=ident, show_hide="show")
        _sub(_sub(mf, "qti-content-body"), "p", text)
    ET.indent(item)
    return ET.tostring(item, encoding="UTF-8", xml_declaration=True)


def _cloze_paragraph(body, d, shuffle, feedbacks):
    p = _sub(body, "p", **{"class": "rapport-cloze"})
    blanks = {b["id"]: b for b in d["blanks"]}
    pieces = re.split(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}", d["text"])
    p.text = pieces[0]
    for i in range(1, len(pieces), 2):
        b = blanks[pieces[i]]
        last = _sub(p, "qti-inline-choice-interaction", response_identifier=b["id"], shuffle=shuffle)
        for o in b["options"]:
            _choice_el(last, "qti-inline-choice", o, feedbacks, b["id"])
        last.tail = pieces[i + 1]


def stimulus_xml(cs: dict) -> bytes:
    root = ET.Element(_q("qti-assessment-stimulus"), {
        "identifier": cs["id"], "title": cs.get("title", cs["id"]),
        "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    body = _sub(root, "qti-stimulus-body")
    for m in ("version", "topic"):
        if cs.get(m) is not None:
            body.set(f"data-rapport-{m}", str(cs[m]))
    for part in cs.get("stimulus", []):
        sec = _sub(body, "section")
        _sub(sec, "h3", part.get("heading", ""))
        _sub(sec, "p", part.get("text", ""))
    ET.indent(root)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


EXPORTABLE = {"multiple_choice", "select_all", "select_n", "ordered_response",
              "dropdown_cloze", "dropdown_rationale", "matrix_multiple_choice",
              "matrix_multiple_response", "highlight", "bowtie"}


def write(items: list[dict], case_studies: list[dict] | None = None, media: dict | None = None) -> ExportResult:
    """media: sha256 -> richtext.Media for the images the items' stem_html shows."""
    buf = io.BytesIO()
    skipped, written, sections = [], [], []
    images: set[str] = set()
    by_id = {d.get("id"): d for d in items}
    case_of = {i: cs for cs in case_studies or [] for i in cs.get("items", [])}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for cs in case_studies or []:
            href = f"stimuli/{cs['id']}.xml"
            z.writestr(href, stimulus_xml(cs))
            written.append((cs["id"], href, "imsqti_stimulus_xmlv3p0", []))
            sections.append((cs, [i for i in cs.get("items", []) if i in by_id]))
        ordered = [by_id[i] for _, ids in sections for i in ids] + \
                  [d for d in items if d.get("id") not in case_of]
        for d in ordered:
            if d.get("type") not in EXPORTABLE:
                skipped.append(Skipped(d.get("id", "?"), d.get("type", "?"), "no QTI 3.0 mapping"))
                continue
            cs = case_of.get(d["id"])
            name = f"items/{d['id']}.xml"
            z.writestr(name, item_xml(d, f"../stimuli/{cs['id']}.xml" if cs else None, cs, media))
            _, used = richtext.for_export(d, media, richtext.file_name)
            files = [f"media/{richtext.file_name(m)}" for m in used]
            for m, f in zip(used, files):
                if f not in images:
                    images.add(f)
                    z.writestr(f, m.data)
            written.append((d["id"], name, "imsqti_item_xmlv3p0", files))
        z.writestr("tests/rapport-export.xml", _test(sections, [d["id"] for d in ordered
                                                                if d.get("id") not in case_of
                                                                and d.get("type") in EXPORTABLE]))
        written.append(("rapport-export-test", "tests/rapport-export.xml", "imsqti_test_xmlv3p0", []))
        z.writestr("imsmanifest.xml", _manifest(written))
    return ExportResult(buf.getvalue(), "application/zip", "zip", skipped)


def _test(sections, loose: list[str]) -> bytes:
    """An assessment test: a section per case study (fixed order) and one for the rest."""
    t = ET.Element(_q("qti-assessment-test"), {"identifier": "rapport-export", "title": "Rapport export"})
    part = _sub(t, "qti-test-part", identifier="part-1", navigation_mode="linear",
                submission_mode="individual")
    for cs, ids in sections:
        sec = _sub(part, "qti-assessment-section", identifier=f"case-{cs['id']}",
                   title=cs.get("title", cs["id"]), visible="true")
        for i in ids:
            _sub(sec, "qti-assessment-item-ref", identifier=i, href=f"../items/{i}.xml")
    if loose:
        sec = _sub(part, "qti-assessment-section", identifier="items", title="Items", visible="true")
        for i in loose:
            _sub(sec, "qti-assessment-item-ref", identifier=i, href=f"../items/{i}.xml")
    ET.indent(t)
    return ET.tostring(t, encoding="UTF-8", xml_declaration=True)


def _manifest(written) -> bytes:
    m = ET.Element(f"{{{CP_NS}}}manifest", {"identifier": "rapport-export"})
    meta = ET.SubElement(m, f"{{{CP_NS}}}metadata")
    ET.SubElement(meta, f"{{{CP_NS}}}schema").text = "QTI Package"
    ET.SubElement(meta, f"{{{CP_NS}}}schemaversion").text = "3.0.0"
    ET.SubElement(m, f"{{{CP_NS}}}organizations")
    res = ET.SubElement(m, f"{{{CP_NS}}}resources")
    for ident, href, kind, files in written:
        r = ET.SubElement(res, f"{{{CP_NS}}}resource",
                          {"identifier": f"res-{ident}", "type": kind, "href": href})
        for f in [href] + files:
            ET.SubElement(r, f"{{{CP_NS}}}file", {"href": f})
    ET.indent(m)
    return ET.tostring(m, encoding="UTF-8", xml_declaration=True)
