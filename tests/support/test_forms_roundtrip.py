"""form_fields must agree with each type's from_form, or the walkthroughs test nothing."""
from question_bank.bank import load_bank
from question_bank.types import get_type
from tests.question_bank.qb_formdata import MultiDict
from tests.support.forms import form_fields


def test_form_fields_round_trip_every_type():
    bank = load_bank()
    seen = set()
    for item in bank.items.values():
        if item.type in seen:
            continue
        seen.add(item.type)
        t = get_type(item.type)(item.definition)
        md = MultiDict()
        for k, v in form_fields(item.type, "q1", t.correct_response()):
            md.add(k, v)
        score = t.grade(t.from_form(md, "q1"))
        assert score.points == score.max_points > 0, item.id
    assert len(seen) >= 8
