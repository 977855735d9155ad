"""Moodle XML import/export."""
from pathlib import Path

import pytest

from question_bank.formats import FormatError, export_items, import_bytes, import_file
from tests.question_bank.formats.files import roundtrip_case, roundtrip_items  # noqa: F401 (fixtures)

SAMPLES = Path(__file__).parent / "samples"
MOODLE_TYPES = {"multiple_choice", "select_all", "select_n", "ordered_response",
                "dropdown_cloze", "dropdown_rationale", "matrix_multiple_choice"}


def _q(body: str, qtype: str = "multichoice", name: str = "Q") -> bytes:
    return (f'<?xml version="1.0"?>\n<quiz>\n<question type="{qtype}">\n<name><text>{name}</text></name>\n'
            f"{body}\n</question>\n</quiz>\n").encode()


def test_import_hand_written_file():
    calls = []
    items, report = import_file(SAMPLES / "moodle_basic.xml", "moodle_xml", topic="empathy",
                                progress=lambda done, total: calls.append((done, total)))
    assert [i["type"] for i in items] == ["multiple_choice", "select_all", "ordered_response",
                                          "dropdown_cloze"]
    assert calls[-1] == (4, 4) and report.skipped == []
    mc, sa, order, cloze = items
    assert mc["id"] == "imp-moodle-basic-001" and mc["key"] == "b" and mc["topic"] == "empathy"
    assert mc["stem"] == ('A client says, "I can\'t stop shaking." Which response by the nurse '
                          'is most therapeutic?')
    assert mc["options"][0]["rationale"] == "False reassurance & it dismisses the client."
    # imported options carry no invented technique or rationale
    assert "technique" not in mc["options"][1] and "rationale" not in mc["options"][2]
    assert mc["client_need"] == "psychosocial-integrity" and mc["bloom"] == "application"
    assert sa["key"] == ["a", "b", "d"] and sa["pin_options"] is True
    assert sa["topic"] == "active-listening" and sa["bloom"] == "analysis"   # from the file's tags
    assert sa["options"][2]["technique"] == "divided-attention"
    assert order["key"] == ["a", "b", "c", "d"] and order["scoring"] == "all_or_nothing"
    assert cloze["stem"] == "A client who has depression sits silently."
    assert cloze["text"] == "The nurse should first {{b1}} because it {{b2}}."
    assert [b["key"] for b in cloze["blanks"]] == ["a", "a"]
    assert report.collections == {i["id"]: "Communication" for i in items}


def test_topic_is_required_when_the_file_has_none():
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / "moodle_basic.xml", "moodle_xml")
    assert e.value.field == "topic" and e.value.line == 6 and "--topic" in e.value.message


def test_collection_argument_overrides_categories():
    items, report = import_file(SAMPLES / "moodle_basic.xml", "moodle_xml", topic="empathy",
                                collection="unit3")
    assert set(report.collections.values()) == {"unit3"}


def test_truefalse_is_two_option_multiple_choice_with_feedback():
    (d,), report = import_bytes(_q('''<questiontext format="html"><text>Silence can be therapeutic.</text></questiontext>
<generalfeedback format="html"><text><![CDATA[<p>Used with intent.</p>]]></text></generalfeedback>
<answer fraction="100" format="moodle_auto_format"><text>true</text><feedback format="html"><text>Right.</text></feedback></answer>
<answer fraction="0" format="moodle_auto_format"><text>false</text><feedback format="html"><text>It can be.</text></feedback></answer>''',
                                   "truefalse"), "moodle", "tf.xml", topic="empathy")
    assert d["type"] == "multiple_choice" and d["key"] == "true" and d["pin_options"] is True
    assert d["options"] == [{"id": "true", "text": "True", "rationale": "Right."},
                            {"id": "false", "text": "False", "rationale": "It can be."}]
    assert d["general_feedback"] == "Used with intent."
    # two options break our writing rule (3-5), not the engine: a warning, not a refusal
    assert any("3-5 options, has 2" in w.reason for w in report.warnings)


def test_matching_becomes_matrix_with_distractor_columns():
    (d,), _ = import_bytes(_q('''<questiontext format="html"><text>Match the phase.</text></questiontext>
<subquestion format="html"><text><![CDATA[<p>Set the contract</p>]]></text><answer><text>Orientation</text></answer></subquestion>
<subquestion format="html"><text>Explore feelings</text><answer><text>Working</text></answer></subquestion>
<subquestion format="html"><text>Say goodbye</text><answer><text>Termination</text></answer></subquestion>
<subquestion format="html"><text>Review the plan</text><answer><text>Working</text></answer></subquestion>
<subquestion format="html"><text></text><answer><text>Pre-orientation</text></answer></subquestion>''',
                               "matching"), "moodle_xml", "m.xml", topic="relationship-phases")
    assert d["type"] == "matrix_multiple_choice"
    assert [c["text"] for c in d["columns"]] == ["Orientation", "Working", "Termination", "Pre-orientation"]
    assert [(r["text"], r["key"]) for r in d["rows"]] == [
        ("Set the contract", "c1"), ("Explore feelings", "c2"), ("Say goodbye", "c3"), ("Review the plan", "c2")]


