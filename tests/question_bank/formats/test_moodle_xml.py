"""Moodle XML import/export."""
from pathlib import Path

import pytest
import yaml

from question_bank.formats import FormatError, export_items, import_bytes, import_file

SAMPLES = Path(__file__).parent / "samples"
ROUNDTRIP = yaml.safe_load((SAMPLES / "roundtrip_items.yaml").read_text())["items"]
MOODLE_TYPES = {"multiple_choice", "select_all", "select_n", "ordered_response",
                "dropdown_cloze", "dropdown_rationale"}


def test_import_hand_written_file():
    calls = []
    items = import_file(SAMPLES / "moodle_basic.xml", "moodle_xml", topic="empathy",
                        progress=lambda done, total: calls.append((done, total)))
    assert [i["type"] for i in items] == ["multiple_choice", "select_all", "ordered_response",
                                          "dropdown_cloze"]
    assert calls[-1] == (4, 4)
    mc, sa, order, cloze = items
    assert mc["id"] == "imp-moodle-basic-001" and mc["key"] == "b" and mc["topic"] == "empathy"
    assert mc["stem"] == ('A client says, "I can\'t stop shaking." Which response by the nurse '
                          'is most therapeutic?')
    assert mc["options"][0]["rationale"] == "False reassurance & it dismisses the client."
    assert mc["options"][1]["technique"] == "therapeutic-action"       # default for a key
    assert mc["options"][2]["rationale"].startswith("Imported without a rationale")
    assert mc["client_need"] == "psychosocial-integrity" and mc["bloom"] == "application"
    assert sa["key"] == ["a", "b", "d"] and sa["pin_options"] is True
    assert sa["topic"] == "active-listening" and sa["bloom"] == "analysis"   # from the file's tags
    assert sa["options"][2]["technique"] == "divided-attention"
    assert order["key"] == ["a", "b", "c", "d"] and order["scoring"] == "all_or_nothing"
    assert cloze["stem"] == "A client who has depression sits silently."
    assert cloze["text"] == "The nurse should first {{b1}} because it {{b2}}."
    assert [b["key"] for b in cloze["blanks"]] == ["a", "a"]
    assert [o["text"] for o in cloze["blanks"][1]["options"]] == ["conveys availability",
                                                                  "forces a conversation"]


def test_topic_is_required_when_the_file_has_none():
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / "moodle_basic.xml", "moodle_xml")
    assert e.value.field == "topic" and e.value.line == 6


def test_round_trip_equality():
    result = export_items(ROUNDTRIP, "moodle_xml")
    assert [s.id for s in result.skipped] == ["rt-007"]
    assert "rt-007 (matrix_multiple_choice): skipped" in result.report[0]
    back = import_bytes(result.data, "moodle_xml", "export.xml")
    assert back == [d for d in ROUNDTRIP if d["type"] in MOODLE_TYPES]


def test_export_is_moodle_shaped():
    xml = export_items(ROUNDTRIP[:2], "moodle_xml").data.decode()
    assert '<question type="multichoice">' in xml and "<idnumber>rt-001</idnumber>" in xml
    assert 'fraction="33.3333333"' in xml and 'fraction="-33.3333333"' in xml
    assert "<text>topic:validation</text>" in xml
    # plain text is escaped once as HTML, then once more as XML
    assert "&amp;lt;hurts&amp;gt;" in xml


def test_round_trip_of_the_bank_if_present():
    bank_dir = Path(__file__).parents[3] / "question_bank" / "items"
    items = [d for f in sorted(bank_dir.glob("*.yaml"))
             for d in (yaml.safe_load(f.read_text()) or {}).get("items", [])]
    items = [d for d in items if d.get("type") in MOODLE_TYPES]
    if not items:
        pytest.skip("no bank items yet")
    back = import_bytes(export_items(items, "moodle_xml").data, "moodle_xml", "bank.xml")
    squash = lambda x: (" ".join(x.split()) if isinstance(x, str) else
                        [squash(v) for v in x] if isinstance(x, list) else
                        {k: squash(v) for k, v in x.items() if (k, v) != ("pin_options", False)}
                        if isinstance(x, dict) else x)
    assert [squash(d) for d in back] == [squash(d) for d in items]


@pytest.mark.parametrize("name, line, field", [
    ("moodle_bad_key.xml", 11, "answer/@fraction"),
    ("moodle_not_well_formed.xml", 5, "xml"),
])
def test_malformed_files_report_line_and_field(name, line, field):
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / name, "moodle_xml", topic="empathy")
    assert (e.value.line, e.value.field) == (line, field)
    assert str(e.value).startswith(f"{name}:{line}: {field}: ")


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_entity_attacks_are_rejected(name):
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / name, "moodle_xml", topic="empathy")
    assert e.value.field == "xml" and "DTD" in e.value.message


def test_defusedxml_itself_refuses_the_entities():
    import defusedxml
    import defusedxml.ElementTree as DET
    with pytest.raises(defusedxml.EntitiesForbidden):
        DET.fromstring((SAMPLES / "billion_laughs.xml").read_bytes())
    with pytest.raises(defusedxml.EntitiesForbidden):
        DET.fromstring((SAMPLES / "external_entity.xml").read_bytes())


def test_validation_errors_name_the_field_and_nothing_is_returned():
    xml = (SAMPLES / "moodle_basic.xml").read_text().replace("topic:active-listening", "topic:astrology")
    with pytest.raises(FormatError) as e:
        import_bytes(xml.encode(), "moodle_xml", "q.xml", topic="empathy")
    assert e.value.field == "topic" and e.value.line == 31 and "astrology" in e.value.message


def test_unsupported_question_type_is_refused():
    xml = b'<quiz>\n<question type="essay"><questiontext><text>x</text></questiontext></question></quiz>'
    with pytest.raises(FormatError) as e:
        import_bytes(xml, "moodle_xml", "q.xml", topic="empathy")
    assert e.value.line == 2 and e.value.field == "question/@type"


def test_duplicate_ids_are_refused():
    data = export_items([ROUNDTRIP[0], ROUNDTRIP[0]], "moodle_xml").data
    with pytest.raises(FormatError) as e:
        import_bytes(data, "moodle_xml", "dup.xml")
    assert e.value.field == "id"
