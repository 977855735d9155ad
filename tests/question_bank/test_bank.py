import copy

import pytest
import yaml

from question_bank.bank import BankError, content_hash, item_from_dict, load_bank
from conftest import FIXTURES


def test_loads_every_item_with_its_line(fixture_bank):
    lines = (FIXTURES / "bank.yaml").read_text().splitlines()
    assert len(fixture_bank.items) == 12
    for item in fixture_bank.items.values():
        assert lines[item.line - 1].strip() == f"- id: {item.id}", item.id
        assert item.source.endswith("bank.yaml") and item.collection == "bundled"


def test_case_study_items_are_ordered_and_inherit(fixture_bank):
    cs = fixture_bank.case_studies["cs-fx"]
    assert cs.item_ids == ("cs-fx-1", "cs-fx-2")
    first = fixture_bank.items["cs-fx-1"]
    assert (first.case_study, first.case_position, first.topic, first.version) == ("cs-fx", 1, "alliance-ruptures", 1)
    assert fixture_bank.items["cs-fx-2"].case_position == 2
    assert fixture_bank.items["fx-mc"].case_study is None


def test_filter(fixture_bank):
    assert {i.id for i in fixture_bank.filter(topic="validation")} == {"fx-mc", "fx-rationale"}
    assert {i.id for i in fixture_bank.filter(type=["bowtie", "highlight"], difficulty="hard")} == {"fx-bowtie"}


def test_content_hash_ignores_version_but_not_content(fixture_bank):
    item = fixture_bank.items["fx-mc"]
    d = copy.deepcopy(item.definition)
    same = item_from_dict(dict(d, version=7))
    assert content_hash(same) == content_hash(item)
    # Writers' notes are not content: an export to a format without them comes back the same item.
    assert content_hash(item_from_dict(dict(d, notes="Kept medium: criterion D."))) == content_hash(item)
    d["options"][0]["text"] = "Something else."
    assert content_hash(item_from_dict(d)) != content_hash(item)


def test_item_from_dict_raises_with_problems(fixture_bank):
    d = dict(fixture_bank.items["fx-mc"].definition, topic="nope")
    with pytest.raises(BankError) as e:
        item_from_dict(d, source="import.xml", line=12)
    assert "import.xml:12: fx-mc: topic" in str(e.value)


def test_bad_items_are_skipped_or_strict_raises(tmp_path, fixture_bank):
    good = fixture_bank.items["fx-mc"].definition
    bad = dict(good, id="bad-1", difficulty="impossible")
    p = tmp_path / "b.yaml"
    p.write_text(yaml.safe_dump({"items": [good, bad]}))
    bank = load_bank([p])
    assert set(bank.items) == {"fx-mc"} and bank.problems and "bad-1" in str(bank.problems[0])
    with pytest.raises(BankError):
        load_bank([p], strict=True)


def test_yaml_error_and_duplicate_key_have_lines(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("items:\n  - id: x\n    stem: [unclosed\n")
    problems = load_bank([p]).problems
    assert problems and problems[0].line >= 3 and "YAML error" in problems[0].message
    q = tmp_path / "dup.yaml"
    q.write_text("items:\n  - id: x\n    id: y\n")
    assert any("duplicate key 'id'" in str(pr) and pr.line == 3 for pr in load_bank([q]).problems)


def test_directory_paths_and_default_paths(tmp_path):
    assert load_bank([FIXTURES]).items.keys() >= {"fx-mc"}
    assert load_bank([tmp_path]).items == {}
