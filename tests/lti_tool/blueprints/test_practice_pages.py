"""Adaptive practice through the test client: a session to its stopping rule, one question at a
time with no key on the page, mastery by topic, the study plan naming the habit a simulated
student was given, and a targeted practice set."""
import re

from werkzeug.datastructures import MultiDict

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt, GradeSync
from lti_tool.services import adaptive, bank_store
from question_bank.habits import techniques_in
from tests.support.forms import form_fields
from tests.support.platform import INSTRUCTOR
from tests.support.practice import adaptive_link, current, habit_mix, run_session, start


def test_a_session_runs_to_its_stopping_rule_and_shows_mastery(client, platform, app):
    adaptive_link(client, platform, app, max_items=12, se_target=0.3)
    aid, lt = start(client, platform)
    seen, page = run_session(client, app, aid, lt)
    assert 5 <= seen <= 12
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.state == "graded" and a.adaptive["stopped"] in ("precision", "length")
        assert a.points == 1.0 and a.max_points == 1.0          # completion, the default
        assert len(a.items) == seen and all(i.points is not None for i in a.items)
        assert a.adaptive["theta"] > 0                          # every answer was right
        assert db.session.execute(db.select(GradeSync).filter_by(user_id=a.user_id)).scalar_one_or_none()
    assert "Mastery by topic" in page and "Session finished after" in page
    assert re.search(r"Likely mastered|Borderline|Needs practice", page)
    assert re.search(r"you would get about \d+% of its typical questions right, (probably between|but it could be anywhere from) \d+% (and|to) \d+%", page)
    # Another session: practice is unlimited, whatever "attempts allowed" says.
    resp = client.post(f"/practice/{aid}/again", data={"lt": lt})
    new_id = int(re.search(r"/practice/(\d+)", resp.headers["Location"]).group(1))
    with app.app_context():
        assert new_id != aid and db.session.get(Attempt, new_id).number == 2
        assert db.session.get(Attempt, new_id).assignment.attempts_allowed == 1


def test_an_answer_is_taken_once_and_only_for_the_current_question(client, platform, app):
    adaptive_link(client, platform, app)
    aid, lt = start(client, platform)
    position, kind, definition, key = current(app, aid)
    data = [("lt", lt), ("position", str(position))] + form_fields(kind, f"q{position}", key)
    assert client.post(f"/practice/{aid}/answer", data=MultiDict(data)).status_code == 303
    again = client.post(f"/practice/{aid}/answer", data=MultiDict(data))  # a double click: nothing changes
    assert again.status_code == 303
    with app.app_context():
        assert len([i for i in db.session.get(Attempt, aid).items if i.points is not None]) <= 6
    ahead = client.post(f"/practice/{aid}/answer", data={"lt": lt, "position": "99", "q99": "a"})
    assert ahead.status_code == 404
    empty = client.post(f"/practice/{aid}/answer", data={"lt": lt, "position": str(current(app, aid)[0])})
    assert empty.status_code == 303 and "error=" in empty.headers["Location"]


def test_the_study_plan_names_the_habit_the_student_was_given_and_offers_a_targeted_set(client, platform, app):
    adaptive_link(client, platform, app, max_items=40, se_target=0.05)
    habit_mix(app, "false-reassurance")
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt, habit="false-reassurance")
    plan = client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
    assert re.search(r'<h2 id="habit-1">1\. False reassurance when a client voices fear</h2>', plan)
    assert "Why it matters:" in plan and "Instead:" in plan
    assert plan.count('class="worked-example"') >= 2
    resp = client.post(f"/practice/{aid}/targeted", data={"lt": lt, "technique": "false-reassurance"})
    assert resp.status_code == 303
    new_id = int(re.search(r"/practice/(\d+)", resp.headers["Location"]).group(1))
    new_lt = resp.headers["Location"].split("lt=")[1]
    assert new_id != aid
    with app.app_context():
        a = db.session.get(Attempt, new_id)
        assert a.adaptive["focus"] == "false-reassurance" and a.state == "in_progress"
        assert len(a.adaptive["exclude"]) == 2  # the worked examples shown above: never served in the set
    seen, page = run_session(client, app, new_id, new_lt)
    assert 4 <= seen <= 8 and "It practised false reassurance" in page
    with app.app_context():
        a = db.session.get(Attempt, new_id)
        assert all("false-reassurance" in techniques_in(i.bank_item.definition) for i in a.items)
        assert not {i.bank_item.item_id for i in a.items} & set(a.adaptive["exclude"])


