"""Results page: the NRPS roster (Moodle's one page with short roles, Canvas-style Link paging),
names from NRPS, points from the line item, CSV without formula injection, one attempt, and
nothing of another course."""
import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import AccommodationChange, Attempt, User
from lti_tool.services import results as results_service
from tests.support.grades import answer_and_submit
from tests.support.platform import AGS, INSTRUCTOR, LTI, NRPS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SETTINGS = {"title": "Alliance quiz", "blueprint_key": "quick-check", "attempts_allowed": "0",
            "grading_method": "highest", "feedback_policy": "after_submit", "points_possible": "10",
            "time_limit_minutes": "", "shuffle_options": "y", "action": "save"}
SCOPES = ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
          "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
          "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"]


def moodle_members():
    return json.loads((FIXTURES / "moodle-4.5/nrps_membership_get.json").read_text())["response"]["body"]["members"]


def _services(platform):
    return {NRPS: {"context_memberships_url": platform.memberships_url, "service_versions": ["2.0"]},
            AGS: {"scope": SCOPES, "lineitem": platform.lineitem(), "lineitems": platform.url + "/lineitems"}}


def _teacher(client, platform, **kw):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,), claims_overrides=_services(platform), **kw)
    lt = parse_qs(urlparse(resp.headers["Location"]).query)["lt"][0]
    assert client.post("/instructor/settings", data=dict(SETTINGS, lt=lt)).status_code == 303
    return lt


def _student(client, platform, sub, **kw):
    """A student launch that presses Start on the start page too (the clock starts there)."""
    resp, _, _ = platform.launch(client, sub=sub, claims_overrides=_services(platform), **kw)
    assert resp.status_code == 303
    loc = resp.headers["Location"]
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    client.post(f"/attempt/{aid}/start", data={"lt": re.search(r"lt=([^&#]+)", loc).group(1)})
    return aid


def setup_function():
    results_service.forget_cache()


def test_moodle_roster_lists_students_who_have_not_started_and_not_staff(client, platform, app):
    platform.members = moodle_members() + [
        {"status": "Active", "roles": ["Learner"], "user_id": "6", "lis_person_sourcedid": ""},  # no name shared
        {"status": "Inactive", "roles": ["Learner"], "user_id": "9", "name": "Una Unenrolled"}]
    platform.score_maximum["7"] = 100  # the teacher set the Moodle grade to 100
    lt = _teacher(client, platform)
    answer_and_submit(app, _student(client, platform, "4", name=None), 6)  # Moodle sent no name: NRPS has one
    answer_and_submit(app, _student(client, platform, "6", name=None), 4)
    with app.app_context():
        worker.run_once()
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert platform.members_requests and "page=" not in platform.members_requests[0]  # one page, no Link header
    assert "Sam Student" in page and "Una Unenrolled" in page and "Inactive" in page
    assert "Terry Teacher" not in page and "1 staff not listed" in page
    assert "Name not shared by the LMS</span> <span class=\"small\">(user id 6)" in page
    assert "100 points (the gradebook column’s maximum)" in page and "Points possible: 10" not in page
    assert page.count("in gradebook") == 2
    with app.app_context():
        assert db.session.execute(db.select(User).filter_by(sub="4")).scalar_one().name == "Sam Student"
        # Rapport follows the gradebook's scale: later scores go out out of 100.
        from lti_tool.models import Assignment
        assert db.session.execute(db.select(Assignment)).scalar_one().points_possible == 100


def test_canvas_style_roster_is_read_across_link_header_pages(client, platform, app):
    base = "http://purl.imsglobal.org/vocab/lis/v2/"
    platform.members = [{"user_id": f"u{i}", "name": f"Student {i:02d}", "status": "Active",
                         "roles": [base + "membership#Learner", base + "institution/person#Administrator"]}
                        for i in range(7)]
    platform.members += [{"user_id": "ta", "name": "Tess TA", "status": "Active",
                          "roles": [base + "membership/Instructor#TeachingAssistant", base + "membership#Instructor"]}]
    platform.members_page_size = 3
    lt = _teacher(client, platform)
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert len(platform.members_requests) == 3
    assert all(f"Student {i:02d}" in page for i in range(7)) and "Tess TA" not in page
    assert "7 of 7 students from the LMS class list" in page


def test_roster_failure_is_one_readable_line_and_launched_students_still_show(client, platform, app):
    lt = _teacher(client, platform)
    answer_and_submit(app, _student(client, platform, "s1"), 3)
    platform.down = True
    try:
        page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    finally:
        platform.down = False
    assert "Class list:" in page and "<html" not in page.split("Class list:")[1][:300]
    assert "User s1" in page


def test_no_grade_service_says_how_to_turn_it_on(client, platform, app):
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,), lineitem=False)
    lt = parse_qs(urlparse(resp.headers["Location"]).query)["lt"][0]
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert "Scores are not sent to the gradebook" in page and "In Moodle" in page and "in Canvas" in page


