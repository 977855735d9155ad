"""Adaptive practice in Chromium inside the practice LMS's cross-site iframe: axe on the session,
mastery, study plan and class mastery pages, keyboard-only answering, reflow at 390 and 320 px,
and screenshots at 1280 and 390 px ($RAPPORT_SCREENSHOTS keeps them)."""
import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.models.base import utcnow
from lti_tool.services import adaptive, bank_store
from tests.support.browser import (launch_in_lms, no_horizontal_scroll, prepare_assignment,
                                   run_axe, screenshot_dir, screenshots, wait_for_url)
from tests.support.forms import form_fields

pytestmark = pytest.mark.browser


def _make_adaptive(app, **settings):
    with app.app_context():
        a = db.session.execute(db.select(Assignment)).scalars().one()
        a.mode, a.adaptive, a.configured_at = "adaptive", dict(adaptive.DEFAULTS, **settings), utcnow()
        db.session.commit()


def _current(app, attempt_id):
    with app.app_context():
        item = adaptive.current_item(db.session.get(Attempt, attempt_id))
        if item is None:
            return None
        t = bank_store.item_type(item.bank_item)
        d = item.bank_item.definition
        response = t.correct_response()
        if item.bank_item.type == "multiple_choice":  # this student falls for false reassurance
            habit = [o["id"] for o in d["options"] if o.get("technique") == "false-reassurance"]
            response = habit[0] if habit else response
        return item.position, item.bank_item.type, response


def _answer_by_keyboard(frame, pairs):
    """Focus each choice and press Space (radios, checkboxes); choose from selects by keyboard value."""
    for name, value in pairs:
        box = frame.locator(f'section.question input[name="{name}"][value="{value}"]')
        if box.count():
            box.focus()
            if not box.is_checked():
                frame.page.keyboard.press("Space")
            continue
        frame.locator(f'section.question select[name="{name}"]').select_option(value)


def test_adaptive_practice_pages_in_the_browser(app, live, browser, axe_source, tmp_path):
    prepare_assignment(app, live)
    _make_adaptive(app, max_items=10, se_target=0.05)
    page = browser.new_page()
    frame = launch_in_lms(page, live, path_part="/practice/", start=False)
    attempt_id = int(frame.url.split("/practice/")[1].split("?")[0])
    shots = screenshot_dir(tmp_path)
    screenshots(browser, frame.url, "practice-session", shots)
    found = run_axe(frame, axe_source)
    assert found == [], f"practice session page: {found}"

    # The first question by keyboard only: Tab to the first choice, Space or arrows, Enter on the button.
    first = True
    for _ in range(30):
        now = _current(app, attempt_id)
        if now is None:
            break
        position, kind, response = now
        frame.locator(f"#qh").wait_for()
        if first and kind == "multiple_choice":
            frame.locator("section.question input[type=radio]").first.focus()
            frame.page.keyboard.press("Space")
            frame.locator("#answer-button").focus()
            frame.page.keyboard.press("Enter")
        else:
            _answer_by_keyboard(frame, form_fields(kind, f"q{position}", response))
            frame.locator("#answer-button").press("Enter")
        first = False
        for _ in range(100):  # until the next question (or the mastery page) is shown
            if "/mastery" in frame.url or (frame.locator("input[name=position]").count()
                                           and frame.locator("input[name=position]").get_attribute("value") != str(position)):
                break
            page.wait_for_timeout(100)
        err = frame.locator("#answer-error")
        assert not err.count(), f"question {position} ({kind}): {err.inner_text()}"
    frame = wait_for_url(page, frame, "/mastery")
    assert frame.get_by_role("heading", name="Mastery by topic").is_visible()
    assert frame.locator(".mastery-item").count() >= 1
    assert run_axe(frame, axe_source) == [], "mastery page"
    screenshots(browser, frame.url, "practice-mastery", shots)

    frame.get_by_role("link", name="Your study plan").click()
    frame = wait_for_url(page, frame, "/plan")
    assert run_axe(frame, axe_source) == [], "study plan page"
    screenshots(browser, frame.url, "practice-plan", shots)
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_horizontal_scroll(frame) == [], f"plan page at {width} px"

    frame = launch_in_lms(page, live, role="instructor", path_part="/instructor/")
    frame.get_by_role("link", name="Mastery", exact=True).click()
    frame = wait_for_url(page, frame, "/instructor/mastery")
    assert frame.get_by_role("heading", name="Class mastery").is_visible()
    assert run_axe(frame, axe_source) == [], "class mastery page"
    screenshots(browser, frame.url, "instructor-mastery", shots)
