"""Time in real Chromium (practice LMS iframe): the start page states the time with the student's
accommodation; the 5- and 1-minute warnings are on screen (not only announced) in the sticky header;
a student whose accommodation allows it adds time from the warning; "Start another attempt" leads
to a new start page and the clock waits for Start. axe clean and no sideways scroll in the warning
state at 1280, 390 and 320 px; screenshots at 1280 and 390 px."""
from datetime import timedelta

import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.models.base import utcnow
from lti_tool.services import assignments
from tests.support.browser import (attempt_id_of, launch_in_lms, no_horizontal_scroll,
                                   prepare_assignment, press_start, run_axe, screenshot_dir, shareable_url, tool_frame,
                                   wait_for_url)

pytestmark = pytest.mark.browser



def _deadline_in(app, attempt_id, seconds):
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        a.deadline_at = utcnow() + timedelta(seconds=seconds)
        db.session.commit()


def _reload(frame):
    frame.evaluate("() => location.reload()")
    frame.locator("#exam[data-ready]").wait_for(state="attached")


def test_time_warnings_show_more_time_can_be_added_and_another_attempt_starts_at_start(
        app, live, browser, side, tmp_path, axe_source):
    shots = screenshot_dir(tmp_path)
    prepare_assignment(app, live, sections=[{"filter": {"type": "multiple_choice"}, "count": 2}], time_limit_minutes=20)
    with app.app_context():
        db.session.execute(db.select(Assignment)).scalar_one().attempts_allowed = 2
        db.session.commit()
    page = browser.new_page()
    frame = launch_in_lms(page, live, start=False)
    attempt_id = attempt_id_of(frame.url)
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        assignments.set_accommodation(a.assignment.resource_link.context_id, a.user_id, 1.5, 0)
    frame.evaluate("() => location.reload()")
    frame.locator("#start-button").wait_for()
    assert "30 minutes (includes your extra-time accommodation)" in frame.locator("#time-limit").inner_text()
    press_start(frame)
    assert frame.locator("#timer-warning").is_hidden()

    # Five minutes left: on screen in the header, said to screen readers, with a way to add time.
    _deadline_in(app, attempt_id, 290)
    _reload(frame)
    warning = frame.locator("#timer-warning")
    warning.wait_for()
    assert warning.get_attribute("role") == "alert"
    assert "5 minutes left" in warning.inner_text() and "You can add more time" in warning.inner_text()
    assert frame.locator("#timer").get_attribute("class").count("is-low") == 1
    url = shareable_url(frame)
    for width in (1280, 390, 320):
        p = side.new_page()
        p.set_viewport_size({"width": width, "height": 800})
        p.goto(url)
        p.locator("#timer-warning").wait_for()
        # The warning stays in view while the student scrolls to the end of the page (sticky header).
        p.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
        box = p.locator("#timer-warning").bounding_box()
        assert box is not None and 0 <= box["y"] < 800, (width, box)
        assert no_horizontal_scroll(p) == [], width
        assert run_axe(p, axe_source) == [], width
        # Keyboard focus is never hidden under the sticky header (WCAG 2.4.11).
        p.evaluate("() => window.scrollTo(0, 0)")
        for _ in range(14):
            p.keyboard.press("Tab")
            hidden = p.evaluate("""() => { const e = document.activeElement, h = document.getElementById('exam-header');
                if (!e || h.contains(e) || !document.getElementById('main').contains(e)) return null;
                const r = e.getBoundingClientRect(); return r.top < h.getBoundingClientRect().bottom - 1 ? e.outerHTML.slice(0, 80) : null; }""")
            assert hidden is None, (width, hidden)
        if width != 320:
            p.screenshot(path=str(shots / f"time-warning-{width}.png"))
        p.close()

    with app.app_context():
        before = db.session.get(Attempt, attempt_id).deadline_at
    frame.get_by_role("button", name="Add 10 minutes").click()
    frame.locator("#timer-warning-text", has_text="Time added").wait_for()
    with app.app_context():
        assert (db.session.get(Attempt, attempt_id).deadline_at - before).total_seconds() == 600

    # One minute left.
    _deadline_in(app, attempt_id, 50)
    _reload(frame)
    frame.locator("#timer-warning-text", has_text="1 minute left").wait_for()

    # Submit, then "Start another attempt": a new start page; the clock waits for Start.
    _deadline_in(app, attempt_id, 600)
    _reload(frame)
    frame.locator("#nav-submit").click()
    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").click()
    frame = wait_for_url(page, frame, "/review")
    frame.get_by_role("button", name="Start another attempt").click()
    frame = tool_frame(page)
    frame.locator("#start-button").wait_for()
    second = attempt_id_of(frame.url)
    assert second != attempt_id and "attempt 2 of 2" in frame.locator("main").inner_text().lower()
    with app.app_context():
        assert db.session.get(Attempt, second).deadline_at is None, "the clock started before Start"
    press_start(frame)
    with app.app_context():
        assert db.session.get(Attempt, second).deadline_at is not None
    page.close()