def test_mastery_grade_sends_the_share_of_topics_mastered(client, platform, app):
    adaptive_link(client, platform, app, max_items=6, grade="mastery")
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt)
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.max_points == 1.0 and 0.0 <= a.points <= 1.0


def test_practice_pages_refuse_fixed_attempts_and_other_students(client, platform, app):
    resp, _, _ = platform.launch(client, sub="student-1", link_id="fixed-link")
    loc = resp.headers["Location"]
    aid, lt = int(re.search(r"/attempt/(\d+)", loc).group(1)), loc.split("lt=")[1]
    assert client.get(f"/practice/{aid}?lt={lt}").status_code == 404
    adaptive_link(client, platform, app)
    mine, my_lt = start(client, platform, sub="student-1")
    theirs, _ = start(client, platform, sub="student-2")
    assert client.get(f"/practice/{theirs}?lt={my_lt}").status_code == 403
    assert client.post(f"/practice/{theirs}/answer", data={"lt": my_lt, "position": "1"}).status_code == 403
    assert client.post(f"/practice/{mine}/targeted", data={"lt": my_lt, "technique": "nonsense"}).status_code == 400


def test_class_mastery_shows_the_stuck_student_and_its_csv(client, platform, app):
    # Sessions short enough that items offering the habit are still served at their end ("stuck"
    # needs the habit among the latest answers too): the bank has about 17 such items.
    adaptive_link(client, platform, app, max_items=24, se_target=0.05)
    habit_mix(app, "false-reassurance")
    aid, lt = start(client, platform, sub="stuck-student")
    run_session(client, app, aid, lt, habit="false-reassurance")
    other, other_lt = start(client, platform, sub="steady-student")
    run_session(client, app, other, other_lt)
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    staff_lt = resp.headers["Location"].split("lt=")[1]
    page = client.get(f"/instructor/mastery?lt={staff_lt}").get_data(as_text=True)
    assert "Class mastery" in page and "Mastery by topic" in page
    stuck = page.split('id="stuck-heading"')[1].split("</section>")[0]
    assert "User stuck-student" in stuck and "false reassurance when a client voices fear" in stuck
    assert "steady-student" not in stuck
    assert "False reassurance" in page.split('id="tech-heading"')[1]
    csv_resp = client.get(f"/instructor/mastery.csv?lt={staff_lt}")
    body = csv_resp.get_data(as_text=True)
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    row = next(line for line in body.splitlines() if line.startswith("User stuck-student"))
    assert "False reassurance when a client voices fear" in row
    # A student never opens it.
    assert client.get(f"/instructor/mastery?lt={lt}").status_code == 403


def test_an_instructor_preview_runs_a_session_and_is_never_graded(client, platform, app):
    adaptive_link(client, platform, app, max_items=6)
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    staff_lt = resp.headers["Location"].split("lt=")[1]
    resp = client.post("/instructor/preview", data={"lt": staff_lt})
    loc = resp.headers["Location"]
    aid, lt = int(re.search(r"/attempt/(\d+)", loc).group(1)), loc.split("lt=")[1]
    assert "/practice/" in client.get(loc).headers["Location"]
    assert "instructor preview" in client.get(f"/practice/{aid}?lt={lt}").get_data(as_text=True)
    run_session(client, app, aid, lt)
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.is_preview and a.state == "graded"
        assert db.session.execute(db.select(GradeSync)).scalars().first() is None


