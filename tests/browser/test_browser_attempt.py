"""A whole attempt in real Chromium, inside the practice LMS's cross-site iframe, third-party cookies blocked."""
import time

import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.models.grades import GradeSync

from tests.support.browser import attempt_id_of, launch_in_lms, wait_saved

pytestmark = pytest.mark.browser


def _assert_third_party_cookies_blocked(browser, frame, live):
    # Rapport's login answered with Set-Cookie (the library's state cookie) inside the frame:
    # a browser blocking third-party cookies stored nothing for 127.0.0.1.
    stored = [c for c in browser.cookies() if c["domain"] == "127.0.0.1" and not c.get("partitionKey")]
    assert stored == [], stored
    # And a cookie the framed page sets itself does not stick.
    got = frame.evaluate("() => { document.cookie = 'probe=1; SameSite=None; Secure; Path=/'; return document.cookie; }")
    assert "probe" not in got
    assert not [c for c in browser.cookies() if c["name"] == "probe"]


def _first_option_answers(frame):
    """Answer every question with some (not necessarily right) choice, by clicking."""
    for section in frame.locator("section.question").all():
        if section.locator(".order-keep").count():  # ordered response: keep the order shown
            section.locator(".order-keep").click()
            continue
        radios = section.locator("input[type=radio]")
        boxes = section.locator("input[type=checkbox]")
        selects = section.locator("select")
        if radios.count():
            names = []
            for r in radios.all():
                n = r.get_attribute("name")
                if n not in names:
                    names.append(n)
                    r.check()
        elif selects.count():
            for i, s in enumerate(selects.all()):
                values = [v for v in s.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
                s.select_option(values[i % len(values)])
        elif boxes.count():
            boxes.first.check()


def test_whole_attempt_inside_the_practice_lms_iframe(app, live, browser):
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    assert page.url.startswith("http://localhost:")
    assert frame.url.startswith("http://127.0.0.1:")
    _assert_third_party_cookies_blocked(browser, frame, live)

    frame.get_by_role("heading", level=1).wait_for()
    assert frame.locator("section.question").count() == 10
    _first_option_answers(frame)
    wait_saved(frame)
    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").click()
    frame.locator("#score").wait_for()
    assert "/review" in frame.url
    assert "Your score" in frame.locator("#score").inner_text()

    attempt_id = attempt_id_of(frame.url)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "graded"
        answered = [i for i in attempt.items if i.response is not None]
        assert len(answered) == 10, "every answer clicked in the frame reached the server"
        expected = attempt.points / attempt.max_points * 10

    deadline = time.time() + 10
    while time.time() < deadline and not live["gradebook"].scores:
        time.sleep(0.1)
    assert live["gradebook"].scores, "the practice LMS received no score"
    score = live["gradebook"].scores[-1]["score"]
    assert score["userId"] == "student-1"
    assert score["scoreGiven"] == pytest.approx(expected, abs=1e-3)
    # The LMS's own course page shows it.
    page.reload()
    assert "student-1" in page.locator("table").inner_text()
    with app.app_context():
        rows = db.session.execute(db.select(GradeSync)).scalars().all()
        assert len(rows) == 1 and rows[0].requested_seq == 1 and rows[0].status == "delivered"
