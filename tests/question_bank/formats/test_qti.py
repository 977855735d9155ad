"""QTI 3.0 import/export and QTI 2.1 import."""
import io
import re
import zipfile
from pathlib import Path

import pytest

from question_bank.formats import FormatError, export_items, import_bytes, import_file
from question_bank.formats.qti_export import item_xml
from tests.question_bank.formats.files import FIXTURES, roundtrip_case, roundtrip_items, zip_dir  # noqa: F401

SAMPLES = Path(__file__).parent / "samples"


def _one(name, **kw):
    (d,), report = import_file(SAMPLES / name, "qti", topic="empathy", **kw)
    return d


def test_choice_with_inline_and_modal_feedback():
    d = _one("qti3_choice.xml")
    assert d["type"] == "multiple_choice" and d["key"] == "C2" and d["pin_options"] is True
    assert d["id"] == "imp-qti3-choice-001"            # a foreign identifier is not our id
    assert d["stem"] == "Which response is most therapeutic?"
    assert d["options"][0]["text"] == '"Calm down, please."'
    assert d["options"][0]["rationale"] == "This dismisses the anger."     # qti-feedback-inline
    assert d["options"][1]["rationale"] == "Reflection of feeling."        # qti-modal-feedback


def test_multiple_choice_interaction_is_select_all():
    d = _one("qti3_select.xml")
    assert d["type"] == "select_all" and d["key"] == ["a", "c"] and len(d["options"]) == 5


def test_order_interaction():
    d = _one("qti3_order.xml")
    assert d["type"] == "ordered_response" and d["key"] == ["s2", "s1", "s4", "s3"]
    assert d["scoring"] == "all_or_nothing"


def test_inline_choice_interactions_are_cloze():
    d = _one("qti3_cloze.xml")
    assert d["type"] == "dropdown_cloze"
    assert d["stem"] == "A client cries after a phone call."
    assert d["text"] == "The nurse should {{G1}} because it {{G2}}."
    assert [(b["id"], b["key"]) for b in d["blanks"]] == [("G1", "x"), ("G2", "q")]


def test_match_interaction_is_matrix():
    d = _one("qti3_match.xml")
    assert d["type"] == "matrix_multiple_choice"
    assert d["columns"] == [{"id": "th", "text": "Therapeutic"}, {"id": "non", "text": "Nontherapeutic"}]
    assert [(r["id"], r["key"]) for r in d["rows"]] == [("r1", "th"), ("r2", "non"), ("r3", "th")]


def test_qti_21_import():
    d = _one("qti21_choice.xml")
    assert d["type"] == "multiple_choice" and d["key"] == "B"
    assert d["stem"] == "A client pauses mid-sentence. What should the nurse do?"
    assert d["options"][1] == {"id": "B", "text": "Wait quietly and attentively",
                               "rationale": "Silence gives time to think."}


def test_round_trip_equality_through_a_package(roundtrip_items):
    result = export_items(roundtrip_items, "qti")
    assert result.skipped == [] and result.extension == "zip"
    names = zipfile.ZipFile(io.BytesIO(result.data)).namelist()
    assert "imsmanifest.xml" in names and "items/rt-001.xml" in names
    calls = []
    back, report = import_bytes(result.data, "qti", "export.zip", progress=lambda *a: calls.append(a))
    assert back == roundtrip_items and report.skipped == []
    assert calls[-1] == (len(roundtrip_items), len(roundtrip_items))


def test_case_study_is_a_shared_stimulus_and_a_section(roundtrip_items, roundtrip_case):
    cs, case_items = roundtrip_case
    result = export_items(roundtrip_items[:1] + case_items, "qti", [cs])
    z = zipfile.ZipFile(io.BytesIO(result.data))
    assert "stimuli/cs-rt.xml" in z.namelist()
    test = z.read("tests/rapport-export.xml").decode()
    assert 'identifier="case-cs-rt"' in test and test.index("cs-rt-1") < test.index("cs-rt-2")
    assert b"qti-assessment-stimulus-ref" in z.read("items/cs-rt-2.xml")
    back, report = import_bytes(result.data, "qti", "export.zip")
    assert back == case_items + roundtrip_items[:1]      # case items first, in case order
    assert report.case_studies == [cs]


def test_bowtie_is_three_choice_interactions(roundtrip_items):
    bowtie = next(d for d in roundtrip_items if d["type"] == "bowtie")
    xml = item_xml(bowtie).decode()
    for resp in ("CONDITION", "ACTIONS", "PARAMETERS"):
        assert f'response-identifier="{resp}"' in xml
    assert xml.count("<qti-choice-interaction") == 3
    (d,), _ = import_bytes(xml.encode(), "qti", "b.xml")
    assert d == bowtie


