"""A question set the bank cannot supply: the instructor is told when saving; a student who
launches one anyway (the bank changed since) gets a calm page, never a 500, and nothing is recorded."""
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.services import assignments
from question_bank.selection import SelectionError
from tests.support.platform import INSTRUCTOR

SETTINGS = {"title": "Alliance quiz", "blueprint_key": "quick-check", "attempts_allowed": "0",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "10",
            "time_limit_minutes": "", "shuffle_options": "y", "action": "save"}


def _teacher(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    return parse_qs(urlparse(resp.headers["Location"]).query)["lt"][0]


def test_a_student_launching_an_impossible_set_gets_a_calm_page(client, platform, app):
    lt = _teacher(client, platform)
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt)).status_code == 303
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalars().one()
        a.blueprint = {"name": "too big", "sections": [{"filter": {"topic": "empathy"}, "count": 500}]}
        db.session.commit()
    resp, _, _ = platform.launch(client, sub="s-1")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409, body
    assert "This assignment cannot start yet" in body and "let your instructor know" in body
    assert "Traceback" not in body and "Something went wrong" not in body
    with app.app_context():
        assert db.session.query(Attempt).count() == 0  # nothing half-recorded


def test_saving_a_set_the_draw_cannot_make_is_refused_in_words(client, platform, app, monkeypatch):
    # The counts allow it, but the draw (families apart, whole case studies) cannot make it.
    def fails(*_a, **_k):
        raise SelectionError("section 1 needs 10 items")
    monkeypatch.setattr(assignments, "draw", fails)
    lt = _teacher(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt))
    assert resp.status_code == 400
    assert "cannot always be drawn from the question bank" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Assignment.configured_at)).scalar() is None
