"""Export then import gives back the same items (content hash equal): every type in QTI 3.0,
every Moodle-capable type in Moodle XML, over the whole bundled bank and its case studies."""
import pytest

from question_bank.bank import content_hash, load_bank
from question_bank.formats import export_items, import_bytes
from question_bank.formats.moodle_xml_export import EXPORTABLE as MOODLE_TYPES
from question_bank.types import REGISTRY
from tests.question_bank.formats.files import roundtrip_case, roundtrip_items  # noqa: F401 (fixtures)

BANK = load_bank()
ITEMS = [dict(i.definition) for i in BANK.items.values()]
CASES = [{"id": c.id, "version": c.version, "title": c.title, "topic": c.topic,
          "stimulus": c.stimulus, "items": list(c.item_ids)} for c in BANK.case_studies.values()]


def test_the_bank_has_every_type_and_case_studies():
    assert {d["type"] for d in ITEMS} == set(REGISTRY) and CASES


def test_qti_round_trip_of_every_item_and_case_study():
    result = export_items(ITEMS, "qti", CASES)
    assert result.skipped == []
    back, report = import_bytes(result.data, "qti", "bank.zip")
    assert report.skipped == [] and report.warnings == []
    assert {d["id"]: content_hash(d) for d in back} == {d["id"]: content_hash(d) for d in ITEMS}
    assert report.case_studies == CASES


def test_moodle_round_trip_of_every_type_moodle_can_hold():
    result = export_items(ITEMS, "moodle_xml", CASES)
    in_case = {i for c in CASES for i in c["items"]}
    # Moodle XML has no field for a writers' note that Moodle would keep, so `notes` does not travel (QTI keeps it).
    expected = [{k: v for k, v in d.items() if k != "notes"} for d in ITEMS
                if d["type"] in MOODLE_TYPES and d["id"] not in in_case]
    back, report = import_bytes(result.data, "moodle_xml", "bank.xml")
    assert report.skipped == []
    assert {d["id"]: content_hash(d) for d in back} == {d["id"]: content_hash(d) for d in expected}
    assert {d["type"] for d in back} == MOODLE_TYPES - {"select_n"} | (
        {"select_n"} if any(d["type"] == "select_n" for d in expected) else set())
    reasons = {s.type: s.reason for s in result.skipped}
    assert set(reasons) == {"bowtie", "highlight", "matrix_multiple_response", "case study"}


@pytest.mark.parametrize("fmt", ["qti", "moodle_xml"])
def test_imported_then_exported_items_come_back(fmt, roundtrip_items):
    """An item held only to the engine's rules (no tags, four options) survives both ways."""
    loose = next(d for d in roundtrip_items if d["id"] == "rt-012")
    (back,), report = import_bytes(export_items([loose], fmt).data, fmt, "x")
    assert back == loose and report.untagged == 1
