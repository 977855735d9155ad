"""Worked examples never give away a question a graded assignment of the course could still ask:
they come from items no graded question set can draw, else from the student's own reviews."""
import re

from lti_tool.extensions import db
from lti_tool.models import Attempt, ResourceLink
from lti_tool.models.base import utcnow
from lti_tool.services import attempts, bank_store, worked_examples
from question_bank.habits import items_with_habit
from tests.support.platform import INSTRUCTOR
from tests.support.practice import adaptive_link, choose, habit_mix, run_session, start

HABIT = "false-reassurance"


def fixed_link(client, platform, app, link_id, sections, feedback="after_submit"):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,), link_id=link_id)
    assert resp.status_code == 303
    with app.app_context():
        a = db.session.execute(db.select(ResourceLink).filter_by(resource_link_id=link_id)).scalar_one().assignment
        a.blueprint = {"name": "graded quiz", "collections": None, "sections": sections}
        a.title = "graded quiz"
        a.feedback_policy, a.configured_at = feedback, utcnow()
        db.session.commit()


def take_fixed(client, platform, app, link_id):
    """The student's attempt on a fixed link, answered with the habit where it is offered, and submitted."""
    resp, _, _ = platform.launch(client, sub="student-1", link_id=link_id)
    aid = int(re.search(r"/attempt/(\d+)", resp.headers["Location"]).group(1))
    with app.app_context():
        attempt = db.session.get(Attempt, aid)
        for item in attempt.items:
            t = bank_store.item_type(item.bank_item)
            attempts.save_response(attempt, item.position, 1, choose(item.bank_item.type, item.bank_item.definition,
                                                                     t.correct_response(), HABIT))
        attempts.submit(aid)
        return {i.bank_item.item_id for i in db.session.get(Attempt, aid).items}


def _examples(app, aid):
    with app.app_context():
        a = db.session.get(Attempt, aid)
        ctx = a.assignment.resource_link.context_id
        return worked_examples.example_items(HABIT, a.user_id, ctx), worked_examples.graded_can_draw(ctx)


def test_examples_avoid_every_item_a_graded_question_set_can_draw(client, platform, app):
    adaptive_link(client, platform, app, max_items=40, se_target=0.05)
    habit_mix(app, HABIT)
    # A graded quiz on one topic, and a second section on another topic's single-choice items.
    fixed_link(client, platform, app, "quiz-1", [{"filter": {"topic": "alliance-foundations"}, "count": 3},
                                                 {"filter": {"topic": "validation", "type": "multiple_choice"},
                                                  "count": 2}])
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt, habit=HABIT)
    examples, graded = _examples(app, aid)
    with app.app_context():
        items, _ = bank_store.drawable(None)
    habit_items = items_with_habit(items, HABIT)
    assert {i.id for i in items if i.topic == "alliance-foundations"} <= graded
    # (a case study is drawn whole or not at all: one of its items matching a filter is not enough)
    assert {i.id for i in items if i.topic == "validation" and i.type == "multiple_choice" and not i.case_study} <= graded
    assert "cs-anger-5" not in graded
    assert not {i.id for i in items if i.topic == "empathy"} & graded
    assert len(examples) == 2
    assert not {e.id for e in examples} & graded
    assert any(i.id in graded for i in habit_items)  # the rule had something to leave out
    # The plan page shows those two and no question the quiz could ask.
    plan = client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
    assert plan.count('class="worked-example"') >= 2
    for item in habit_items:
        if item.id in graded:
            assert item.definition["stem"] not in plan, item.id


def test_without_a_safe_item_examples_come_from_the_students_own_reviews(client, platform, app):
    adaptive_link(client, platform, app, max_items=40, se_target=0.05)
    habit_mix(app, HABIT)
    # This quiz can draw every item (its last section has no filter), so no item is safe; its
    # first section draws items that offer the habit (habit_mix put them in a collection).
    fixed_link(client, platform, app, "quiz-1", [{"filter": {"collection": "habit-test"}, "count": 5},
                                                 {"filter": {}, "count": 1}])
    quiz = take_fixed(client, platform, app, "quiz-1")
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt, habit=HABIT)
    examples, graded = _examples(app, aid)
    with app.app_context():
        assert set(graded) >= {i.id for i in bank_store.drawable(None)[0]}
    assert examples and {e.id for e in examples} <= quiz
    plan = client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
    assert "You met this question in “graded quiz”; its review already shows the answer" in plan
    # Once the quiz's review hides rationales, no example is left to show.
    with app.app_context():
        link = db.session.execute(db.select(ResourceLink).filter_by(resource_link_id="quiz-1")).scalar_one()
        link.assignment.feedback_policy = "never"
        db.session.commit()
    assert _examples(app, aid)[0] == []
    assert 'class="worked-example"' not in client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
