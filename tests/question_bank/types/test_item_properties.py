"""Property tests: every valid response scores within 0..max, and max only when correct."""
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank.bank import load_bank
from question_bank.types import get_type

BANK = load_bank([Path(__file__).parents[1] / "fixtures" / "bank.yaml"], strict=True)
ITEMS = sorted(BANK.items.values(), key=lambda i: i.id)


def subset(ids, max_size=None):
    return st.lists(st.sampled_from(ids), unique=True, max_size=max_size if max_size is not None else len(ids))


def responses(item):
    """A strategy of valid responses (including empty ones) for an item."""
    d, t = item.definition, item.type
    if t == "multiple_choice":
        return st.none() | st.sampled_from([o["id"] for o in d["options"]])
    if t in ("select_all", "select_n"):
        ids = [o["id"] for o in d["options"]]
        return st.none() | subset(ids, d.get("n"))
    if t == "ordered_response":
        ids = [o["id"] for o in d["options"]]
        return st.permutations(ids).flatmap(
            lambda p: st.lists(st.booleans(), min_size=len(p), max_size=len(p)).map(
                lambda holes: [None if h else x for x, h in zip(p, holes)]))
    if t in ("dropdown_cloze", "dropdown_rationale"):
        return st.fixed_dictionaries({}, optional={
            b["id"]: st.sampled_from([o["id"] for o in b["options"]]) for b in d["blanks"]})
    if t.startswith("matrix"):
        cols = [c["id"] for c in d["columns"]]
        cell = subset(cols) if t.endswith("response") else st.sampled_from(cols)
        return st.fixed_dictionaries({}, optional={r["id"]: cell for r in d["rows"]})
    if t == "bowtie":
        return st.fixed_dictionaries({}, optional={
            "condition": st.sampled_from([c["id"] for c in d["conditions"]]),
            "actions": subset([c["id"] for c in d["actions"]], 2),
            "parameters": subset([c["id"] for c in d["parameters"]], 2),
        })
    if t == "highlight":
        return st.none() | subset([s["id"] for s in d["passage"] if s.get("selectable")])
    raise AssertionError(f"no strategy for {t}")


def normal(item, response):
    """Order-insensitive form of a response (except where order is the answer)."""
    if response is None:
        return None
    if item.type == "ordered_response":
        return tuple(response)
    if isinstance(response, str):
        return response
    if isinstance(response, list):
        return frozenset(response)
    return frozenset((k, normal(item, v)) for k, v in response.items() if v not in (None, [], ""))


item_and_response = st.sampled_from(ITEMS).flatmap(lambda it: st.tuples(st.just(it), responses(it)))


@settings(max_examples=600, deadline=None)
@given(item_and_response)
def test_score_bounds_and_max_only_when_correct(pair):
    item, response = pair
    t = get_type(item.type)(item.definition)
    t.validate_response(response)
    score = t.grade(response)
    assert 0 <= score.points <= score.max_points == t.max_points()
    is_correct = normal(item, response) == normal(item, t.correct_response())
    assert (score.points == score.max_points) == is_correct
    t.summarise(response)
    t.feedback(response)
    for technique, is_key in t.chosen_techniques(response):
        assert isinstance(technique, str) and isinstance(is_key, bool)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ITEMS), st.integers(0, 2**32))
def test_start_is_a_permutation(item, seed):
    import random

    t = get_type(item.type)(item.definition)
    view = t.present(t.start(random.Random(seed)))
    unshuffled = t.present(None)
    for field in ("options", "rows", "conditions", "actions", "parameters", "passage"):
        if field in view:
            assert sorted(map(str, view[field])) == sorted(map(str, unshuffled[field]))