def test_ddwtos_becomes_dropdown_cloze_by_group():
    (d,), report = import_bytes(_q('''<questiontext format="html"><text><![CDATA[<p>In SOLER the nurse sits [[1]] and keeps an [[2]] posture.</p>]]></text></questiontext>
<dragbox><text>squarely</text><group>1</group></dragbox>
<dragbox><text>open</text><group>2</group></dragbox>
<dragbox><text>behind a desk</text><group>1</group></dragbox>
<dragbox><text>closed</text><group>2</group></dragbox>''', "ddwtos"), "moodle_xml", "d.xml", topic="active-listening")
    assert d["type"] == "dropdown_cloze" and d["text"] == "In SOLER the nurse sits {{b1}} and keeps an {{b2}} posture."
    assert [[o["text"] for o in b["options"]] for b in d["blanks"]] == [["squarely", "behind a desk"], ["open", "closed"]]
    assert [b["key"] for b in d["blanks"]] == ["a", "a"]
    assert any("drop-down" in w.reason for w in report.warnings)


def test_four_option_multiple_answer_imports():
    body = '''<questiontext format="html"><text>Which show a rupture?</text></questiontext><single>false</single>
<answer fraction="50"><text>Arriving late</text></answer><answer fraction="50"><text>Sarcasm</text></answer>
<answer fraction="-100"><text>Asking a question</text></answer><answer fraction="0"><text>Smiling</text></answer>'''
    (d,), report = import_bytes(_q(body), "moodle_xml", "sa.xml", topic="alliance-ruptures")
    assert d["type"] == "select_all" and d["key"] == ["a", "b"] and len(d["options"]) == 4
    assert any("select_all needs 5-8 options, has 4" in w.reason for w in report.warnings)


@pytest.mark.parametrize("qtype", ["essay", "shortanswer", "numerical", "description", "calculated",
                                   "ddimageortext", "random", "multianswer", "someplugin"])
def test_types_without_an_equivalent_are_skipped_with_line_name_and_why(qtype):
    xml = _q('<questiontext format="html"><text>Write about trust.</text></questiontext>', qtype, "Trust essay")
    items, report = import_bytes(xml, "moodle_xml", "bank.xml", topic="empathy")
    assert items == []
    (line,) = report.lines()
    assert line.startswith(f'bank.xml:3: "Trust essay": skipped: {qtype}: ')


def test_one_bad_question_is_skipped_and_the_rest_import():
    good = '<question type="truefalse"><name><text>Good</text></name><questiontext><text>T?</text></questiontext>' \
           '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>'
    bad = '<question type="multichoice"><name><text>Bad</text></name><questiontext><text>Q?</text></questiontext>' \
          '<answer fraction="0"><text>x</text></answer><answer fraction="0"><text>y</text></answer></question>'
    xml = f"<quiz>\n{good}\n{bad}\n{good.replace('Good', 'Good 2')}\n</quiz>".encode()
    items, report = import_bytes(xml, "moodle_xml", "mix.xml", topic="empathy")
    assert [d["id"] for d in items] == ["imp-mix-001", "imp-mix-003"]
    assert [str(n) for n in report.skipped] == [
        'mix.xml:3: "Bad": skipped: answer/@fraction: a single-answer question needs exactly one answer '
        "at 100%, found 0"]
    with pytest.raises(FormatError) as e:
        import_bytes(xml, "moodle_xml", "mix.xml", topic="empathy", strict=True)
    assert e.value.line == 3 and e.value.field == "strict" and '"Bad"' in str(e.value)


def test_images_are_imported_or_reported():
    body = '''<questiontext format="html"><text><![CDATA[<p>See <img src="@@PLUGINFILE@@/a%20b.png" alt="A chart"> and <img src="@@PLUGINFILE@@/gone.png"></p>]]></text>
<file name="a b.png" path="/" encoding="base64">iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==</file></questiontext><single>true</single>
<answer fraction="100"><text>x</text></answer><answer fraction="0"><text>y</text></answer>'''
    (d,), report = import_bytes(_q(body), "moodle_xml", "img.xml", topic="empathy")
    assert d["stem"] == "See [Image: A chart] and [Image: no description]"
    (sha,) = d["media"]
    assert d["stem_html"] == f'<p>See <img src="media:{sha}" alt="A chart"> and [Image: no description]</p>'
    assert report.media[sha].media_type == "image/png"
    reasons = " | ".join(w.reason for w in report.warnings)
    assert "image 'gone.png' is referenced but the file holds no copy" in reasons


