"""GIFT import."""
from pathlib import Path

import pytest

from question_bank.formats import FormatError, import_bytes, import_file

SAMPLES = Path(__file__).parent / "samples"


def test_import_hand_written_file():
    items = import_file(SAMPLES / "basic.gift", "gift", topic="empathy")
    assert [i["type"] for i in items] == ["multiple_choice", "select_all", "multiple_choice"]
    mc, sa, missing = items
    # [id:] and [tag:] comments carry our fields
    assert mc["id"] == "val-901" and mc["topic"] == "validation" and mc["cjmm_skill"] == "take-action"
    assert mc["key"] == "b" and mc["options"][1]["technique"] == "validation"
    assert mc["options"][1]["rationale"] == "Validation: it names the feeling."   # \: unescaped
    assert mc["options"][0]["technique"] == "ineffective-action"
    # ~%50% weights -> select all, '#' feedback -> rationale, [html] stripped
    assert sa["id"] == "imp-basic-002" and sa["key"] == ["a", "b"] and sa["topic"] == "empathy"
    assert sa["stem"] == "Which actions show active listening? Select all that apply."
    assert sa["options"][2] == {"id": "c", "text": "Checking the phone",
                                "technique": "ineffective-action", "rationale": "Divided attention."}
    # missing-word form, escaped braces kept as text
    assert missing["stem"] == "Use it most the time {not a gift block} when _____ ."
    assert missing["key"] == "a"


@pytest.mark.parametrize("name, line, field", [
    ("bad_truefalse.gift", 7, "answers"),
    ("bad_unclosed.gift", 6, "answers"),
])
def test_malformed_files_report_line_and_field(name, line, field):
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / name, "gift", topic="empathy")
    assert (e.value.line, e.value.field) == (line, field)
    assert str(e.value).startswith(f"{name}:{line}: {field}:")


def test_validation_failure_names_the_question_line():
    src = "\n\n::q:: Pick one {\n=only one answer\n~two\n}\n"
    with pytest.raises(FormatError) as e:
        import_bytes(src.encode(), "gift", "two.gift", topic="empathy")
    assert e.value.line == 3 and e.value.field == "options"


def test_several_equals_are_refused():
    src = "Pick {\n=a\n=b\n~c\n}\n"
    with pytest.raises(FormatError) as e:
        import_bytes(src.encode(), "gift", "eq.gift", topic="empathy")
    assert e.value.line == 1 and "several" in e.value.message


def test_select_n_and_pinned_tags():
    src = ("// [tag:type:select_n] [tag:pinned] [tag:option-ids:p,q,r,s,t]\n"
           "Choose two {\n~%50%one\n~%50%two\n~%-50%three\n~%-50%four\n~%-50%five\n}\n")
    (d,) = import_bytes(src.encode(), "gift", "n.gift", topic="empathy")
    assert d["type"] == "select_n" and d["n"] == 2 and d["key"] == ["p", "q"]
    assert d["pin_options"] is True


def test_not_utf8():
    with pytest.raises(FormatError) as e:
        import_bytes(b"\xff\xfe{", "gift", "x.gift", topic="empathy")
    assert e.value.field == "encoding"
