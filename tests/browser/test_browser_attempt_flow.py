"""Reload, timer and double-submit behaviour of the attempt page in real Chromium (inside the practice LMS iframe)."""
from datetime import timedelta

import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.models.base import utcnow
from lti_tool.models.grades import GradeSync
from tests.support.browser import (shareable_url, answer_with_pointer, attempt_id_of, correct_pairs, form_state, launch_in_lms,
                                   prepare_assignment, wait_for_url, wait_saved)

pytestmark = pytest.mark.browser


def _deliveries(app, attempt_id):
    with app.app_context():
        # One submission = one change requested on the student's gradebook row.
        attempt = db.session.get(Attempt, attempt_id)
        return db.session.execute(db.select(db.func.coalesce(db.func.sum(GradeSync.requested_seq), 0))
                                  .where(GradeSync.user_id == attempt.user_id)).scalar()


def test_reload_mid_attempt_keeps_every_answer(app, every_type, browser):
    page = browser.new_page()
    frame = launch_in_lms(page, every_type)
    attempt_id = attempt_id_of(frame.url)
    pairs = correct_pairs(app, attempt_id)
    answer_with_pointer(frame, pairs)
    assert form_state(frame) == pairs
    wait_saved(frame)
    frame.evaluate("() => location.reload()")
    frame.wait_for_load_state()
    frame.locator("#attempt-form").wait_for()
    assert form_state(frame) == pairs, "an autosaved answer was lost on reload"
    # and the whole attempt grades as fully right
    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").click()
    frame = wait_for_url(page, frame, "/review")
    assert "100%" in frame.locator("#score").inner_text()


def test_timer_expiry_submits_the_page_itself(app, live, browser):
    prepare_assignment(app, live, time_limit_minutes=30)
    app.config["SUBMIT_GRACE_SECONDS"] = 3
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    attempt_id = attempt_id_of(frame.url)
    assert frame.locator("#timer").is_visible()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.deadline_at = utcnow() + timedelta(seconds=5)
        db.session.commit()
    frame.evaluate("() => location.reload()")
    frame.locator("#attempt-form").wait_for()
    pairs = {p for p in correct_pairs(app, attempt_id) if p[0].split("-")[0] == "q1"}
    answer_with_pointer(frame, pairs)
    wait_saved(frame)
    # No click on Submit: the page submits itself when the time is up.
    frame = wait_for_url(page, frame, "/review", timeout=20)
    frame.locator("#score").wait_for()
    assert "when time ran out" in frame.locator("main").inner_text()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "graded" and attempt.submitted_by == "timer"
        assert attempt.items[0].response is not None and attempt.items[0].points == attempt.items[0].max_points
    assert _deliveries(app, attempt_id) == 1


def test_double_click_on_submit_makes_one_submission(app, live, browser):
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    attempt_id = attempt_id_of(frame.url)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and r.url.endswith("/submit") else None)
    answer_with_pointer(frame, {p for p in correct_pairs(app, attempt_id) if p[0] in ("q1", "q2")})
    frame.get_by_label("I am ready to submit").check()
    frame.get_by_role("button", name="Submit answers").dblclick()
    frame = wait_for_url(page, frame, "/review")
    frame.locator("#score").wait_for()
    assert len(posts) == 1, posts
    assert _deliveries(app, attempt_id) == 1


def test_two_tabs_submitting_make_one_grade_delivery(app, live, browser):
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    attempt_id = attempt_id_of(frame.url)
    # The same attempt open in two more tabs (new windows, as a student might).
    tabs = [browser.new_page(), browser.new_page()]
    for tab in tabs:
        tab.goto(shareable_url(frame))
        tab.get_by_label("I am ready to submit").check()
    answer_with_pointer(tabs[0], {p for p in correct_pairs(app, attempt_id) if p[0].split("-")[0] == "q1"})
    wait_saved(tabs[0])
    # Both submit at once; neither waits for the other.
    for tab in tabs:
        tab.evaluate("() => document.getElementById('attempt-form').requestSubmit()")
    for tab in tabs:
        tab.wait_for_url("**/review**")
        assert "Your score" in tab.locator("#score").inner_text()
    assert _deliveries(app, attempt_id) == 1
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == "graded" and attempt.items[0].points == attempt.items[0].max_points


def test_select_n_stops_the_extra_tick_and_a_failed_save_shows_at_the_question(app, live, browser):
    prepare_assignment(app, live, sections=[{"filter": {"type": "select_n"}, "count": 1}])
    page = browser.new_page()
    frame = launch_in_lms(page, live)
    boxes = frame.locator("#question-1 input[type=checkbox]")
    n = int(frame.locator("#question-1 [data-max-choices]").get_attribute("data-max-choices"))
    for i in range(n):
        boxes.nth(i).check()
    wait_saved(frame)
    assert frame.locator("#status-1").is_hidden()
    boxes.nth(n).click()  # one more than allowed: the browser refuses the tick and says why
    message = frame.locator("#status-1")
    message.wait_for()
    assert f"only {n}" in message.inner_text()
    assert not boxes.nth(n).is_checked()
    assert frame.locator("#question-1 input[type=checkbox]:checked").count() == n
    # The server still refuses more than n, whatever a crafted request says.
    token = frame.locator("input[name=lt]").input_value()
    ids = [b.get_attribute("value") for b in boxes.all()][: n + 1]
    status = frame.evaluate("""([url, token, ids]) => { const fd = new FormData(); ids.forEach(i => fd.append('q1', i));
        fd.append('position', '1'); fd.append('seq', String(Date.now() + 1000));
        return fetch(url, {method: 'POST', body: fd, headers: {'X-Launch-Token': token, 'Accept': 'application/json'}}).then(r => r.status); }""",
                            [frame.locator("#attempt-form").get_attribute("data-save-url"), token, ids])
    assert status == 400
    # A save that cannot reach the server shows at the question and by the submit button.
    page.route("**/save", lambda route: route.abort())
    boxes.nth(0).uncheck()
    frame.locator("#status-1").filter(has_text="Not saved yet").wait_for()
    assert "Not saved" in frame.locator("#save-status").inner_text()
    assert "question 1" in frame.locator("#submit-save-status").inner_text().lower()
    page.unroute("**/save")
    wait_saved(frame)
    assert frame.locator("#status-1").is_hidden() and frame.locator("#submit-save-status").is_hidden()
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id_of(frame.url))
        assert len(attempt.items[0].response) == n - 1
