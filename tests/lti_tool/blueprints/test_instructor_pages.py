"""Instructor pages: roles checked on every route, settings validated, accommodations extend time."""
import re
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from tests.support.platform import INSTRUCTOR


def _token(location):
    return parse_qs(urlparse(location).query)["lt"][0]


def _instructor(client, platform, **kw):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,), **kw)
    assert resp.status_code == 303
    return _token(resp.headers["Location"])


def _student(client, platform, sub="student-1", **kw):
    """A student launch that also presses Start on the start page (the clock starts then)."""
    resp, _, _ = platform.launch(client, sub=sub, **kw)
    assert resp.status_code == 303
    loc = resp.headers["Location"]
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    assert client.post(f"/attempt/{aid}/start", data={"lt": _token(loc)}).status_code == 303
    return loc, _token(loc)


SETTINGS = {"title": "Alliance quiz", "blueprint_key": "quick-check", "attempts_allowed": "2",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "20",
            "time_limit_minutes": "15", "shuffle_options": "y", "action": "save"}


def test_a_link_nobody_set_up_opens_the_builder_not_a_default(client, platform, app):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    assert "/instructor/settings" in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Set up this assignment" in page
    assert "ATI-style mental health: therapeutic alliance (60 items)" in page
    # The set the link really uses is shown, selected, so saving another field never switches it.
    assert re.search(r'<option selected value="current">Keep the current set: Mixed therapeutic-alliance set \(10 questions\)', page)
    assert "bundled" not in re.sub(r'value="bundled"', "", page)  # internal collection name never shown


def test_saving_other_fields_keeps_the_question_set_in_use(client, platform, app):
    lt = _instructor(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, blueprint_key="current", attempts_allowed="3"))
    assert resp.status_code == 303
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert a.blueprint["name"] == "Mixed therapeutic-alliance set" and a.attempts_allowed == 3


def test_instructor_picks_a_ready_made_blueprint(client, platform, app):
    lt = _instructor(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    assert resp.status_code == 303
    _student(client, platform)
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert a.blueprint["name"] == "Therapeutic communication quick check" and a.points_possible == 20
        attempt = db.session.execute(db.select(Attempt)).scalar_one()
        topics = [i.bank_item.topic for i in attempt.items]
        assert len(topics) == 10 and set(topics) <= {"therapeutic-techniques", "nontherapeutic-responses", "validation", "empathy"}
        assert attempt.deadline_at is not None


def test_bad_settings_are_refused_with_reasons_and_nothing_saved(client, platform, app):
    lt = _instructor(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, blueprint_key="nope", attempts_allowed="-1"))
    assert resp.status_code == 400
    body = resp.get_data(as_text=True)
    assert "Not saved" in body and "Attempts allowed" in body
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().attempts_allowed == 1


def test_learner_token_cannot_use_instructor_routes(client, platform):
    _, lt = _student(client, platform)
    assert client.get(f"/instructor/?lt={lt}").status_code == 403
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt)).status_code == 403


def test_routes_need_a_valid_token(client, platform):
    assert client.get("/instructor/").status_code == 401
    assert client.get("/instructor/?lt=forged.token.value").status_code == 401


def test_student_cannot_open_another_students_attempt(client, platform, app):
    loc1, lt1 = _student(client, platform, sub="s1")
    loc2, lt2 = _student(client, platform, sub="s2")
    other = re.search(r"/attempt/(\d+)", loc2).group(1)
    assert client.get(f"/attempt/{other}?lt={lt1}").status_code == 403
    assert client.post(f"/attempt/{other}/submit", data={"lt": lt1}).status_code == 403


def test_other_tenant_instructor_sees_nothing_of_this_link(client, platform, app):
    from tests.support.platform import TestPlatform
    other = TestPlatform(issuer=platform.issuer, client_id="client-2", deployment_id="dep-9")  # same issuer, Canvas-style
    other.register(app)
    try:
        loc, _ = _student(client, platform)
        lt_other = _instructor(client, other)
        page = client.get(f"/instructor/?lt={lt_other}").get_data(as_text=True)
        assert "0 of 0 students" in page and "User student-1" not in page
        with app.app_context():
            assert db.session.execute(db.select(db.func.count(Assignment.id))).scalar() == 2
    finally:
        other.server.stop()


def test_accommodation_extends_the_deadline_of_an_open_attempt(client, platform, app):
    lt = _instructor(client, platform)
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    _student(client, platform)
    with app.app_context():
        attempt = db.session.execute(db.select(Attempt)).scalar_one()
        before = attempt.deadline_at
        uid = attempt.user_id
    resp = client.post(f"/instructor/accommodations/{uid}", data={"lt": lt, "time_multiplier": "1.5", "extra_attempts": "1"})
    assert resp.status_code == 303
    with app.app_context():
        after = db.session.execute(db.select(Attempt)).scalar_one().deadline_at
        assert (after - before).total_seconds() == 15 * 60 * 0.5


def test_blueprint_limited_to_a_collection_is_validated_against_it(client, platform, app):
    lt = _instructor(client, platform)
    with app.app_context():
        import copy
        from lti_tool.services import bank_store
        from question_bank.bank import load_bank
        d = copy.deepcopy(next(i for i in load_bank().items.values() if i.type == "multiple_choice").definition)
        d["id"], d["topic"] = "imp-unit3-001", "validation"
        bank_store.import_dicts([d], "unit3", "unit3.xml")
    page = client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)
    assert 'value="unit3"' in page
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, collections="unit3"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "the question bank has only 1 that fit" in body and "section 1" not in body
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, collections=["bundled", "unit3"]))
    assert resp.status_code == 303
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().blueprint["collections"] == ["bundled", "unit3"]
