"""Mastery bands by topic, each with one plain sentence."""
from question_bank.adaptive import Ability, band, topic_abilities
from question_bank.adaptive.mastery import BORDERLINE, MASTERED, NEEDS_PRACTICE


def test_bands_from_the_chance_of_being_above_the_standard():
    assert band("empathy", "Empathy", Ability(1.2, 0.5, 8)).label == MASTERED
    assert band("empathy", "Empathy", Ability(-1.2, 0.5, 8)).label == NEEDS_PRACTICE
    assert band("empathy", "Empathy", Ability(0.2, 0.8, 2)).label == BORDERLINE


def test_each_band_is_one_sentence_naming_the_topic_and_the_evidence():
    for ab in (Ability(1.2, 0.5, 8), Ability(-1.2, 0.5, 1), Ability(0.1, 0.9, 2)):
        s = band("empathy", "Empathy", ab).sentence
        assert "Empathy" in s and f"{ab.n} answer" in s
        assert s.count(".") == 1 and s.endswith(".")


def test_topic_abilities_from_answers():
    answers = [("empathy", 0.0, True)] * 8 + [("validation", 0.0, False)] * 8
    got = topic_abilities(answers)
    assert got["empathy"].theta > 0.5 > -0.5 > got["validation"].theta
    assert got["empathy"].n == 8


def test_many_students_at_once_match_one_at_a_time():
    from question_bank.adaptive import estimate, topic_abilities_many
    answers = {
        "ann": [("empathy", "e1", 0.0, True), ("empathy", "e2", 0.0, True), ("validation", "v1", 1.0, False)],
        "bob": [("empathy", "e1", 0.0, False), ("empathy", "e3", -1.0, True)],
        "cat": [],
    }
    many = topic_abilities_many(answers)
    assert abs(many["ann"]["empathy"].theta - estimate([(0.0, True), (0.0, True)]).theta) < 1e-6
    assert abs(many["bob"]["empathy"].theta - estimate([(0.0, False), (-1.0, True)]).theta) < 1e-6
    assert many["ann"]["empathy"].n == 2 and many["ann"]["validation"].n == 1
    assert "validation" not in many["bob"] and many["cat"] == {}