def test_highlight_is_hottext(roundtrip_items):
    hl = next(d for d in roundtrip_items if d["type"] == "highlight")
    xml = item_xml(hl).decode()
    assert "<qti-hottext-interaction" in xml and '<qti-hottext identifier="s2"' in xml
    (d,), _ = import_bytes(xml.encode(), "qti", "h.xml")
    assert d == hl


def test_single_item_round_trip_and_markup(roundtrip_items):
    xml = item_xml(roundtrip_items[1]).decode()
    assert 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"' in xml
    assert 'data-technique="attending"' in xml and 'shuffle="false"' in xml
    assert '<qti-map-entry map-key="notes" mapped-value="-1"' in xml
    (d,), _ = import_bytes(xml.encode(), "qti", "one.xml")
    assert d == roundtrip_items[1]


def test_unsupported_interaction_is_skipped_with_line():
    xml = b"""<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="X" title="Essay">
<qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="string"/>
<qti-item-body>
<qti-extended-text-interaction response-identifier="RESPONSE"/>
</qti-item-body></qti-assessment-item>"""
    items, report = import_bytes(xml, "qti", "e.xml", topic="empathy")
    assert items == []
    assert str(report.skipped[0]) == ('e.xml:4: "Essay": skipped: qti-extended-text-interaction: '
                                      "extended text (essay) has no equivalent in Rapport")


def test_missing_correct_response_skips_the_item_with_line_and_field():
    items, report = import_file(SAMPLES / "qti3_bad_key.xml", "qti", topic="empathy")
    assert items == [] and report.skipped[0].line == 3
    assert report.skipped[0].reason.startswith("qti-correct-response")


def test_one_bad_item_in_a_package_is_skipped_the_rest_import(roundtrip_items):
    buf = io.BytesIO()
    manifest = ('<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"><resources>'
                '<resource identifier="a" type="imsqti_item_xmlv3p0" href="a.xml"/>'
                '<resource identifier="b" type="imsqti_item_xmlv3p0" href="b.xml"/>'
                '<resource identifier="c" type="imsqti_item_xmlv3p0" href="missing.xml"/>'
                "</resources></manifest>")
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("imsmanifest.xml", manifest)
        z.writestr("a.xml", item_xml(roundtrip_items[0]))
        z.writestr("b.xml", (SAMPLES / "qti3_bad_key.xml").read_bytes())
    items, report = import_bytes(buf.getvalue(), "qti", "pkg.zip", topic="empathy")
    assert [d["id"] for d in items] == ["rt-001"]
    assert [(n.file, n.line) for n in report.skipped] == [("pkg.zip/b.xml", 3), ("pkg.zip/imsmanifest.xml", None)]
    with pytest.raises(FormatError):
        import_bytes(buf.getvalue(), "qti", "pkg.zip", topic="empathy", strict=True)


def test_a_package_without_manifest_or_zip_fails_whole():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.xml", "<x/>")
    with pytest.raises(FormatError) as e:
        import_bytes(buf.getvalue(), "qti", "pkg.zip")
    assert "imsmanifest.xml" in e.value.message
    with pytest.raises(FormatError) as e:
        import_bytes(b"PK\x03\x04garbage", "qti", "pkg.zip")
    assert e.value.field == "package"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_attacks_are_rejected(name):
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / name, "qti", topic="empathy")
    assert e.value.field == "xml"


def test_unknown_format():
    with pytest.raises(ValueError):
        export_items([], "gift")
    with pytest.raises(ValueError):
        import_bytes(b"", "csv", "x.csv")


def test_images_in_a_shared_stimulus_are_reported_once():
    root = FIXTURES / "qti3-ptsd-telehealth"
    data = zip_dir(root)
    stim = (root / "stimuli" / "veteran-telehealth.xml").read_text()
    with_img = re.sub(r"(<qti-stimulus-body[^>]*>)", r'\1<p><img src="map.png" alt="Clinic map"/></p>', stim, count=1)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(buf, "w") as out:
        for name in z.namelist():
            out.writestr(name, with_img if name == "stimuli/veteran-telehealth.xml" else z.read(name))
    items, report = import_bytes(buf.getvalue(), "qti", "pack.zip", topic="special-situations")
    notes = [w for w in report.warnings if "shared stimulus" in w.reason]
    assert len(notes) == 1 and "Clinic map" in notes[0].reason and items
