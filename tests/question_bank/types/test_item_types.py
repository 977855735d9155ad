"""Table-driven scoring and validation against the NCSBN rules (fixture bank items)."""
import copy
import json
import random

import pytest

from question_bank.types import REGISTRY, get_type
from qb_formdata import MultiDict

BOWTIE_OK = {"condition": "c1", "actions": ["a1", "a2"], "parameters": ["p1", "p2"]}

# (item id, response, expected points, expected max)
SCORING = [
    ("fx-mc", "b", 1, 1), ("fx-mc", "a", 0, 1), ("fx-mc", None, 0, 1), ("fx-mc", "", 0, 1),
    ("fx-sata", ["a", "b", "c"], 3, 3), ("fx-sata", ["a", "b"], 2, 3),
    ("fx-sata", ["a", "b", "c", "d"], 2, 3), ("fx-sata", ["a", "d", "e"], 0, 3),
    ("fx-sata", ["d"], 0, 3), ("fx-sata", [], 0, 3), ("fx-sata", None, 0, 3),
    ("fx-selectn", ["a", "b"], 2, 2), ("fx-selectn", ["a", "c"], 1, 2), ("fx-selectn", ["c", "d"], 0, 2),
    ("fx-selectn", ["b"], 1, 2),
    ("fx-order", ["a", "b", "c", "d"], 1, 1), ("fx-order", ["b", "a", "c", "d"], 0, 1),
    ("fx-order", ["a", "b", "c", None], 0, 1), ("fx-order", None, 0, 1),
    ("fx-cloze", {"b1": "x", "b2": "p"}, 2, 2), ("fx-cloze", {"b1": "x", "b2": "q"}, 1, 2),
    ("fx-cloze", {"b1": "y"}, 0, 2), ("fx-cloze", {}, 0, 2),
    ("fx-rationale", {"act": "v", "why": "r"}, 1, 1), ("fx-rationale", {"act": "v", "why": "s"}, 0, 1),
    ("fx-rationale", {"act": "v"}, 0, 1),
    ("fx-mmc", {"r1": "t", "r2": "n", "r3": "n"}, 3, 3), ("fx-mmc", {"r1": "n", "r2": "n", "r3": "t"}, 1, 3),
    ("fx-mmc", {"r2": "n"}, 1, 3),
    # columns: o keyed in r1, r3; w keyed in r2, r3 -> max 4, +/- per column floored at 0
    ("fx-mmr", {"r1": ["o"], "r2": ["w"], "r3": ["o", "w"]}, 4, 4),
    ("fx-mmr", {"r1": ["o", "w"]}, 1, 4),                           # o +1, w -1 -> 0
    ("fx-mmr", {"r1": ["w"], "r2": ["o"]}, 0, 4),                   # both columns -1 -> 0, 0
    ("fx-mmr", {"r1": ["o"], "r2": ["o", "w"], "r3": ["o", "w"]}, 3, 4),  # o: +1-1+1, w: +2
    ("fx-bowtie", BOWTIE_OK, 5, 5),
    ("fx-bowtie", {"condition": "c2", "actions": ["a1", "a3"], "parameters": ["p2", "p1"]}, 3, 5),
    ("fx-bowtie", {"condition": "c1", "actions": [], "parameters": ["p3"]}, 1, 5),
    ("fx-highlight", ["s1", "s3"], 2, 2), ("fx-highlight", ["s1", "s2"], 0, 2),
    ("fx-highlight", ["s1", "s3", "s2"], 1, 2), ("fx-highlight", ["s2", "s4"], 0, 2),
]


def _t(bank, iid):
    item = bank.items[iid]
    return get_type(item.type)(item.definition)


@pytest.mark.parametrize("iid, response, points, max_points", SCORING)
def test_scoring_table(fixture_bank, iid, response, points, max_points):
    score = _t(fixture_bank, iid).grade(response)
    assert (score.points, score.max_points) == (points, max_points)
    json.dumps(score.to_dict())


def test_every_type_is_in_the_table():
    types = {iid.split("-", 1)[1] for iid, *_ in SCORING}
    assert len(types) == len(REGISTRY)