def test_a_case_study_is_served_whole_in_order_with_its_case(client, platform, app):
    adaptive_link(client, platform, app, max_items=12)
    with app.app_context():
        from lti_tool.models import BankItem
        rows = db.session.execute(db.select(BankItem).where(BankItem.case_study == "cs-distrust",
                                                            BankItem.current.is_(True))).scalars().all()
        for r in rows:
            r.collection = "case-only"
        a = db.session.execute(db.select(Assignment)).scalar_one()
        a.blueprint = {"name": "cases", "sections": [{"filter": {}, "count": 1}], "collections": ["case-only"]}
        db.session.commit()
        size = len(rows)
    aid, lt = start(client, platform)
    for part in range(1, size + 1):
        page = client.get(f"/practice/{aid}?lt={lt}").get_data(as_text=True)
        assert f"part {part} of {size}" in page and "Case information" in page
        position, kind, _definition, key = current(app, aid)
        assert position == part
        client.post(f"/practice/{aid}/answer", data=MultiDict(
            [("lt", lt), ("position", str(position))] + form_fields(kind, f"q{position}", key)))
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert [i.bank_item.case_position for i in a.items] == list(range(1, size + 1))
        assert a.state == "graded" and a.adaptive["stopped"] == "bank"  # the only unit is used up


def test_calibrated_difficulties_are_what_sessions_use(app):
    from lti_tool.models import ItemCalibration
    from lti_tool.services import calibration
    with app.app_context():
        items, _ = bank_store.drawable(None)
        some = items[:2]
        assert calibration.difficulties(some) == {i.id: {"easy": -1.0, "medium": 0.0, "hard": 1.0}[i.difficulty]
                                                  for i in some}
        db.session.add(ItemCalibration(item_id=some[0].id, difficulty=2.25, se=0.2, responses=80))
        db.session.commit()
        assert calibration.difficulties(some)[some[0].id] == 2.25


def test_a_malformed_answer_is_named_and_nothing_is_recorded(client, platform, app):
    adaptive_link(client, platform, app)
    aid, lt = start(client, platform)
    position, kind, _definition, _key = current(app, aid)
    junk = {"lt": lt, "position": str(position), f"q{position}": "no-such-option"}
    junk.update({f"q{position}-pos-zz": "9", f"q{position}-nope": "x"})
    resp = client.post(f"/practice/{aid}/answer", data=junk)
    assert resp.status_code in (303, 400), resp.get_data(as_text=True)
    with app.app_context():
        assert adaptive.current_item(db.session.get(Attempt, aid)).position == position  # still unanswered


def test_worked_examples_shown_in_the_plan_are_not_served_in_later_sessions(client, platform, app):
    from lti_tool.services import worked_examples
    adaptive_link(client, platform, app, max_items=40, se_target=0.05)
    habit_mix(app, "false-reassurance")
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt, habit="false-reassurance")
    assert 'class="worked-example"' in client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
    with app.app_context():
        a = db.session.get(Attempt, aid)
        shown = worked_examples.shown(a.user_id, a.assignment.resource_link.context_id)
        a.assignment.adaptive = dict(a.assignment.adaptive, max_items=15)
        db.session.commit()
    assert len(shown) >= 2
    resp = client.post(f"/practice/{aid}/again", data={"lt": lt})
    new_id = int(re.search(r"/practice/(\d+)", resp.headers["Location"]).group(1))
    run_session(client, app, new_id, resp.headers["Location"].split("lt=")[1])
    with app.app_context():
        served = {i.bank_item.item_id for i in db.session.get(Attempt, new_id).items}
    assert not served & shown


