"""What the student and the instructor are told about the gradebook, in words."""
import re
from urllib.parse import parse_qs, urlparse

from lti_tool.extensions import db
from lti_tool.grades import worker
from lti_tool.models import Attempt
from lti_tool.services import submission
from tests.support.grades import make_due
from tests.support.platform import INSTRUCTOR


def _token(location):
    return parse_qs(urlparse(location).query)["lt"][0]


def _student_submits(client, platform, sub="student-1"):
    resp, _, _ = platform.launch(client, sub=sub)
    loc = resp.headers["Location"]
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    resp = client.post(f"/attempt/{aid}/submit", data={"lt": _token(loc)})
    assert resp.status_code == 303
    return aid, resp.headers["Location"]


def test_student_results_say_waiting_then_sent(client, platform, app):
    platform.down = True
    aid, review = _student_submits(client, platform)
    page = client.get(review).get_data(as_text=True)
    assert "Waiting to reach your gradebook" in page and "nothing you need to do" in page
    with app.app_context():
        worker.run_once()
    page = client.get(review).get_data(as_text=True)
    assert "Waiting to reach your gradebook" in page and "<title>" not in page.split("gradebook-status")[1][:400]
    platform.down = False
    make_due(app)
    with app.app_context():
        worker.run_once()
    page = client.get(review).get_data(as_text=True)
    assert re.search(r"Sent to your gradebook at \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)


def test_student_is_told_when_the_link_sends_no_grades(client, platform, app):
    resp, _, _ = platform.launch(client, lineitem=False)
    loc = resp.headers["Location"]
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))
    review = client.post(f"/attempt/{aid}/submit", data={"lt": _token(loc)}).headers["Location"]
    assert "does not send grades to your course gradebook" in client.get(review).get_data(as_text=True)


def test_relaunch_after_a_submit_that_never_completed_offers_submit(client, platform, app, monkeypatch):
    resp, _, _ = platform.launch(client)
    loc = resp.headers["Location"]
    aid = int(re.search(r"/attempt/(\d+)", loc).group(1))

    def crash(*a, **k):
        raise RuntimeError("the process died while grading")
    monkeypatch.setattr(submission.grading, "score_items", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post(f"/attempt/{aid}/submit", data={"lt": _token(loc)}).status_code == 500
    monkeypatch.undo()
    with app.app_context():
        a = db.session.get(Attempt, aid)
        assert a.state == "in_progress" and a.submit_requested_at is not None
    resp, _, _ = platform.launch(client)  # the student comes back
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "did not go through" in page and "Submit now" in page
    lt = _token(resp.headers["Location"])
    assert client.post(f"/attempt/{aid}/submit", data={"lt": lt}).status_code == 303
    with app.app_context():
        assert db.session.get(Attempt, aid).state == "graded"


def test_instructor_sees_one_readable_line_and_can_send_again(client, platform, app):
    _student_submits(client, platform)
    platform.score_status = [400]
    with app.app_context():
        worker.run_once()
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    lt = _token(resp.headers["Location"])
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert "retrying: score: 400 BAD REQUEST" in page and "Send again" in page
    row_id = int(re.search(r"/instructor/grades/(\d+)/send-again", page).group(1))
    platform.score_status = [200]
    assert client.post(f"/instructor/grades/{row_id}/send-again", data={"lt": lt}).status_code == 303
    with app.app_context():
        worker.run_once()
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert "in gradebook" in page


def test_instructor_sees_an_outage_once_not_per_student(client, platform, app):
    _student_submits(client, platform, "student-1")
    _student_submits(client, platform, "student-2")
    platform.down = True
    with app.app_context():
        worker.run_once()
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    lt = _token(resp.headers["Location"])
    page = client.get(f"/instructor/?lt={lt}").get_data(as_text=True)
    assert page.count("has been unreachable since") == 1 and "2 scores waiting" in page
    assert "<title>" not in page.split("unreachable since")[1][:600]


def test_instructor_checks_the_gradebook_and_queues_corrections(client, platform, app):
    _student_submits(client, platform)
    with app.app_context():
        worker.run_once()
    key = ("7", "student-1")
    platform.gradebook[key]["score"] = dict(platform.gradebook[key]["score"], scoreGiven=9.5)
    resp, _, _ = platform.launch(client, sub="teacher-1", roles=(INSTRUCTOR,))
    lt = _token(resp.headers["Location"])
    page = client.post("/instructor/grades/reconcile", data={"lt": lt}).get_data(as_text=True)
    assert "1 of 1 students differ" in page and "9.5 / 10" in page
    page = client.post("/instructor/grades/reconcile", data={"lt": lt, "queue": "1"}).get_data(as_text=True)
    assert "1 correction queued" in page
    with app.app_context():
        worker.run_once()
    assert platform.gradebook[key]["score"]["scoreGiven"] == 0.0


def test_a_student_cannot_use_the_grade_routes(client, platform, app):
    aid, review = _student_submits(client, platform)
    lt = _token(review)
    assert client.post("/instructor/grades/reconcile", data={"lt": lt}).status_code == 403
    assert client.post("/instructor/grades/1/send-again", data={"lt": lt}).status_code == 403