@pytest.mark.parametrize("scoring, response, points", [
    ("by_position", ["a", "b", "c", "d"], 4),
    ("by_position", ["a", "b", "d", "c"], 2),
    ("by_position", ["b", "a", "c", "d"], 2),
    ("by_position", [None, "b", None, "d"], 2),
    ("by_position", ["d", "c", "b", "a"], 0),
])
def test_ordered_by_position(fixture_bank, scoring, response, points):
    d = copy.deepcopy(fixture_bank.items["fx-order"].definition)
    d["scoring"] = scoring
    t = get_type("ordered_response")(d)
    assert t.max_points() == 4
    assert t.grade(response).points == points


def test_dropdown_rationale_parts_and_cloze_parts(fixture_bank):
    cloze = _t(fixture_bank, "fx-cloze").grade({"b1": "x", "b2": "q"})
    assert [(p.id, p.points) for p in cloze.parts] == [("b1", 1), ("b2", 0)]
    mmr = _t(fixture_bank, "fx-mmr").grade({"r1": ["o", "w"]})
    assert [(p.id, p.points, p.max_points) for p in mmr.parts] == [("o", 1, 2), ("w", 0, 2)]


BAD_RESPONSES = [
    ("fx-mc", "zz"), ("fx-mc", ["b"]), ("fx-mc", 3),
    ("fx-sata", ["a", "zz"]), ("fx-sata", "a"), ("fx-sata", ["a", "a"]),
    ("fx-selectn", ["a", "b", "c"]), ("fx-selectn", ["zz"]),
    ("fx-order", ["a", "a", "b", "c"]), ("fx-order", ["a", "b", "c", "d", "e"]), ("fx-order", ["zz"]),
    ("fx-order", "abcd"),
    ("fx-cloze", {"b9": "x"}), ("fx-cloze", {"b1": "p"}), ("fx-cloze", ["x"]),
    ("fx-mmc", {"r1": ["t", "n"]}), ("fx-mmc", {"r9": "t"}), ("fx-mmc", {"r1": "zz"}),
    ("fx-mmr", {"r1": ["o", "o"]}), ("fx-mmr", {"r1": ["zz"]}), ("fx-mmr", "o"),
    ("fx-bowtie", {"condition": "c1", "actions": ["a1", "a2", "a3"], "parameters": []}),
    ("fx-bowtie", {"condition": "zz"}), ("fx-bowtie", {"actions": ["a1", "a1"]}),
    ("fx-bowtie", {"condition": "c1", "extra": 1}),
    ("fx-highlight", ["s0"]), ("fx-highlight", ["s1", "s1"]), ("fx-highlight", "s1"),
]


@pytest.mark.parametrize("iid, response", BAD_RESPONSES)
def test_validate_response_rejects(fixture_bank, iid, response):
    t = _t(fixture_bank, iid)
    with pytest.raises(ValueError):
        t.validate_response(response)
    with pytest.raises(ValueError):
        t.grade(response)


def test_correct_responses_validate_and_score_full(fixture_bank):
    for item in fixture_bank.items.values():
        t = get_type(item.type)(item.definition)
        t.validate_response(t.correct_response())
        s = t.grade(t.correct_response())
        assert s.points == s.max_points == t.max_points() > 0, item.id


def test_start_shuffles_unless_pinned(fixture_bank):
    d = fixture_bank.items["fx-sata"].definition
    orders = {tuple(get_type("select_all")(d).start(random.Random(s))["order"]) for s in range(20)}
    assert len(orders) > 1
    pinned = dict(d, pin_options=True)
    orders = {tuple(get_type("select_all")(pinned).start(random.Random(s))["order"]) for s in range(20)}
    assert orders == {tuple(o["id"] for o in d["options"])}


def test_ordered_response_never_presented_in_key_order(fixture_bank):
    d = dict(fixture_bank.items["fx-order"].definition, pin_options=True)
    t = get_type("ordered_response")(d)
    for seed in range(200):
        state = t.start(random.Random(seed))
        assert state["order"] != d["key"]
        assert [o["id"] for o in t.present(state)["options"]] == state["order"]


