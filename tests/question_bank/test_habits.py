"""Study-plan habits: explanations for every non-therapeutic technique; ranking from answers."""
from question_bank.bank import load_bank
from question_bank.habits import MIN_TIMES, RECENT, explanations, habits_from, items_with_habit, techniques_in
from question_bank.vocabulary import TECHNIQUES


def test_every_non_therapeutic_technique_has_an_explanation_and_nothing_else_does():
    wanted = {t for t, e in TECHNIQUES.items() if not e["therapeutic"]}
    text = explanations()
    assert set(text) == wanted
    for t, e in text.items():
        assert e["title"] and e["instead"] and 1 <= e["why"].count(".") <= 3, t


def test_the_habit_a_simulated_student_was_given_tops_the_plan():
    # A simulated student who falls for false reassurance whenever it is offered, and makes
    # one-off slips otherwise.
    answers = []
    for k in range(30):
        offer = {"false-reassurance", "validation", ["why-question", "cliche", "minimizing"][k % 3]}
        picks = [("false-reassurance", False)] if k % 2 == 0 else [("validation", True)]
        if k == 5:
            picks = [("cliche", False)]
        answers.append((picks, offer))
    plan = habits_from(answers)
    assert plan[0].technique == "false-reassurance" and plan[0].times == 15
    assert plan[0].title == "False reassurance when a client voices fear"
    assert all(h.technique != "cliche" for h in plan)  # once is a slip


def test_the_plan_moves_as_the_student_improves():
    old = [([("why-question", False)], {"why-question"})] * 20
    new = [([("open-ended-question", True)], {"why-question"})] * RECENT
    assert habits_from(old)[0].technique == "why-question"
    assert habits_from(new + old) == []  # newest first: the recent answers no longer show it
    assert MIN_TIMES == 2


def test_items_with_habit_finds_choices_anywhere_in_the_item():
    bank = load_bank()
    found = items_with_habit(bank.items.values(), "false-reassurance")
    assert len(found) >= 5
    assert all("false-reassurance" in techniques_in(i.definition) for i in found)
