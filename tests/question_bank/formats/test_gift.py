"""GIFT import."""
from pathlib import Path

import pytest

from question_bank.formats import FormatError, import_bytes, import_file

SAMPLES = Path(__file__).parent / "samples"


def test_import_hand_written_file():
    items, report = import_file(SAMPLES / "basic.gift", "gift", topic="empathy")
    assert [i["type"] for i in items] == ["multiple_choice", "select_all", "multiple_choice"]
    mc, sa, missing = items
    # [id:] and [tag:] comments carry our fields
    assert mc["id"] == "val-901" and mc["topic"] == "validation" and mc["cjmm_skill"] == "take-action"
    assert mc["key"] == "b" and mc["options"][1]["technique"] == "validation"
    assert mc["options"][1]["rationale"] == "Validation: it names the feeling."   # \: unescaped
    assert "technique" not in mc["options"][0]
    # ~%50% weights -> select all, '#' feedback -> rationale, [html] stripped
    assert sa["id"] == "imp-basic-002" and sa["key"] == ["a", "b"] and sa["topic"] == "empathy"
    assert sa["stem"] == "Which actions show active listening? Select all that apply."
    assert sa["options"][2] == {"id": "c", "text": "Checking the phone", "rationale": "Divided attention."}
    # missing-word form, escaped braces kept as text
    assert missing["stem"] == "Use it most the time {not a gift block} when _____ ."
    assert missing["key"] == "a"
    assert set(report.collections.values()) == {"Communication"}


def test_truefalse_with_both_feedbacks():
    src = "::TF:: Silence can help. {TRUE#Shown when wrong.#Shown when right.}\n"
    (d,), _ = import_bytes(src.encode(), "gift", "tf.gift", topic="empathy")
    assert d["type"] == "multiple_choice" and d["key"] == "true" and d["pin_options"] is True
    assert d["options"] == [{"id": "true", "text": "True", "rationale": "Shown when right."},
                            {"id": "false", "text": "False", "rationale": "Shown when wrong."}]
    (d,), _ = import_bytes(b"Why questions help. {F}\n", "gift", "tf.gift", topic="empathy")
    assert d["key"] == "false" and d["stem"] == "Why questions help."


def test_matching_becomes_matrix():
    src = "::M:: Match. {\n =You seem upset. -> Observation\n =You feel let down. -> Reflection\n" \
          " =Tell me more. -> Observation\n = -> Advice\n}\n"
    (d,), _ = import_bytes(src.encode(), "gift", "m.gift", topic="therapeutic-techniques")
    assert d["type"] == "matrix_multiple_choice"
    assert [c["text"] for c in d["columns"]] == ["Observation", "Reflection", "Advice"]
    assert [r["key"] for r in d["rows"]] == ["c1", "c2", "c1"]


def test_categories_set_the_collection():
    src = "$CATEGORY: $course$/top/Mental health/Alliance\n\nQ1 {=a ~b}\n\n" \
          "$CATEGORY: $course$/top/Default for NURS 210/Boundaries\n\nQ2 {=a ~b}\n"
    items, report = import_bytes(src.encode(), "gift", "c.gift", topic="empathy")
    assert [report.collections[d["id"]] for d in items] == ["Mental health/Alliance", "Boundaries"]


@pytest.mark.parametrize("src, why", [
    ("::Essay:: Describe trust. {}", "essay"),
    ("::Num:: How many minutes? {#30:5}", "numerical"),
    ("::Short:: Name the phase. {=orientation =the orientation phase}", "short answer"),
    ("::Note:: Just some text for the students.", "description"),
    ("::Weights:: Pick {~%-50%a ~%-50%b}", "no answer is right"),
])
def test_questions_without_an_equivalent_are_skipped_with_line(src, why):
    data = f"// comment\n\n{src}\n\n::Ok:: Fine? {{=yes ~no}}\n".encode()
    items, report = import_bytes(data, "gift", "x.gift", topic="empathy")
    assert [d["stem"] for d in items] == ["Fine?"]
    (line,) = [str(n) for n in report.skipped]
    assert line.startswith('x.gift:3: "') and why in line


def test_strict_refuses_the_file():
    data = b"::Essay:: Describe trust. {}\n\n::Ok:: Fine? {=yes ~no}\n"
    with pytest.raises(FormatError) as e:
        import_bytes(data, "gift", "x.gift", topic="empathy", strict=True)
    assert e.value.line == 1 and "essay" in e.value.message


def test_unclosed_block_fails_whole():
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / "bad_unclosed.gift", "gift", topic="empathy")
    assert (e.value.line, e.value.field) == (6, "answers")


def test_two_options_are_a_warning_not_a_refusal():
    src = "\n\n::q:: Pick one {\n=only one answer\n~two\n}\n"
    (d,), report = import_bytes(src.encode(), "gift", "two.gift", topic="empathy")
    assert len(d["options"]) == 2 and report.warnings[0].line == 3


def test_several_equals_with_wrong_answers_are_skipped():
    src = "Pick {\n=a\n=b\n~c\n}\n"
    items, report = import_bytes(src.encode(), "gift", "eq.gift", topic="empathy")
    assert items == [] and report.skipped[0].line == 1 and "several" in report.skipped[0].reason


def test_select_n_and_pinned_tags():
    src = ("// [tag:type:select_n] [tag:pinned] [tag:option-ids:p,q,r,s,t]\n"
           "Choose two {\n~%50%one\n~%50%two\n~%-50%three\n~%-50%four\n~%-50%five\n}\n")
    (d,), _ = import_bytes(src.encode(), "gift", "n.gift", topic="empathy")
    assert d["type"] == "select_n" and d["n"] == 2 and d["key"] == ["p", "q"]
    assert d["pin_options"] is True


def test_not_utf8():
    with pytest.raises(FormatError) as e:
        import_bytes(b"\xff\xfe{", "gift", "x.gift", topic="empathy")
    assert e.value.field == "encoding"


def test_html_questions_keep_their_formatting_sanitised():
    src = (b'::A::[html]<p onclick="x()">Which is <b>best</b>?</p><ul><li>one</li></ul>'
           b'<img src="x.png" alt="X"><script>alert(1)</script>{=Yes ~No ~Maybe}\n\n'
           b'::B::Plain <b>not html</b>{=Yes ~No ~Maybe}\n')
    (a, b), report = import_bytes(src, "gift", "g.gift", topic="empathy")
    assert a["stem_html"] == "<p>Which is <b>best</b>?</p><ul><li>one</li></ul>[Image: X]"
    assert a["stem"] == "Which is best? one [Image: X]" and "media" not in a
    assert "stem_html" not in b          # not marked [html]: the tags are text
    assert any("'x.png' is referenced but the file holds no copy" in w.reason for w in report.warnings)
