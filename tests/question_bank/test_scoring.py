import pytest

from question_bank.scoring import Part, Score, combine_attempts, plus_minus, plus_minus_parts, zero_one


@pytest.mark.parametrize("correct, expected", [(True, 1), (False, 0)])
def test_zero_one(correct, expected):
    assert zero_one(correct) == expected


@pytest.mark.parametrize("chosen, keys, expected", [
    ([], ["a", "b"], 0),
    (["a"], ["a", "b"], 1),
    (["a", "b"], ["a", "b"], 2),
    (["a", "b", "c"], ["a", "b"], 1),     # +2 -1
    (["a", "c", "d"], ["a", "b"], 0),     # +1 -2 floored at 0
    (["c"], ["a", "b"], 0),
    (None, ["a"], 0),
])
def test_plus_minus(chosen, keys, expected):
    assert plus_minus(chosen, keys) == expected


def test_plus_minus_parts_mark_distractors_negative():
    total, parts = plus_minus_parts(["a", "b", "c"], ["a", "c"], ["a", "b"])
    assert total == 0
    assert parts == [Part("a", 1, 1), Part("b", 0, 1), Part("c", -1, 0)]


def test_score_fraction_and_bounds():
    assert Score(1, 4).fraction == 0.25
    assert Score(0, 0).fraction == 0.0
    with pytest.raises(ValueError):
        Score(-1, 3)
    with pytest.raises(ValueError):
        Score(4, 3)


def test_score_is_frozen_and_serialisable():
    s = Score(1, 2, [Part("x", 1, 1)])
    assert isinstance(s.parts, tuple)
    with pytest.raises(AttributeError):
        s.points = 2
    assert s.to_dict() == {"points": 1, "max_points": 2, "parts": [{"id": "x", "points": 1, "max_points": 1}]}


@pytest.mark.parametrize("method, expected", [
    ("highest", 0.9), ("latest", 0.5), ("first", 0.2), ("average", (0.2 + 0.9 + 0.5) / 3),
])
def test_combine_attempts(method, expected):
    assert combine_attempts([0.2, 0.9, 0.5], method) == pytest.approx(expected)


def test_combine_attempts_accepts_scores_and_empty():
    assert combine_attempts([Score(1, 4), Score(3, 4)], "latest") == 0.75
    assert combine_attempts([], "highest") is None
    with pytest.raises(ValueError):
        combine_attempts([0.5], "best")