def test_the_plan_names_the_right_technique_at_the_wrong_moment(client, platform, app):
    """A practice set on the items that offer it, and on others, answered by a student who explores
    or reflects where safety or a limit must come first: the plan's first habit says so."""
    from lti_tool.models import BankItem
    from question_bank.habits import items_with_habit
    adaptive_link(client, platform, app, max_items=12, se_target=0.05)
    with app.app_context():
        items, _ = bank_store.drawable(None)
        offering, families = set(), set()
        for i in items_with_habit(items, "wrong-moment"):  # one per family: a set never holds two
            if not i.family or i.family not in families:
                offering.add(i.id)
                families.add(i.family)
        plain = [i.id for i in items if i.id not in offering and not i.case_study and not i.family
                 and i.type == "multiple_choice"][:8]
        for row in db.session.execute(db.select(BankItem).where(BankItem.item_id.in_(offering | set(plain)),
                                                                BankItem.current.is_(True))).scalars():
            row.collection = "wm-test"
        a = db.session.execute(db.select(Assignment)).scalar_one()
        n = len(offering) + len(plain)  # however many items the bank tags wrong-moment, all are served
        a.blueprint = {"name": "mixed", "collections": ["wm-test"], "sections": [{"filter": {}, "count": n}]}
        a.adaptive = dict(a.adaptive, max_items=n)
        db.session.commit()
    assert len(offering) >= 3
    aid, lt = start(client, platform)
    run_session(client, app, aid, lt, habit="wrong-moment")
    with app.app_context():
        served = {i.bank_item.item_id for i in db.session.get(Attempt, aid).items}
    assert offering <= served
    plan = client.get(f"/practice/{aid}/plan?lt={lt}").get_data(as_text=True)
    assert re.search(r'<h2 id="habit-1">1\. The right technique at the wrong moment</h2>', plan)
    assert f"you chose this {len(offering)} times, in {len(offering)} questions that offered it" in plan


def test_every_part_of_a_case_study_in_a_practice_session_is_shown_when_it_is_reached(client, platform, app):
    """Practice answers are final, so each answered part locks and the next part opens: part 3
    of cs-anger (a bow-tie) is shown with its stem, not as an unreached placeholder."""
    from lti_tool.models import BankItem
    adaptive_link(client, platform, app, max_items=6, se_target=0.05)
    with app.app_context():
        for row in db.session.execute(db.select(BankItem).where(BankItem.case_study == "cs-anger",
                                                                BankItem.current.is_(True))).scalars():
            row.collection = "case-test"
        a = db.session.execute(db.select(Assignment)).scalar_one()
        a.blueprint = {"name": "case", "collections": ["case-test"], "sections": [{"filter": {}, "count": 6}]}
        db.session.commit()
    aid, lt = start(client, platform)
    seen, _ = run_session(client, app, aid, lt)
    assert seen == 6
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert [i.bank_item.item_id for i in a.items] == [f"cs-anger-{n}" for n in range(1, 7)]
        assert all(i.locked_at is not None for i in a.items)


def test_too_many_ticks_without_javascript_come_back_to_the_question(client, platform, app):
    """A select-N answer with one tick too many (no JavaScript to stop it) is named at the
    question, as the exam does; nothing is recorded."""
    adaptive_link(client, platform, app, max_items=5)
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        a.blueprint = {"name": "n", "collections": None, "sections": [{"filter": {"type": "select_n"}, "count": 3}]}
        db.session.commit()
    aid, lt = start(client, platform)
    position, kind, definition, _key = current(app, aid)
    assert kind == "select_n"
    ticks = [o["id"] for o in definition["options"]][: definition["n"] + 1]
    resp = client.post(f"/practice/{aid}/answer", data=MultiDict(
        [("lt", lt), ("position", str(position))] + [(f"q{position}", i) for i in ticks]))
    assert resp.status_code == 303 and "#question" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'id="answer-error"' in page and f"at most {definition['n']}" in page and f"Question {position}" in page
    with app.app_context():
        assert adaptive.current_item(db.session.get(Attempt, aid)).position == position  # still unanswered
