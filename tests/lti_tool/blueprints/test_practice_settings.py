"""The instructor turns adaptive practice on from the settings form; bad values are refused in plain words."""
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.models import Assignment
from tests.support.platform import INSTRUCTOR

SETTINGS = {"title": "Alliance practice", "blueprint_key": "alliance-practice", "attempts_allowed": "1",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "10",
            "time_limit_minutes": "", "shuffle_options": "y", "action": "save"}


def _teacher(client, platform):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    return parse_qs(urlparse(resp.headers["Location"]).query)["lt"][0]


def test_adaptive_mode_is_an_assignment_setting(client, platform, app):
    lt = _teacher(client, platform)
    page = client.get(f"/instructor/settings?lt={lt}").get_data(as_text=True)
    assert "Adaptive practice: one question at a time" in page and 'name="adaptive_grade"' in page
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, mode="adaptive", adaptive_max_items="20",
                                                         adaptive_precision="0.35", adaptive_grade="mastery"))
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalar_one()
        assert a.mode == "adaptive" and a.is_adaptive
        assert a.adaptive == {"min_items": 5, "max_items": 20, "se_target": 0.35, "grade": "mastery"}
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<option selected value="adaptive">' in page and '<option selected value="mastery">' in page
    # A student's launch opens adaptive practice, with unlimited sessions.
    resp, _, _ = platform.launch(client, sub="student-1")
    assert "/attempt/" in resp.headers["Location"]
    assert "/practice/" in client.get(resp.headers["Location"]).headers["Location"]


def test_bad_adaptive_values_are_refused_and_nothing_is_saved(client, platform, app):
    lt = _teacher(client, platform)
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, mode="adaptive", adaptive_max_items="500"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "between 5 and 100" in body
    resp = client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, mode="adaptive", adaptive_grade="score"))
    assert resp.status_code == 400 and "Not a valid choice" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Assignment)).scalar_one().mode == "fixed"
