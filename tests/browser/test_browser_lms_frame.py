"""Rapport in the practice LMS's frame (LMS on localhost, Rapport on 127.0.0.1, Referrer-Policy
no-referrer): the page posts lti.frameResize and, after a page change, lti.scrollToTop to the LMS
origin the server knows (never to "*"), and the LMS page comes back to the top of the frame."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment
from tests.support.browser import every_type_sections, launch_in_lms, prepare_assignment, tool_frame, wait_for_url

pytestmark = pytest.mark.browser


def _messages(page, subject):
    return page.evaluate("s => window.ltiMessages.filter(m => m.subject === s)", subject)


def _scroll_lms_to_bottom(page):
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 0")


def _frame_top(page):
    return page.evaluate("() => document.getElementById('tool').getBoundingClientRect().top")


def test_frame_messages_go_to_the_lms_origin_and_bring_a_new_page_into_view(app, live, browser):
    prepare_assignment(app, live, sections=every_type_sections())
    with app.app_context():
        db.session.execute(db.select(Assignment)).scalar_one().delivery = "one_per_page"
        db.session.commit()
    page = browser.new_page()
    page.set_viewport_size({"width": 1280, "height": 700})
    frame = launch_in_lms(page, live, start=False)
    lms_origin, tool_origin = live["lms_url"], live["tool_url"]

    # What the server told the page; the browser tells it nothing (no referrer).
    assert frame.evaluate("() => document.referrer") == ""
    origins = frame.evaluate("() => document.body.dataset.lmsOrigins").split()
    assert origins[0] == lms_origin and tool_origin not in origins
    # (The launch's first page comes through Rapport's own token hand-off, so it counts as a
    # page change too: bringing the frame's top into view at launch is harmless.)
    page.wait_for_function("() => window.ltiMessages.some(m => m.subject === 'lti.frameResize')")
    resized = _messages(page, "lti.frameResize")
    assert {m["origin"] for m in resized} == {tool_origin}
    # The practice LMS, like Canvas, sized the frame to the content.
    assert abs(page.evaluate("() => document.getElementById('tool').offsetHeight") - resized[-1]["height"]) <= 2

    # Start from the bottom of the LMS page: the question page must bring the frame's top into view.
    _scroll_lms_to_bottom(page)
    assert _frame_top(page) < -50
    frame.evaluate("() => document.getElementById('start-button').click()")  # a click that does not scroll
    frame = tool_frame(page)
    frame.locator("#attempt-form").wait_for()
    assert frame.evaluate("() => document.body.dataset.pageChange") == "1"
    page.wait_for_function("() => window.ltiMessages.some(m => m.subject === 'lti.scrollToTop')")
    assert abs(_frame_top(page)) <= 2
    assert {m["origin"] for m in _messages(page, "lti.scrollToTop")} == {tool_origin}

    # One question per page: Next is a page change too.
    before = len(_messages(page, "lti.scrollToTop"))
    _scroll_lms_to_bottom(page)
    frame.evaluate("() => document.querySelector('#question-1 .next-link').click()")
    page.wait_for_function(f"() => window.ltiMessages.filter(m => m.subject === 'lti.scrollToTop').length > {before}")
    assert abs(_frame_top(page)) <= 2
    assert frame.evaluate("() => location.hash") == "#question-2"

    # Submitting (a post back to Rapport, then its review page) brings the review's top into view.
    frame.evaluate("() => { location.hash = '#submit-box'; }")
    frame.locator("#confirm-submit").check()
    _scroll_lms_to_bottom(page)
    before = len(_messages(page, "lti.scrollToTop"))
    frame.evaluate("() => document.getElementById('submit-button').click()")
    frame = tool_frame(page)
    frame = wait_for_url(page, frame, "/review")
    page.wait_for_function(f"() => window.ltiMessages.filter(m => m.subject === 'lti.scrollToTop').length > {before}")
    assert abs(_frame_top(page)) <= 2
    page.close()