def _keys_in(obj):
    if isinstance(obj, dict):
        yield from obj
        for v in obj.values():
            yield from _keys_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys_in(v)


def test_present_is_safe_and_serialisable(fixture_bank, rng):
    for item in fixture_bank.items.values():
        t = get_type(item.type)(item.definition)
        state = t.start(rng)
        view = t.present(json.loads(json.dumps(state)))
        json.dumps(view)
        assert not {"key", "rationale", "technique", "is_key"} & set(_keys_in(view)), item.id
        text = json.dumps(view)
        for c in t.choices():
            assert c["rationale"] not in text


def test_from_form_shapes(fixture_bank):
    sata = _t(fixture_bank, "fx-sata")
    assert sata.from_form(MultiDict(q=["a", "c", "a"]), "q") == ["a", "c"]
    assert sata.from_form(MultiDict(), "q") is None
    mc = _t(fixture_bank, "fx-mc")
    assert mc.from_form(MultiDict(q=["b"]), "q") == "b"
    assert mc.from_form({"q": "b"}, "q") == "b"  # plain dicts work too
    order = _t(fixture_bank, "fx-order")
    form = MultiDict({"q-pos-a": ["2"], "q-pos-b": ["1"], "q-pos-c": ["4"], "q-pos-d": ["3"]})
    assert order.from_form(form, "q") == ["b", "a", "d", "c"]
    clash = MultiDict({"q-pos-a": ["1"], "q-pos-b": ["1"], "q-pos-c": ["3"], "q-pos-d": ["9"]})
    assert order.from_form(clash, "q") == [None, None, "c", None]
    bow = _t(fixture_bank, "fx-bowtie")
    form = MultiDict({"q-condition": ["c1"], "q-action-1": ["a2"], "q-action-2": ["a2"], "q-parameter-2": ["p1"]})
    assert bow.from_form(form, "q") == {"condition": "c1", "actions": ["a2"], "parameters": ["p1"]}
    boxes = MultiDict({"q-condition": ["c2"], "q-actions": ["a1", "a4"], "q-parameters": ["p3"]})
    assert bow.from_form(boxes, "q") == {"condition": "c2", "actions": ["a1", "a4"], "parameters": ["p3"]}
    mmr = _t(fixture_bank, "fx-mmr")
    assert mmr.from_form(MultiDict({"q-r1": ["o", "w"]}), "q") == {"r1": ["o", "w"]}
    cloze = _t(fixture_bank, "fx-cloze")
    assert cloze.from_form(MultiDict({"q-b2": ["p"]}), "q") == {"b2": "p"}


def test_feedback_and_techniques(fixture_bank):
    mc = _t(fixture_bank, "fx-mc")
    fb = mc.feedback("c")
    assert [(r["id"], r["is_key"], r["chosen"]) for r in fb] == [
        ("a", False, False), ("b", True, False), ("c", False, True), ("d", False, False)]
    assert all(r["rationale"] and r["technique"] for r in fb)
    assert mc.chosen_techniques("c") == [("false-reassurance", False)]
    assert mc.chosen_techniques(None) == []
    sata = _t(fixture_bank, "fx-sata")
    assert sata.chosen_techniques(["a", "d"]) == [("attending", True), ("divided-attention", False)]
    mmc = _t(fixture_bank, "fx-mmc")
    assert mmc.chosen_techniques({"r2": "t"}) == [("false-reassurance", False)]
    bow = _t(fixture_bank, "fx-bowtie")
    assert ("arguing", False) in bow.chosen_techniques({"actions": ["a5"]})
    assert "(no answer)" == bow.summarise(None)
    assert "Moderate anxiety" in bow.summarise(BOWTIE_OK)


@pytest.mark.parametrize("bad, message", [
    ({"key": ["a", "b"]}, "exactly one key"),
    ({"key": "z"}, "not an option id"),
])
def test_type_validate_reports(fixture_bank, bad, message):
    d = dict(fixture_bank.items["fx-mc"].definition, **bad)
    assert any(message in p for p in get_type("multiple_choice").validate(d))
