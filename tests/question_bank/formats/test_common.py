"""The shared import machinery: report lines, category paths, engine rules vs house rules."""
import pytest

from question_bank.bank import BankError, item_from_dict
from question_bank.formats import detect_format, import_bytes
from question_bank.formats.common import category_path, lint_imported
from question_bank.formats.richtext import html_to_text
from tests.question_bank.formats.files import roundtrip_items  # noqa: F401 (fixture)


@pytest.mark.parametrize("raw, path", [
    ("$course$/top/Mental health/Alliance", "Mental health/Alliance"),
    ("$course$/Mental health/Alliance", "Mental health/Alliance"),
    ("$course$/top/Default for NURS 210/Boundaries", "Boundaries"),
    ("$system$/top", None),
    ("$cat1$/Week 1//2", "Week 1/2"),
    ("Plain", "Plain"),
])
def test_category_paths(raw, path):
    assert category_path(raw) == path


def test_house_rules_bind_the_bundled_bank_not_imports(roundtrip_items):
    loose = next(d for d in roundtrip_items if d["id"] == "rt-012")
    with pytest.raises(BankError) as e:
        item_from_dict(loose)
    assert any("technique is missing" in p.message for p in e.value.problems)
    item = item_from_dict(loose, imported=True)
    assert item.type == "select_all"
    broken = dict(loose, options=loose["options"][:1], key=["a"])
    with pytest.raises(BankError):           # one option cannot be served, imported or not
        item_from_dict(broken, imported=True)


def test_lint_imported_warns_on_house_rules_and_errs_on_engine_rules(roundtrip_items):
    loose = next(d for d in roundtrip_items if d["id"] == "rt-012")
    problems = lint_imported([loose, dict(loose, id="bad", key=["zz"])], "db:x")
    assert {p.level for p in problems if p.item_id == "rt-012"} == {"warning"}
    assert [p.level for p in problems if p.item_id == "bad"] == ["error"]


def test_report_lines_are_sorted_by_line_and_summarised():
    src = b"::A:: Essay {}\n\n::B:: Two {=a ~b}\n\n::C:: Num {#1}\n"
    items, report = import_bytes(src, "gift", "r.gift", topic="empathy")
    lines = report.lines()
    assert [ln.split(":")[1] for ln in lines[:3]] == ["1", "3", "5"]
    assert lines[-1].startswith("r.gift: 1 question(s) have choices without a technique tag")
    assert report.summary() == "1 question(s) to import, 2 skipped, 1 warning(s)"


@pytest.mark.parametrize("data, name, fmt", [
    (b"PK\x03\x04rest", "x.zip", "qti"),
    (b'<?xml version="1.0"?>\n<quiz>', "x.xml", "moodle_xml"),
    (b'\xef\xbb\xbf<qti-assessment-item xmlns="x">', "x.xml", "qti"),
    (b"<assessmentItem>", "x.xml", "qti"),
    (b"::Q:: What? {=a ~b}", "x.txt", "gift"),
    (b"<html></html>", "x.html", None),
    (b"words", "x.dat", None),
])
def test_detect_format(data, name, fmt):
    assert detect_format(data, name) == fmt


def test_html_to_text_keeps_words_and_drops_markup():
    assert html_to_text("<p>a</p><p>b<br>c</p><script>x()</script>&lt;d&gt;") == "a b c <d>"
