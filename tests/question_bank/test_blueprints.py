import random

from question_bank.bank import load_bank
from question_bank.blueprints import check, load_named, room_problems
from question_bank.selection import Blueprint, Filter, draw


def test_shipped_blueprints_are_satisfiable_with_three_times_room():
    bank = load_bank()
    assert check(list(bank.items.values())) == []


def test_shipped_blueprints_have_the_promised_sizes():
    named = load_named()
    sizes = {k: nb.blueprint.total for k, nb in named.items()}
    assert sizes == {"quick-check": 10, "alliance-practice": 25, "ati-mental-health-alliance": 60}
    topics = {t for f, _ in named["alliance-practice"].blueprint.sections for t in ([f.topic] if isinstance(f.topic, str) else f.topic)}
    assert len(topics) == 12


def test_each_shipped_blueprint_draws_its_size():
    items = list(load_bank().items.values())
    for nb in load_named().values():
        ids = draw(nb.blueprint, items, random.Random(7))
        assert len(ids) == len(set(ids)) == nb.blueprint.total


def test_room_check_flags_a_thin_section():
    items = list(load_bank().items.values())
    bp = Blueprint("thin", [(Filter(topic="empathy"), 10)])
    assert room_problems(bp, items) and "wants at least 30" in room_problems(bp, items)[0]
