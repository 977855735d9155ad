"""The attempt in real Chromium with JavaScript turned off: ordered response is answered with its
position selects, the whole form is the answer (no autosave), and an answer that cannot be kept
as given (two steps in one position, a third tick in "Select 2") is named at its question instead
of being dropped or graded as something else. Screenshots at 1280 and 390 px."""
import re

import pytest

from lti_tool.extensions import db
from lti_tool.models import Attempt
from lti_tool.models.attempts import GRADED, IN_PROGRESS
from lti_tool.services.bank_store import item_type
from tests.support.browser import (CHROMIUM_ARGS, attempt_id_of, chromium_binary, no_horizontal_scroll,
                                   prepare_assignment, run_axe, screenshot_dir)
from tests.support.cookieless import CookielessBrowser

pytestmark = pytest.mark.browser


@pytest.fixture
def no_js(playwright_session):
    b = playwright_session.chromium.launch(executable_path=chromium_binary(), headless=True, args=CHROMIUM_ARGS)
    ctx = b.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()
    b.close()


def _items(app, attempt_id):
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        return {i.position: (i.bank_item.type, item_type(i.bank_item).correct_response(), i.bank_item.definition)
                for i in a.items}


def _place(page, pos, order):
    for place, oid in enumerate(order, start=1):
        page.select_option(f"#q{pos}-pos-{oid}", str(place))


def _state(app, attempt_id):
    with app.app_context():
        a = db.session.get(Attempt, attempt_id)
        return a.state, {i.position: i.response for i in a.items}, {i.position: i.points for i in a.items}


def _shots(page, folder, name, axe_source, checker):
    """No sideways scroll at 1280, 390 and 320 px; axe clean; a screenshot at 1280 and 390 px.
    axe needs scripts, so it checks this page's markup, scripts taken out, in a page of its own."""
    checker.goto(page.url.split("/attempt/")[0] + "/")
    checker.set_content(re.sub(r"<script\b.*?</script>", "", page.content(), flags=re.S))
    assert run_axe(checker, axe_source) == [], name
    for width in (1280, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert no_horizontal_scroll(page) == [], (name, width)
        if width == 320:
            continue
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_ordered_response_and_select_n_without_javascript(app, live, no_js, browser, tmp_path, axe_source):
    shots = screenshot_dir(tmp_path)
    prepare_assignment(app, live, sections=[{"filter": {"type": "ordered_response"}, "count": 2},
                                            {"filter": {"type": "select_n"}, "count": 1}])
    b = CookielessBrowser()
    url = b.follow_autopost(b.get(live["lms_url"] + "/launch/student")).url
    attempt_id = attempt_id_of(url)
    items = _items(app, attempt_id)
    orders = sorted(p for p, (kind, _, _) in items.items() if kind == "ordered_response")
    pick = next(p for p, (kind, _, _) in items.items() if kind == "select_n")

    checker = browser.new_page()
    page = no_js.new_page()
    page.goto(url)
    page.get_by_role("button", name="Start").click()
    page.locator("#attempt-form").wait_for()
    # Nothing that needs a script shows: no flag buttons, no "save as you go".
    assert page.locator(".flag-button").first.is_hidden() and page.locator("#save-status").is_hidden()
    assert "JavaScript is off" in page.locator(".nojs-status").inner_text()
    # No script ran: the position selects are the interface, with their instruction; no list, no Up/Down.
    assert page.locator(".order-list").count() == 0
    assert page.locator(".order-nojs").first.is_visible()
    assert page.locator(f"#q{orders[0]}-pos-{items[orders[0]][1][0]}").is_visible()
    assert page.get_by_label("Position").count() == sum(len(items[p][1]) for p in orders)
    _shots(page, shots, "nojs-attempt", axe_source, checker)

    first, second = orders
    _place(page, first, items[first][1])
    key2 = items[second][1]  # its first two steps both get position 1
    for place, oid in enumerate(key2, start=1):
        page.select_option(f"#q{second}-pos-{oid}", "1" if place <= 2 else str(place))
    n = items[pick][2]["n"]
    options = page.locator(f'input[name="q{pick}"]')
    for i in range(n + 1):
        options.nth(i).check()
    page.get_by_label("I am ready to submit").check()
    page.get_by_role("button", name="Submit answers").click()

    # Not submitted: each problem named at the top and at its question; everything else kept.
    page.locator("#page-problems").wait_for()
    summary = page.locator("#page-problems").inner_text()
    assert f"Question {second}" in summary and f"Question {pick}" in summary and f"Question {first}:" not in summary
    assert "position 1" in page.locator(f"#status-{second}").inner_text()
    assert f"Choose no more than {n}; you ticked {n + 1}" in page.locator(f"#status-{pick}").inner_text()
    state, responses, _ = _state(app, attempt_id)
    assert state == IN_PROGRESS
    assert responses[first] == items[first][1]
    assert responses[second] == [None, None] + key2[2:]  # the clashing pair cleared, the rest kept
    assert responses.get(pick) is None  # three ticks are never kept for "Select 2"
    # The page shows what was kept: the cleared steps ask for a position again.
    assert page.locator(f"#q{second}-pos-{key2[0]}").input_value() == ""
    assert page.locator(f"#q{second}-pos-{key2[2]}").input_value() == "3"
    _shots(page, shots, "nojs-problems", axe_source, checker)

    # Fix both and submit: graded as answered.
    page.select_option(f"#q{second}-pos-{key2[0]}", "1")
    page.select_option(f"#q{second}-pos-{key2[1]}", "2")
    for oid in items[pick][1]:
        page.locator(f'input[name="q{pick}"][value="{oid}"]').check()
    page.get_by_label("I am ready to submit").check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url("**/review**")
    state, responses, points = _state(app, attempt_id)
    assert state == GRADED
    assert responses[first] == items[first][1] and responses[second] == key2
    assert sorted(responses[pick]) == sorted(items[pick][1])
    assert points[first] > 0 and points[second] > 0 and points[pick] > 0
    _shots(page, shots, "nojs-review", axe_source, checker)
    page.close()
