"""Mastery bands judge each topic against its own items' difficulties (calibrated, else the label)."""
import statistics

from lti_tool.services import bank_store, mastery
from lti_tool.services.mastery import Answer
from question_bank.adaptive import LABEL_PRIOR


def test_each_topic_has_the_median_difficulty_of_its_items_as_standard(app):
    with app.app_context():
        items, _ = bank_store.drawable(None)
        by_label = mastery.standards(1, calibrated={})
        topic = "boundaries-and-structure"
        mine = [i for i in items if i.topic == topic]
        assert by_label[topic] == statistics.median(LABEL_PRIOR[i.difficulty or "medium"] for i in mine)
        # Calibrated difficulties replace the labels: a topic whose items all turn out hard gets a hard standard.
        hard = mastery.standards(1, calibrated={i.id: 2.0 for i in mine})
        assert hard[topic] == 2.0 and hard["empathy"] == by_label["empathy"]


def test_the_same_answers_band_differently_against_an_easy_and_a_hard_topic(app):
    with app.app_context():
        items, _ = bank_store.drawable(None)
        topic = "empathy"
        mine = [i for i in items if i.topic == topic and not i.case_study][:10]
        # Right on 5 of 10 items at 0 logits; the topic's other items (about half) much easier or much harder.
        history = [Answer(i.id, topic, "medium", n < 5, [], set()) for n, i in enumerate(mine)]
        flat = {i.id: 0.0 for i in mine}
        easy = dict(flat, **{i.id: -3.0 for i in items if i.topic == topic and i.id not in flat})
        hard = dict(flat, **{i.id: 3.0 for i in items if i.topic == topic and i.id not in flat})
        at_easy = mastery.bands(history, 1, calibrated=easy)[0]
        at_hard = mastery.bands(history, 1, calibrated=hard)[0]
        assert at_easy.standard < at_hard.standard
        assert at_easy.ability.n == at_hard.ability.n == 10
        assert at_easy.chance_above > at_hard.chance_above
        assert at_easy.label == "likely mastered" and at_hard.label == "needs practice"
        assert "probably between" in at_easy.sentence