def test_html_is_sanitised():
    body = '''<questiontext format="html"><text><![CDATA[<p>Hello<script>alert(1)</script></p><style>p{}</style><!-- x --><p>world &amp; <b>you</b></p>]]></text></questiontext>
<answer fraction="100"><text>a</text></answer><answer fraction="0"><text>b</text></answer>'''
    (d,), _ = import_bytes(_q(body), "moodle_xml", "h.xml", topic="empathy")
    assert d["stem"] == "Hello world & you"
    assert d["stem_html"] == "<p>Hello</p><p>world &amp; <b>you</b></p>"


def test_round_trip_equality(roundtrip_items):
    result = export_items(roundtrip_items, "moodle_xml")
    assert sorted((s.id, s.type) for s in result.skipped) == [
        ("rt-008", "matrix_multiple_response"), ("rt-009", "highlight"), ("rt-010", "bowtie")]
    assert all("export to QTI" in line for line in result.report)
    back, report = import_bytes(result.data, "moodle_xml", "export.xml")
    assert back == [d for d in roundtrip_items if d["type"] in MOODLE_TYPES]
    assert '<question type="truefalse">' in result.data.decode()      # rt-011
    assert '<question type="matching">' in result.data.decode()       # rt-007
    assert report.skipped == []


def test_case_studies_are_listed_not_split(roundtrip_case):
    cs, case_items = roundtrip_case
    result = export_items(case_items, "moodle_xml", [cs])
    assert [(s.id, s.type) for s in result.skipped] == [("cs-rt", "case study")]
    assert b"cs-rt-1" not in result.data


def test_export_is_moodle_shaped(roundtrip_items):
    xml = export_items(roundtrip_items[:2], "moodle_xml").data.decode()
    assert '<question type="multichoice">' in xml and "<idnumber>rt-001</idnumber>" in xml
    assert 'fraction="33.3333333"' in xml and 'fraction="-33.3333333"' in xml
    assert "<text>topic:validation</text>" in xml
    # plain text is escaped once as HTML, then once more as XML
    assert "&amp;lt;hurts&amp;gt;" in xml


def test_matrix_column_order_and_ids_survive(roundtrip_items):
    d = next(i for i in roundtrip_items if i["id"] == "rt-007")
    d = dict(d, columns=[*d["columns"], {"id": "unused", "text": "Neither"}][::-1])
    (back,), _ = import_bytes(export_items([d], "moodle_xml").data, "moodle_xml", "x.xml")
    assert back == d


@pytest.mark.parametrize("name, line, field", [
    ("moodle_not_well_formed.xml", 5, "xml"),
])
def test_malformed_files_fail_whole_with_line_and_field(name, line, field):
    with pytest.raises(FormatError) as e:
        import_file(SAMPLES / name, "moodle_xml", topic="empathy")
    assert (e.value.line, e.value.field) == (line, field)
    assert str(e.value).startswith(f"{name}:{line}: {field}: ")


def test_bad_fraction_skips_that_question_with_its_line():
    items, report = import_file(SAMPLES / "moodle_bad_key.xml", "moodle_xml", topic="empathy")
    assert [d["stem"] for d in items] == ["A fine question?"]
    assert [str(n) for n in report.skipped] == [
        'moodle_bad_key.xml:11: "No key": skipped: answer/@fraction: a single-answer question needs '
        "exactly one answer at 100%, found 0"]


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


def test_unknown_vocabulary_skips_the_question_and_names_the_field():
    xml = (SAMPLES / "moodle_basic.xml").read_text().replace("topic:active-listening", "topic:astrology")
    items, report = import_bytes(xml.encode(), "moodle_xml", "q.xml", topic="empathy")
    assert len(items) == 3
    (s,) = report.skipped
    assert s.line == 31 and "topic" in s.reason and "astrology" in s.reason


def test_duplicate_ids_skip_the_second(roundtrip_items):
    data = export_items([roundtrip_items[0], roundtrip_items[0]], "moodle_xml").data
    items, report = import_bytes(data, "moodle_xml", "dup.xml")
    assert len(items) == 1 and "repeats the question at line" in report.skipped[0].reason


def test_not_a_moodle_file():
    with pytest.raises(FormatError) as e:
        import_bytes(b"<html><body/></html>", "moodle_xml", "page.html")
    assert e.value.field == "quiz" and "not a Moodle XML" in e.value.message
