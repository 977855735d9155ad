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


def test_the_deep_linking_builder_makes_adaptive_practice_and_a_course_copy_keeps_it(client, platform, app):
    from tests.lti_tool.lti.test_deep_linking import BUILD, DL_ITEMS, _builder, _returned, _verify
    from tests.support.platform import LTI
    dl = _builder(client, platform)
    assert "Adaptive practice" in client.get(f"/instructor/deep-link?dl={dl}").get_data(as_text=True)
    body = client.post("/instructor/deep-link", data=dict(BUILD, dl=dl, mode="adaptive", adaptive_max_items="15",
                                                          adaptive_precision="0.55")).get_data(as_text=True)
    custom = _verify(app, _returned(body)[1], platform.issuer)[DL_ITEMS][0]["custom"]
    orig, _, _ = platform.launch(client, sub="student-1", link_id="orig", claims_overrides={LTI + "custom": custom})
    copy, _, _ = platform.launch(client, sub="student-2", link_id="copy", context_id="course-2",
                                 claims_overrides={LTI + "custom": custom})
    for resp in (orig, copy):
        assert "/practice/" in client.get(resp.headers["Location"]).headers["Location"]
    with app.app_context():
        rows = list(db.session.execute(db.select(Assignment)).scalars())
        assert len(rows) == 2 and all(a.mode == "adaptive" and a.adaptive["max_items"] == 15 for a in rows)
