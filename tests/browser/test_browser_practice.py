"""Adaptive practice in Chromium inside the practice LMS's cross-site iframe: axe on the session,
mastery, study plan and class mastery pages, keyboard-only answering, reflow at 390 and 320 px,
and screenshots at 1280 and 390 px ($RAPPORT_SCREENSHOTS keeps them)."""
import re

import pytest

from lti_tool.extensions import db
from lti_tool.models import Assignment, Attempt
from lti_tool.models.base import utcnow
from lti_tool.services import adaptive, bank_store
from tests.support.browser import (launch_in_lms, no_horizontal_scroll, prepare_assignment,
                                   run_axe, screenshot_dir, screenshots, shareable_url, wait_for_url)
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


def _shown_position(frame):
    """The question number the page shows, or None (another page, or one still loading)."""
    try:
        return frame.evaluate("() => { const i = document.querySelector('input[name=position]'); return i && i.value; }")
    except Exception:  # the frame is navigating
        return None


def _answer_by_keyboard(frame, pairs):
    """Focus each choice and press Space (radios, checkboxes); reorder an ordering list with its
    Up buttons; choose from selects by keyboard value."""
    orders = {}
    for name, value in pairs:
        m = re.match(r"^(q\d+)-pos-(.+)$", name)
        if m:
            orders.setdefault(m.group(1), {})[int(value)] = m.group(2)
    for prefix, by_pos in orders.items():
        _order_by_keyboard(frame, prefix, [by_pos[p] for p in sorted(by_pos)])
    for name, value in pairs:
        if re.match(r"^q\d+-pos-", name):
            continue
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
    screenshots(browser, shareable_url(frame), "practice-session", shots)
    found = run_axe(frame, axe_source)
    assert found == [], f"practice session page: {found}"

    # The first question by keyboard only: Tab to the first choice, Space or arrows, Enter on the button.
    first = True
    for _ in range(30):
        now = _current(app, attempt_id)
        if now is None:
            break
        position, kind, response = now
        frame.locator("#qh").wait_for()
        frame.locator("body[data-items-ready]").wait_for(state="attached")  # items.js has run
        if first and kind == "multiple_choice":
            frame.locator("section.question input[type=radio]").first.focus()
            frame.page.keyboard.press("Space")
            frame.locator("#answer-button").focus()
            frame.page.keyboard.press("Enter")
        else:
            _answer_by_keyboard(frame, form_fields(kind, f"q{position}", response))
            frame.locator("#answer-button").press("Enter")
        first = False
        for _ in range(150):  # until the next question (or the mastery page) is shown
            frame = page.frame(name="tool") or frame  # (Playwright may hand out a new Frame after a navigation)
            if "/mastery" in frame.url or _shown_position(frame) not in (None, str(position)):
                break
            page.wait_for_timeout(100)
        err = frame.locator("#answer-error")
        assert not err.count(), f"question {position} ({kind}): {err.inner_text()}"
    frame = wait_for_url(page, frame, "/mastery")
    assert frame.get_by_role("heading", name="Mastery by topic").is_visible()
    assert frame.locator(".mastery-item").count() >= 1
    assert run_axe(frame, axe_source) == [], "mastery page"
    screenshots(browser, shareable_url(frame), "practice-mastery", shots)

    assert "lt=" not in frame.url  # as on the exam's pages: the token is in the page and a cookie
    frame.get_by_role("button", name="Your study plan").click()
    frame = wait_for_url(page, frame, "/plan")
    assert run_axe(frame, axe_source) == [], "study plan page"
    screenshots(browser, shareable_url(frame), "practice-plan", shots)
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_horizontal_scroll(frame) == [], f"plan page at {width} px"

    frame = launch_in_lms(page, live, role="instructor", path_part="/instructor/")
    frame.get_by_role("link", name="Mastery", exact=True).click()
    frame = wait_for_url(page, frame, "/instructor/mastery")
    assert frame.get_by_role("heading", name="Class mastery").is_visible()
    assert run_axe(frame, axe_source) == [], "class mastery page"
    screenshots(browser, frame.url, "instructor-mastery", shots)


def _stored(app, attempt_id, position):
    with app.app_context():
        item = next(i for i in db.session.get(Attempt, attempt_id).items if i.position == position)
        return item.points, item.max_points, item.response


