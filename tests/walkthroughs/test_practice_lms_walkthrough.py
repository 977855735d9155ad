"""Whole journey against the practice LMS (lti1p3platform): login -> launch -> answer -> submit -> AGS score.

Both run as real HTTP servers on different sites (localhost vs 127.0.0.1). The client is
plain `requests` with cookies dropped after every response, as in a third-party iframe.
"""
import re
import time
from urllib.parse import urljoin

import pytest
import requests

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.services.bank_store import item_type
from tests.support.cookieless import CookielessBrowser, forms, press_start
from tests.support.live import live  # noqa: F401  (fixture)


def test_student_journey_reaches_the_practice_gradebook(app, live):
    b = CookielessBrowser()
    course = b.get(live["lms_url"] + "/")
    assert "Launch as student" in course.text
    # LMS -> tool login -> LMS authorize (auto-posting form) -> tool launch -> attempt page
    auth = b.get(live["lms_url"] + "/launch/student")
    assert auth.url.startswith(live["lms_url"] + "/authorize")
    page = b.follow_autopost(auth)
    assert page.status_code == 200, page.text
    assert "/attempt/" in page.url and 'id="start-button"' in page.text  # the start page first
    page = press_start(b, page)
    assert "/attempt/" in page.url and "Question 10" in page.text
    token = re.search(r'name="lt" value="([^"]+)"', page.text).group(1)
    attempt_id = int(re.search(r"/attempt/(\d+)", page.url).group(1))

    # Answer: right on the first 6 questions, nothing on the rest, through the autosave endpoint.
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        answers = [(i.position, item_type(i.bank_item).correct_response(), i.bank_item.type) for i in attempt.items]
    from tests.support.forms import form_fields
    for pos, response, kind in answers[:6]:
        data = form_fields(kind, f"q{pos}", response)
        data += [("position", str(pos)), ("seq", "1")]
        r = requests.post(f"{live['tool_url']}/attempt/{attempt_id}/save", data=data,
                          headers={"X-Launch-Token": token, "Accept": "application/json"})
        assert r.status_code == 200, r.text
        token = r.json()["lt"]

    review = b.post(f"{live['tool_url']}/attempt/{attempt_id}/submit", data={"lt": token, "confirm": "on"})
    assert "Your score" in review.text
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        expected = (attempt.points, attempt.max_points)
        assert attempt.state == "graded" and 0 < attempt.points < attempt.max_points

    deadline = time.time() + 10
    while time.time() < deadline and not live["gradebook"].scores:
        time.sleep(0.1)
    assert live["gradebook"].scores, "the practice LMS received no score"
    got = live["gradebook"].scores[-1]
    assert got["content_type"] == "application/vnd.ims.lis.v1.score+json"
    score = got["score"]
    assert score["userId"] == "student-1"
    assert score["scoreGiven"] == pytest.approx(expected[0] / expected[1] * 10, abs=1e-3)
    assert score["scoreMaximum"] == 10
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"
    # and the LMS's own results endpoint reports it
    gb = b.get(live["lms_url"] + "/").text
    assert "student-1" in gb


def test_instructor_journey_opens_results_and_is_never_graded(app, live):
    b = CookielessBrowser()
    auth = b.get(live["lms_url"] + "/launch/instructor")
    page = b.follow_autopost(auth)
    assert page.status_code == 200 and "/instructor/settings" in page.url
    assert "Set up this assignment" in page.text  # nobody built this link: the builder, not a default
    token = re.search(r'name="lt" value="([^"]+)"', page.text).group(1)
    page = b.get(f"{live['tool_url']}/instructor/?lt={token}")
    assert "Preview as a student" in page.text
    f = [f for f in forms(page.text) if f["action"].endswith("/instructor/preview")][0]
    preview = press_start(b, b.post(urljoin(page.url, f["action"]), f["fields"]))
    assert "Instructor preview" in preview.text
    f = [f for f in forms(preview.text) if "/submit" in (f["action"] or "")][0]
    done = b.post(urljoin(preview.url, f["action"]), f["fields"])
    assert "Your score" in done.text
    time.sleep(1.0)
    assert live["gradebook"].scores == []
