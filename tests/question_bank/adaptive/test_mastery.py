"""Mastery bands by topic, each with one plain sentence."""
import math

from question_bank.adaptive import Ability, band, topic_abilities
from question_bank.adaptive.mastery import BORDERLINE, MASTERED, NEEDS_PRACTICE, topic_standards


def test_bands_from_the_chance_of_being_above_the_standard():
    assert band("empathy", "Empathy", Ability(1.2, 0.5, 8)).label == MASTERED
    assert band("empathy", "Empathy", Ability(-1.2, 0.5, 8)).label == NEEDS_PRACTICE
    assert band("empathy", "Empathy", Ability(0.2, 0.8, 4)).label == BORDERLINE
    assert band("empathy", "Empathy", Ability(2.0, 0.6, 2)).label == BORDERLINE  # two answers: no verdict yet


def test_each_band_is_one_sentence_naming_the_topic_and_the_evidence():
    for ab in (Ability(1.2, 0.5, 8), Ability(-1.2, 0.5, 1), Ability(0.1, 0.9, 2)):
        s = band("empathy", "Empathy", ab).sentence
        assert "Empathy" in s and f"{ab.n} answer" in s
        assert s.count(".") == 1 and s.endswith(".")


def test_a_topic_is_judged_against_its_own_typical_question():
    # The same ability: over half of an easy topic's typical questions, under half of a hard one's.
    ab = Ability(0.4, 0.3, 12)
    assert band("active-listening", "Active listening", ab, standard=-0.6).label == MASTERED
    assert band("boundaries", "Boundaries", ab, standard=1.4).label == NEEDS_PRACTICE
    assert band("empathy", "Empathy", ab, standard=0.4).label == BORDERLINE
    assert topic_standards([("a", -1.0), ("a", 0.2), ("a", 3.0), ("b", 1.0)]) == {"a": 0.2, "b": 1.0}


def test_the_sentence_gives_the_precision_and_agrees_with_the_band():
    for ab, standard in ((Ability(1.2, 0.5, 8), 0.0), (Ability(-0.3, 0.9, 3), 0.0), (Ability(0.4, 0.25, 30), 0.1),
                         (Ability(-1.0, 0.4, 9), 0.5)):
        b = band("empathy", "Empathy", ab, standard)
        low, high = b.likely_range
        assert low < b.typical_right < high
        assert f"{math.floor(low * 100)}%" in b.sentence and f"{math.ceil(high * 100)}%" in b.sentence
        assert f"about {round(b.typical_right * 100)}%" in b.sentence
        # "likely mastered" exactly when the whole range is over half; "needs practice" when under.
        assert (b.label == MASTERED) == (low >= 0.5 - 1e-9)
        assert (b.label == NEEDS_PRACTICE) == (high <= 0.5 + 1e-9)
    # More answers at the same estimate: a narrower range.
    wide, narrow = band("e", "E", Ability(0.3, 0.8, 3)), band("e", "E", Ability(0.3, 0.3, 25))
    assert narrow.likely_range[1] - narrow.likely_range[0] < wide.likely_range[1] - wide.likely_range[0]


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


def test_with_the_prior_on_the_topics_standard_no_answers_mean_no_verdict():
    # Against an easy topic's standard, a class-centred prior alone would already lean to
    # "mastered"; centred on the standard, only the student's answers move the band.
    easy = -0.8
    few = [("empathy", easy, True)]
    leaning = band("empathy", "Empathy", topic_abilities(few * 2)["empathy"], easy)
    neutral = band("empathy", "Empathy", topic_abilities(few * 2, centres={"empathy": easy})["empathy"], easy)
    assert neutral.chance_above < leaning.chance_above
    assert neutral.label == BORDERLINE and "too few answers" in neutral.sentence
    assert band("empathy", "Empathy", topic_abilities(few * 12, centres={"empathy": easy})["empathy"], easy).label \
        == MASTERED
