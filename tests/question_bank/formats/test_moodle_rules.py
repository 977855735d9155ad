"""Moodle XML exports follow what Moodle's own import accepts (moodle_rules.py, each rule with
the Moodle source that applies it), for every type Moodle can hold, and come back equal."""
import re
from pathlib import Path

from question_bank.bank import content_hash, load_bank
from question_bank.formats import export_items, import_bytes, import_file
from tests.question_bank.formats import moodle_rules
from tests.question_bank.formats.files import roundtrip_case, roundtrip_items  # noqa: F401 (fixtures)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "question-banks"


def test_the_whole_bank_exports_what_moodle_accepts():
    bank = load_bank()
    cases = [{"id": c.id, "version": c.version, "title": c.title, "topic": c.topic, "stimulus": c.stimulus,
              "items": list(c.item_ids)} for c in bank.case_studies.values()]
    result = export_items([dict(i.definition) for i in bank.items.values()], "moodle_xml", cases)
    assert moodle_rules.problems(result.data) == []


def test_every_moodle_type_from_the_samples(roundtrip_items):
    result = export_items(roundtrip_items, "moodle_xml")
    assert moodle_rules.problems(result.data) == []


def test_a_real_moodle_export_imported_then_exported_with_its_image():
    items, report = import_file(FIXTURES / "nurs210-mental-health.xml", "moodle_xml", topic="alliance-foundations")
    result = export_items(items, "moodle_xml", media=report.media)
    assert b"@@PLUGINFILE@@/" in result.data and b'encoding="base64"' in result.data
    assert moodle_rules.problems(result.data) == []
    back, _ = import_bytes(result.data, "moodle_xml", "again.xml", topic="alliance-foundations")
    assert {d["id"]: content_hash(d) for d in back} == {d["id"]: content_hash(d) for d in items}


def test_a_two_by_two_matrix_gets_the_third_answer_moodle_requires(roundtrip_items):
    m = next(d for d in roundtrip_items if d["type"] == "matrix_multiple_choice")
    small = dict(m, rows=[dict(m["rows"][0], key="th"), dict(m["rows"][1], key="non")],
                 columns=m["columns"][:2])
    result = export_items([small], "moodle_xml")
    assert moodle_rules.problems(result.data) == []
    (back,), _ = import_bytes(result.data, "moodle_xml", "m.xml")
    assert content_hash(back) == content_hash(small)


def test_the_rules_can_fail(roundtrip_items):
    sa = next(d for d in roundtrip_items if d["type"] == "select_all")
    data = export_items([sa], "moodle_xml").data
    broken = data.replace(b'fraction="-', b'fraction="', 1)
    assert any("add up to 133.33%" in p for p in moodle_rules.problems(broken))
    image = re.sub(rb"(<questiontext[^>]*>\s*<text>)", rb'\1&lt;img src="@@PLUGINFILE@@/x.png"&gt;', data, count=1)
    assert any("shows @@PLUGINFILE@@/x.png but holds no <file>" in p for p in moodle_rules.problems(image))
