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


def test_a_student_who_uses_good_techniques_at_the_wrong_moment_is_told_so():
    """"Right technique at the wrong moment" is a distractor tagged `wrong-moment`: a therapeutic
    technique (exploring, reflecting, clarifying) whose rationale says something else comes first.
    A simulated student who picks it wherever a bank item offers it, and the key elsewhere
    (with one false-reassurance slip), gets it named first."""
    import random

    from question_bank.types import get_type
    bank = load_bank()
    offering = items_with_habit(bank.items.values(), "wrong-moment")
    assert len(offering) >= 3
    others = [i for i in bank.items.values() if i not in offering and not i.case_study]
    served = offering + random.Random(7).sample(others, RECENT - len(offering))  # all within the plan's window
    random.Random(8).shuffle(served)
    answers = []
    for n, item in enumerate(served):
        t = get_type(item.type)(item.definition)
        response = t.correct_response()
        if item in offering:
            response = next(o["id"] for o in item.definition["options"] if o.get("technique") == "wrong-moment")
        elif n == 3 and "false-reassurance" in techniques_in(item.definition) and item.type == "multiple_choice":
            response = next(o["id"] for o in item.definition["options"] if o.get("technique") == "false-reassurance")
        answers.append((t.chosen_techniques(response), techniques_in(item.definition)))
    plan = habits_from(answers)
    assert plan and plan[0].technique == "wrong-moment"
    assert plan[0].title == "The right technique at the wrong moment" and plan[0].times == len(offering)
    assert "first" in plan[0].why
    # The key-only student is told nothing.
    keys = [(get_type(i.type)(i.definition).chosen_techniques(get_type(i.type)(i.definition).correct_response()),
             techniques_in(i.definition)) for i in served]
    assert habits_from(keys) == []


def test_wrong_moment_choices_are_distractors_with_a_rationale():
    for item in items_with_habit(load_bank().items.values(), "wrong-moment"):
        keys = item.definition["key"] if isinstance(item.definition["key"], list) else [item.definition["key"]]
        for o in item.definition.get("options", []):
            if o.get("technique") == "wrong-moment":
                assert o["id"] not in keys, item.id
                assert o.get("rationale"), item.id
