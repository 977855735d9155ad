"""In real Chromium, inside the practice LMS: the student's results page says where the grade
is, and the instructor sees an LMS outage as one readable line; the grade arrives by itself."""
import os
from pathlib import Path

import pytest

from lti_tool.extensions import db
from lti_tool.models import GradeSync
from tests.support.browser import attempt_id_of, launch_in_lms, run_axe, screenshots, tool_frame, wait_for_url, shareable_url
from tests.support.grades import answer_and_submit, make_due
from tests.support.live import wait_until

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("RAPPORT_SHOTS", "/tmp/rapport-shots"))


def test_gradebook_status_through_an_outage(app, live, browser, axe_source):
    live["gradebook"].offline = True
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    aid = attempt_id_of(frame.url)
    answer_and_submit(app, aid, 6)
    frame.goto(frame.url)  # the attempt is submitted: the page shows the results
    frame = wait_for_url(page, frame, "/review")
    status = frame.locator("#gradebook-status")
    assert "Waiting to reach your gradebook" in status.inner_text()
    assert run_axe(frame, axe_source) == []
    screenshots(browser, shareable_url(frame, app=app), "student-results-waiting", SHOTS, full_page=False)

    with app.app_context():  # the worker has tried and failed at least once
        assert wait_until(lambda: db.session.execute(db.select(GradeSync.tries)).scalar_one() >= 1)
    page.goto(live["lms_url"] + "/")
    page.get_by_role("link", name="Launch as instructor").click()
    frame = tool_frame(page)
    frame = wait_for_url(page, frame, "/instructor/")
    outage = frame.locator(".outage")
    assert outage.count() == 1
    text = outage.inner_text()
    assert "has been unreachable since" in text and "1 score waiting" in text
    assert "503" in text and "<" not in text and "nothing to press" in text
    assert run_axe(frame, axe_source) == []
    screenshots(browser, frame.url, "instructor-outage", SHOTS, full_page=False)

    page.goto(live["lms_url"] + "/")  # the course page on its own, nothing loading in its frame
    page.get_by_role("button", name="Bring it back online").click()
    # the form posts and the LMS page comes back saying so
    page.get_by_role("button", name="Take it offline").wait_for(timeout=30_000)
    assert not live["gradebook"].offline
    make_due(app)
    assert wait_until(lambda: bool(live["gradebook"].scores)), "the score never arrived"
    frame = launch_in_lms(page, live, path_part="/review")
    assert "Sent to your gradebook at" in frame.locator("#gradebook-status").inner_text()
    screenshots(browser, shareable_url(frame, app=app), "student-results-sent", SHOTS, full_page=False)