def _order_by_keyboard(frame, prefix, ids):
    """Put the steps in `ids` order with the Up buttons only (Enter on a focused button)."""
    lst = frame.locator(f'.order-widget[data-order-prefix="{prefix}"] .order-list')
    for i, oid in enumerate(ids):
        for _ in range(len(ids)):
            where = lst.evaluate("l => Array.from(l.children).map(li => li.dataset.id)").index(oid)
            if where <= i:
                break
            lst.locator(f'li[data-id="{oid}"] .order-up').focus()
            frame.page.keyboard.press("Enter")
    if lst.evaluate("l => Array.from(l.children).map(li => li.dataset.id)") != ids:
        raise AssertionError("the Up buttons did not reorder the list")
    if frame.locator(f'.order-widget[data-order-prefix="{prefix}"] .order-keep').is_visible():
        frame.locator(f'.order-widget[data-order-prefix="{prefix}"] .order-keep').focus()
        frame.page.keyboard.press("Enter")


def test_practice_page_has_the_exam_widgets_for_ordering_and_select_n(app, live, browser, axe_source, tmp_path):
    """The adaptive page loads the exam's question widgets: an ordered-response item is one list
    reordered by keyboard (the position selects hidden behind it), and a select-N item refuses
    the (N+1)th tick with a message; both answers reach the server as the key."""
    prepare_assignment(app, live, sections=[{"filter": {"type": "ordered_response"}, "count": 1},
                                            {"filter": {"type": "select_n"}, "count": 1}])
    _make_adaptive(app, min_items=2, max_items=2, se_target=0.05)
    page = browser.new_page()
    frame = launch_in_lms(page, live, path_part="/practice/", start=False)
    attempt_id = int(frame.url.split("/practice/")[1].split("?")[0])
    shots = screenshot_dir(tmp_path)
    kinds = set()
    for step in range(2):
        position, kind, key = _current(app, attempt_id)
        kinds.add(kind)
        frame.locator("body[data-items-ready]").wait_for(state="attached")
        if kind == "ordered_response":
            widget = frame.locator(f'.order-widget[data-order-prefix="q{position}"]')
            assert widget.locator(".order-list").is_visible()
            assert not widget.locator(".order-options").is_visible()  # the no-JavaScript selects sit behind the list
            assert run_axe(frame, axe_source) == [], "practice page with the ordering list"
            screenshots(browser, shareable_url(frame), "practice-ordered", shots)
            _order_by_keyboard(frame, f"q{position}", list(key))
            assert "moved to position" in widget.locator("[aria-live]").inner_text() \
                or "Order kept" in widget.locator("[aria-live]").inner_text()
        else:
            box = frame.locator(f'.item[data-max-choices]')
            n = int(box.get_attribute("data-max-choices"))
            ids = [b.get_attribute("value") for b in box.locator("input[type=checkbox]").all()]
            wrong = [i for i in ids if i not in key]
            for oid in list(key)[:n] + wrong[:1]:  # the key's N, then one more
                frame.locator(f'input[name="q{position}"][value="{oid}"]').focus()
                frame.page.keyboard.press("Space")
            assert box.locator("input[type=checkbox]:checked").count() == n
            assert not frame.locator(f'input[name="q{position}"][value="{wrong[0]}"]').is_checked()
            status = frame.locator(f"#status-{position}")
            assert status.is_visible() and f"You can choose only {n}" in status.inner_text()
            assert status.get_attribute("role") == "alert"
            assert run_axe(frame, axe_source) == [], "practice page with a refused tick"
            page.screenshot(path=str(shots / "practice-select-n-refused.png"), full_page=True)
        frame.locator("#answer-button").focus()
        frame.page.keyboard.press("Enter")
        for _ in range(150):
            frame = page.frame(name="tool") or frame
            if "/mastery" in frame.url or _shown_position(frame) == str(position + 1):
                break
            page.wait_for_timeout(100)
        points, max_points, response = _stored(app, attempt_id, position)
        assert points == max_points and max_points > 0, (kind, response, key)
    assert kinds == {"ordered_response", "select_n"}
    assert "/mastery" in wait_for_url(page, frame, "/mastery").url
