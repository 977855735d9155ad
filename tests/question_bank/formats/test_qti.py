"""QTI 3.0 import/export and QTI 2.1 import."""
import io
import zipfile
from pathlib import Path

import pytest
import yaml

from question_bank.formats import FormatError, export_items, import_bytes, import_file
from question_bank.formats.qti import item_xml

SAMPLES = Path(__file__).parent / "samples"
ROUNDTRIP = yaml.safe_load((SAMPLES / "roundtrip_items.yaml").read_text())["items"]


def _one(name, **kw):
    (d,) = import_file(SAMPLES / name, "qti", topic="empathy", **kw)
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
                               "technique": "therapeutic-action",
                               "rationale": "Silence gives time to think."}


def test_round_trip_equality_through_a_package():
    result = export_items(ROUNDTRIP, "qti")
    assert result.skipped == [] and result.extension == "zip"
    names = zipfile.ZipFile(io.BytesIO(result.data)).namelist()
    assert "imsmanifest.xml" in names and "items/rt-001.xml" in names
    calls = []
    back = import_bytes(result.data, "qti", "export.zip", progress=lambda *a: calls.append(a))
    assert back == ROUNDTRIP
    assert calls[-1] == (7, 7)


def test_single_item_round_trip_and_markup():
    xml = item_xml(ROUNDTRIP[1]).decode()
    assert 'xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0"' in xml
    assert 'data-technique="attending"' in xml and 'shuffle="false"' in xml
    assert '<qti-map-entry map-key="notes" mapped-value="-1"' in xml
    (d,) = import_bytes(xml.encode(), "qti", "one.xml")
    assert d == ROUNDTRIP[1]


def test_unsupported_types_are_reported_not_exported():
    highlight = {"id": "hl-001", "type": "highlight"}
    result = export_items([ROUNDTRIP[0], highlight], "qti")
    assert [s.id for s in result.skipped] == ["hl-001"]
    assert result.report == ["hl-001 (highlight): skipped: no QTI 3.0 interaction mapping in Rapport yet"]


def test_missing_correct_response_names_line_and_field():
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / "qti3_bad_key.xml", "qti", topic="empathy")
    assert (e.value.line, e.value.field) == (3, "qti-correct-response")


def test_one_bad_item_in_a_package_imports_nothing():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.xml", item_xml(ROUNDTRIP[0]))
        z.writestr("b.xml", (SAMPLES / "qti3_bad_key.xml").read_bytes())
    with pytest.raises(FormatError) as e:
        import_bytes(buf.getvalue(), "qti", "pkg.zip", topic="empathy")
    assert e.value.file == "pkg.zip/b.xml" and e.value.line == 3


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
