"""The builder, results and analysis pages in real Chromium inside the practice LMS's cross-site
iframe: built and returned by keyboard alone, axe finds nothing, and nothing scrolls sideways
at 320 px (tables scroll inside their own box, as WCAG 1.4.10 allows for data tables)."""
import time
from pathlib import Path

import pytest

from tests.support.browser import run_axe, screenshots, tool_frame, wait_for_url
from tests.support.grades import answer_and_submit

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots-instructor")

FOCUSED = """() => { const e = document.activeElement;
  return e && e !== document.body ? {tag: e.tagName.toLowerCase(), id: e.id || null, name: e.name || null,
    text: (e.innerText || e.value || '').trim().slice(0, 60)} : null; }"""
NO_SIDEWAYS = """() => { const w = document.documentElement.clientWidth;
  const wide = Array.from(document.querySelectorAll('body *')).filter(e => {
    if (e.closest('.table-wrap')) return false;
    const r = e.getBoundingClientRect(); return r.width > 0 && r.right > w + 1; });
  return {scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 5).map(e => e.outerHTML.slice(0, 120))}; }"""


def _narrow(browser, url):
    page = browser.new_page()
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(url)
    found = page.evaluate(NO_SIDEWAYS)
    page.close()
    return found


def _tab_to(page, frame, predicate, limit=200):
    for _ in range(limit):
        page.keyboard.press("Tab")
        f = frame.evaluate(FOCUSED)
        if f and predicate(f):
            return f
    raise AssertionError("never reached the control by Tab")


def test_builder_by_keyboard_then_results_and_analysis(app, live, browser, axe_source):
    page = browser.new_page()
    page.goto(live["lms_url"] + "/")
    page.get_by_role("link", name="Add a Rapport activity (deep linking)").click()
    frame = tool_frame(page)
    frame = wait_for_url(page, frame, "/instructor/deep-link")
    assert run_axe(frame, axe_source) == []
    builder_url = frame.url
    screenshots(browser, builder_url, "builder", SHOTS)
    narrow = _narrow(browser, builder_url)
    assert narrow["scroll"] <= narrow["width"] and not narrow["wide"], narrow
    # The "Build your own set" rows are form controls, not data: on a phone each row is a card,
    # nothing to scroll sideways inside its box either.
    phone = browser.new_page()
    for width in (390, 320):
        phone.set_viewport_size({"width": width, "height": 800})
        phone.goto(builder_url)
        box = phone.evaluate("() => { const w = document.querySelector('table.rows').closest('.table-wrap');"
                             " return [w.scrollWidth, w.clientWidth]; }")
        assert box[0] <= box[1], f"rows table at {width} px: {box}"
    phone.close()

    # Keyboard only: the title, then points possible, then "Add to the course".
    _tab_to(page, frame, lambda f: f["id"] == "title")
    page.keyboard.press("Control+A")
    page.keyboard.type("Week 6: keyboard-built check")
    _tab_to(page, frame, lambda f: f["id"] == "points_possible")
    page.keyboard.press("Control+A")
    page.keyboard.type("15")
    _tab_to(page, frame, lambda f: f["tag"] == "button" and f["text"] == "Add to the course")
    page.keyboard.press("Enter")
    deadline = time.time() + 15
    while time.time() < deadline and not live["gradebook"].deep_link_responses:
        page.wait_for_timeout(100)
    assert live["gradebook"].deep_link_responses, live["gradebook"].deep_link_errors
    item = live["gradebook"].deep_link_responses[0]["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]
    assert item["title"] == "Week 6: keyboard-built check" and item["lineItem"]["scoreMaximum"] == 15
    link_id = next(k for k, a in live["gradebook"].activities.items() if a["title"] == item["title"])

    # Two students submit; then the instructor's results page.
    from tests.support.cookieless import CookielessBrowser
    b = CookielessBrowser()
    import re
    for who, right in (("student", 8), ("student2", 2)):
        p = b.follow_autopost(b.get(f"{live['lms_url']}/launch/{who}?link={link_id}"))
        answer_and_submit(app, int(re.search(r"/attempt/(\d+)", p.url).group(1)), right)
    page.goto(f"{live['lms_url']}/launch/instructor?link={link_id}")
    page.goto(live["lms_url"] + "/")
    page.get_by_role("link", name="Open Week 6: keyboard-built check as the instructor").click()
    frame = tool_frame(page)
    frame = wait_for_url(page, frame, "/instructor/")
    frame.wait_for_selector("text=Sam Student")
    assert run_axe(frame, axe_source) == []
    results_url = frame.url
    screenshots(browser, results_url, "results", SHOTS)
    narrow = _narrow(browser, results_url)
    assert narrow["scroll"] <= narrow["width"] and not narrow["wide"], narrow
    f = _tab_to(page, frame, lambda f: f["tag"] == "a" and f["text"] == "Item analysis")
    page.keyboard.press("Enter")
    frame = wait_for_url(page, frame, "/instructor/analysis")
    assert "Not enough data yet" in frame.inner_text("main")
    assert run_axe(frame, axe_source) == []
    analysis_url = frame.url
    for name, path in (("analysis", "analysis"), ("review", "review"), ("accommodations", "accommodations"),
                       ("settings", "settings")):
        url = analysis_url.replace("/instructor/analysis", f"/instructor/{path}")
        frame.goto(url)
        assert run_axe(frame, axe_source) == [], name
        screenshots(browser, url, name, SHOTS)
        narrow = _narrow(browser, url)
        assert narrow["scroll"] <= narrow["width"] and not narrow["wide"], (name, narrow)
    page.close()


def test_analysis_with_charts_passes_axe_and_reflows(app, live, browser, axe_source):
    """A class big enough for statistics: the charts page, by keyboard and at 320 px."""
    from lti_tool.extensions import db
    from lti_tool.models import ResourceLink
    from tests.lti_tool.services.test_analysis_service import generate_class
    from tests.support.cookieless import CookielessBrowser
    b = CookielessBrowser()
    page0 = b.follow_autopost(b.get(live["lms_url"] + "/launch/instructor"))
    assert "/instructor/" in page0.url
    generate_class(app, n=40)
    import re
    token = re.search(r"lt=([^&]+)", page0.url).group(1)
    with app.app_context():
        assert db.session.execute(db.select(ResourceLink)).scalars().first() is not None
    page = browser.new_page()
    url = f"{live['tool_url']}/instructor/analysis?lt={token}"
    page.goto(url)
    assert page.locator("svg.chart").count() >= 3
    assert run_axe(page, axe_source) == []
    screenshots(browser, url, "analysis-charts", SHOTS)
    narrow = _narrow(browser, url)
    assert narrow["scroll"] <= narrow["width"] and not narrow["wide"], narrow
    page.close()