def test_csv_has_every_student_and_neutralises_formulas(client, platform, app):
    platform.members = [{"user_id": "x1", "name": "=HYPERLINK(\"http://evil\")", "roles": ["Learner"], "status": "Active"},
                        {"user_id": "x2", "name": "Bo Brown", "roles": ["Learner"], "status": "Active"}]
    lt = _teacher(client, platform)
    answer_and_submit(app, _student(client, platform, "x2", name="Bo Brown"), 5)
    resp = client.get(f"/instructor/results.csv?lt={lt}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    by_id = {r["LMS user id"]: r for r in rows}
    assert set(by_id) == {"x1", "x2"}
    assert by_id["x1"]["Name"].startswith("'=") and by_id["x1"]["State"] == "not started"
    assert by_id["x2"]["Attempts"] == "1" and float(by_id["x2"]["Counted score"]) > 0


def test_filters_and_sorting(client, platform, app):
    platform.members = [{"user_id": s, "name": n, "roles": ["Learner"], "status": "Active"}
                        for s, n in (("a", "Ann"), ("b", "Ben"), ("c", "Cy"))]
    lt = _teacher(client, platform)
    answer_and_submit(app, _student(client, platform, "b", name="Ben"), 8)
    answer_and_submit(app, _student(client, platform, "c", name="Cy"), 2)
    page = client.get(f"/instructor/?lt={lt}&show=not-started").get_data(as_text=True)
    assert "Ann" in page and ">Ben" not in page
    page = client.get(f"/instructor/?lt={lt}&sort=score").get_data(as_text=True)
    assert page.index("Ben") < page.index("Cy") < page.index("Ann")


def test_instructor_opens_an_attempt_with_key_and_rationales_but_not_another_courses(client, platform, app):
    lt = _teacher(client, platform)
    aid = _student(client, platform, "s1")
    page = client.get(f"/instructor/attempts/{aid}?lt={lt}").get_data(as_text=True)
    assert "Answers, keys and rationales show here once it is submitted" in page
    answer_and_submit(app, aid, 4)
    page = client.get(f"/instructor/attempts/{aid}?lt={lt}").get_data(as_text=True)
    assert "<h4>Correct answer</h4>" in page and "<h4>Student’s answer</h4>" in page and 'class="rationale"' in page
    # the same per-option states as the student's own review, in the instructor's words
    assert "Correct, the student chose it." in page and "you chose it" not in page
    other, _, _ = platform.launch(client, sub="teacher-2", roles=(INSTRUCTOR,), context_id="course-B", link_id="B")
    lt_b = parse_qs(urlparse(other.headers["Location"]).query)["lt"][0]
    assert client.get(f"/instructor/attempts/{aid}?lt={lt_b}").status_code == 404
    _, lt_s = None, None
    student, _, _ = platform.launch(client, sub="s1")
    lt_s = parse_qs(urlparse(student.headers["Location"]).query)["lt"][0]
    assert client.get(f"/instructor/attempts/{aid}?lt={lt_s}").status_code == 403
    assert client.get(f"/instructor/results.csv?lt={lt_s}").status_code == 403


def test_accommodation_for_a_roster_student_who_never_launched_is_audited(client, platform, app):
    platform.members = moodle_members()
    lt = _teacher(client, platform)
    page = client.get(f"/instructor/accommodations?lt={lt}").get_data(as_text=True)
    assert 'value="4">Sam Student' in page and "Terry Teacher" not in page
    resp = client.post("/instructor/accommodations", data={"lt": lt, "sub": "4", "time_multiplier": "1.5", "extra_attempts": "1"})
    assert resp.status_code == 303
    client.post("/instructor/accommodations", data={"lt": lt, "sub": "4", "time_multiplier": "2", "extra_attempts": "1"})
    assert client.post("/instructor/accommodations", data={"lt": lt, "sub": "3", "time_multiplier": "2",
                                                           "extra_attempts": "0"}).status_code == 404  # the teacher
    page = client.get(f"/instructor/accommodations?lt={lt}").get_data(as_text=True)
    assert "×2 time, +1 attempts" in page and "×1.5, +1" in page and "User teacher-1" in page
    with app.app_context():
        changes = db.session.execute(db.select(AccommodationChange).order_by(AccommodationChange.id)).scalars().all()
        assert [(c.previous_time_multiplier, c.time_multiplier) for c in changes] == [(None, 1.5), (1.5, 2.0)]
        assert all(c.set_by.sub == "teacher-1" for c in changes)
    # The student's first attempt gets the extended time.
    client.post("/instructor/settings", data=dict(SETTINGS, lt=lt, time_limit_minutes="20", confirm="1"))
    aid = _student(client, platform, "4")
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert (a.deadline_at - a.started_at).total_seconds() == 40 * 60
